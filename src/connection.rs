//! Where calls go: a webhook or an OAuth portal, checked before anything is sent.

use crate::error::B24Error;
use crate::value::Value;

/// A checked connection to one portal.
///
/// Its `Debug` output hides the webhook code and the access token.
#[derive(Clone, PartialEq)]
pub enum Connection {
    /// An incoming webhook: `https://HOST/rest/USER_ID/CODE/`.
    Webhook {
        /// `scheme://host[:port]`, in lower case.
        origin: String,
        /// The webhook's user id (digits).
        user_id: String,
        /// The webhook code: a secret.
        code: String,
    },
    /// An application's OAuth access token on a portal.
    OAuth {
        /// `scheme://host[:port]`, in lower case.
        origin: String,
        /// The access token: a secret, sent in the body, never in the URL.
        access_token: String,
    },
}

/// The connection keys of the options object, as the caller gave them.
#[derive(Clone, Debug, PartialEq)]
pub struct ConnectionInput {
    /// `webhookUrl`.
    pub webhook_url: Value,
    /// `portalUrl`.
    pub portal_url: Value,
    /// `accessToken`.
    pub access_token: Value,
}

const EITHER_ONE: &str = "Give webhookUrl, or portalUrl with accessToken.";
const BAD_WEBHOOK: &str = "webhookUrl must be https://HOST/rest/USER_ID/CODE/.";
const BAD_PORTAL: &str = "portalUrl must be https://HOST.";
const BAD_TOKEN: &str = "accessToken must be a non-empty printable string.";
const PLAIN_HTTP: &str =
    "http:// is only for loopback hosts (localhost, 127.0.0.0/8, [::1]); use https://.";

impl Connection {
    /// Checks the connection keys of an options object.
    ///
    /// Fails with `INVALID_CONNECTION` when neither or both kinds are given,
    /// when a URL is malformed, or when it uses plain `http://` to a host that
    /// is not on this machine. The error never quotes the input.
    pub fn from_input(input: &ConnectionInput) -> Result<Connection, B24Error> {
        let has_webhook = !input.webhook_url.is_nothing();
        let has_oauth = !input.portal_url.is_nothing() || !input.access_token.is_nothing();
        match (has_webhook, has_oauth) {
            (true, false) => {
                let url = input.webhook_url.as_text();
                Connection::webhook(url.ok_or_else(|| B24Error::connection(BAD_WEBHOOK))?)
            }
            (false, true) => {
                let portal = input.portal_url.as_text();
                let token = input.access_token.as_text();
                Connection::oauth(
                    portal.ok_or_else(|| B24Error::connection(BAD_PORTAL))?,
                    token.ok_or_else(|| B24Error::connection(BAD_TOKEN))?,
                )
            }
            _ => Err(B24Error::connection(EITHER_ONE)),
        }
    }

    /// A webhook connection from its URL, `https://HOST/rest/USER_ID/CODE` with
    /// an optional trailing slash.
    pub fn webhook(url: &str) -> Result<Connection, B24Error> {
        let (origin, path) = split_url(url, BAD_WEBHOOK)?;
        let path = path.strip_suffix('/').unwrap_or(path);
        let mut parts = path.split('/');
        let (Some("rest"), Some(user_id), Some(code), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(B24Error::connection(BAD_WEBHOOK));
        };
        let user_id_ok = !user_id.is_empty() && user_id.bytes().all(|b| b.is_ascii_digit());
        let code_ok = !code.is_empty()
            && code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !user_id_ok || !code_ok {
            return Err(B24Error::connection(BAD_WEBHOOK));
        }
        Ok(Connection::Webhook {
            origin,
            user_id: user_id.to_owned(),
            code: code.to_owned(),
        })
    }

    /// An OAuth connection from the portal's address, `https://HOST` (a
    /// trailing slash or `/rest` is tolerated), and an access token.
    pub fn oauth(portal_url: &str, access_token: &str) -> Result<Connection, B24Error> {
        let (origin, path) = split_url(portal_url, BAD_PORTAL)?;
        if !matches!(path, "" | "rest" | "rest/") {
            return Err(B24Error::connection(BAD_PORTAL));
        }
        let token_ok =
            !access_token.is_empty() && access_token.bytes().all(|b| b.is_ascii_graphic());
        if !token_ok {
            return Err(B24Error::connection(BAD_TOKEN));
        }
        Ok(Connection::OAuth {
            origin,
            access_token: access_token.to_owned(),
        })
    }

    /// The URL to `POST` a call of `method` to.
    pub fn endpoint(&self, method: &str) -> String {
        let mut url = String::new();
        match self {
            Connection::Webhook {
                origin,
                user_id,
                code,
            } => {
                for part in [origin, "/rest/", user_id, "/", code, "/", method] {
                    url.push_str(part);
                }
            }
            Connection::OAuth { origin, .. } => {
                for part in [origin, "/rest/", method] {
                    url.push_str(part);
                }
            }
        }
        url
    }

    /// The access token to put in the body, for OAuth connections.
    pub fn body_auth(&self) -> Option<&str> {
        match self {
            Connection::Webhook { .. } => None,
            Connection::OAuth { access_token, .. } => Some(access_token),
        }
    }

    /// The same OAuth connection with a new access token, as a refresh gives it.
    ///
    /// Fails with `INVALID_CONNECTION` for a webhook, or a token that is not a
    /// non-empty string of printable characters.
    pub fn with_access_token(&self, access_token: &str) -> Result<Connection, B24Error> {
        match self {
            Connection::OAuth { origin, .. } => Connection::oauth(origin, access_token),
            Connection::Webhook { .. } => Err(B24Error::connection(BAD_TOKEN)),
        }
    }

    /// Whether an error with `code` is one a token refresh can cure: an
    /// expired or invalid access token on an OAuth connection.
    pub fn refresh_cures(&self, code: &str) -> bool {
        matches!(self, Connection::OAuth { .. })
            && matches!(code, "expired_token" | "invalid_token")
    }

    /// The secret this connection carries, so text can be scrubbed of it.
    pub fn secret(&self) -> &str {
        match self {
            Connection::Webhook { code, .. } => code,
            Connection::OAuth { access_token, .. } => access_token,
        }
    }

    /// `text` with every occurrence of the connection's secret replaced.
    pub fn redact(&self, text: &str) -> String {
        let secret = self.secret().as_bytes();
        let bytes = text.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut at = 0;
        while at < bytes.len() {
            // A plain scan: texts here are short, and a substring searcher
            // would add kilobytes to the shipped module.
            if !secret.is_empty() && bytes[at..].starts_with(secret) {
                out.extend_from_slice(b"[redacted]");
                at += secret.len();
            } else {
                out.push(bytes[at]);
                at += 1;
            }
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Connection::Webhook { origin, .. } => write!(formatter, "Webhook({origin})"),
            Connection::OAuth { origin, .. } => write!(formatter, "OAuth({origin})"),
        }
    }
}

/// Splits an absolute `http(s)` URL into its lower-case origin and its path,
/// without the path's leading slash.
///
/// Refuses user info, queries and fragments, and plain `http://` to a host
/// that is not loopback. `shape_error` is the description for a malformed URL.
fn split_url<'a>(url: &'a str, shape_error: &'static str) -> Result<(String, &'a str), B24Error> {
    let bad_shape = || B24Error::connection(shape_error);
    let scheme_of = |scheme: &str| {
        let prefix = url.get(..scheme.len())?;
        prefix
            .eq_ignore_ascii_case(scheme)
            .then(|| url.get(scheme.len()..))?
    };
    let (secure, rest) = match (scheme_of("https://"), scheme_of("http://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        (None, None) => return Err(bad_shape()),
    };
    let unwanted = |b: u8| !b.is_ascii_graphic() || matches!(b, b'?' | b'#' | b'\\' | b'@');
    if rest.bytes().any(unwanted) {
        return Err(bad_shape());
    }

    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host_of(authority).ok_or_else(bad_shape)?;
    if !secure && !is_loopback(&host) {
        return Err(B24Error::connection(PLAIN_HTTP));
    }

    let mut origin = String::from(if secure { "https://" } else { "http://" });
    origin.push_str(&authority.to_ascii_lowercase());
    Ok((origin, path))
}

/// The lower-case host of `host[:port]`, or `None` when either part is malformed.
///
/// Slices come only from `split_once` and `strip_prefix`, which cannot fail:
/// a slicing panic would drag the formatting machinery into the module.
fn host_of(authority: &str) -> Option<String> {
    let (host, port) = match authority.strip_prefix('[') {
        Some(bracketed) => {
            let (inner, after) = bracketed.split_once(']')?;
            let ipv6_ok = inner.contains(':')
                && inner
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
            let port = match after {
                "" => None,
                _ => Some(after.strip_prefix(':')?),
            };
            if !ipv6_ok {
                return None;
            }
            return port_ok(port).then(|| ["[", inner, "]"].concat().to_ascii_lowercase());
        }
        None => match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let labels_ok = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    (labels_ok && port_ok(port)).then(|| host.to_ascii_lowercase())
}

/// Whether a port, if there is one, is a number from 1 to 65535.
fn port_ok(port: Option<&str>) -> bool {
    port.is_none_or(|port| {
        port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port
                .parse::<u32>()
                .is_ok_and(|number| (1..=65535).contains(&number))
    })
}

/// Whether `host` is this machine: `localhost`, `127.0.0.0/8` or `[::1]`.
fn is_loopback(host: &str) -> bool {
    if host == "localhost" || host == "[::1]" {
        return true;
    }
    let mut octets = 0;
    let all_valid = host.split('.').enumerate().all(|(index, octet)| {
        octets += 1;
        let valid = octet.len() <= 3 && octet.parse::<u8>().is_ok();
        valid && (index > 0 || octet == "127")
    });
    all_valid && octets == 4
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::code;

    const CODE: &str = "abc123secret";

    #[test]
    fn builds_the_webhook_endpoint_with_or_without_trailing_slash() {
        for url in [
            "https://portal.bitrix24.com/rest/1/abc123secret/",
            "https://portal.bitrix24.com/rest/1/abc123secret",
            "HTTPS://Portal.Bitrix24.com/rest/1/abc123secret",
        ] {
            let connection = Connection::webhook(url).unwrap();
            assert_eq!(
                connection.endpoint("crm.timeline.bindings.bind"),
                "https://portal.bitrix24.com/rest/1/abc123secret/crm.timeline.bindings.bind"
            );
            assert_eq!(connection.body_auth(), None);
        }
    }

    #[test]
    fn builds_the_oauth_endpoint_and_keeps_the_token_out_of_the_url() {
        for portal in [
            "https://portal.example.com",
            "https://portal.example.com/",
            "https://portal.example.com/rest",
            "https://portal.example.com/rest/",
        ] {
            let connection = Connection::oauth(portal, "token-1.2").unwrap();
            let url = connection.endpoint("crm.timeline.bindings.bind");
            assert_eq!(
                url,
                "https://portal.example.com/rest/crm.timeline.bindings.bind"
            );
            assert_eq!(connection.body_auth(), Some("token-1.2"));
        }
    }

    #[test]
    fn allows_plain_http_only_for_loopback_hosts() {
        for url in [
            "http://localhost:8080/rest/1/abc123secret/",
            "http://127.0.0.1:3000/rest/1/abc123secret",
            "http://127.5.6.7/rest/1/abc123secret",
            "http://[::1]:9000/rest/1/abc123secret",
        ] {
            assert!(Connection::webhook(url).is_ok(), "{url}");
        }
        for url in [
            "http://portal.bitrix24.com/rest/1/abc123secret/",
            "http://128.0.0.1/rest/1/abc123secret/",
            "http://localhost.evil.com/rest/1/abc123secret/",
            "http://127.0.0.1.nip.io/rest/1/abc123secret/",
            "http://[::2]/rest/1/abc123secret/",
        ] {
            let error = Connection::webhook(url).unwrap_err();
            assert_eq!(error.code, code::INVALID_CONNECTION, "{url}");
        }
        let error = Connection::oauth("http://portal.example.com", "token").unwrap_err();
        assert!(error.description.contains("loopback"));
    }

    #[test]
    fn rejects_malformed_webhook_urls_without_quoting_them() {
        for url in [
            "",
            "portal.bitrix24.com/rest/1/abc123secret",
            "ftp://portal.bitrix24.com/rest/1/abc123secret",
            "https://portal.bitrix24.com/rest/abc123secret",
            "https://portal.bitrix24.com/rest/x/abc123secret",
            "https://portal.bitrix24.com/rest/1/abc123secret/crm.timeline.bindings.bind",
            "https://portal.bitrix24.com/api/1/abc123secret",
            "https://portal.bitrix24.com/rest/1/abc123secret?x=1",
            "https://portal.bitrix24.com/rest/1/abc123secret#top",
            "https://user:abc123secret@portal.bitrix24.com/rest/1/abc123secret",
            "https://portal.bitrix24.com:99999/rest/1/abc123secret",
            "https://portal.bitrix24.com:/rest/1/abc123secret",
            "https:///rest/1/abc123secret",
            "https://por tal.com/rest/1/abc123secret",
            "https://portal..com/rest/1/abc123secret",
            "https://portal.com/rest/1/abc%2F123secret",
            "https://portal.com/rest/1//",
            "https://[zz::1]/rest/1/abc123secret",
        ] {
            let error = Connection::webhook(url).unwrap_err();
            assert_eq!(error.code, code::INVALID_CONNECTION, "{url:?}");
            assert!(!error.description.contains(CODE), "{url:?}");
        }
    }

    #[test]
    fn rejects_portal_urls_with_a_path_and_blank_tokens() {
        assert!(Connection::oauth("https://portal.example.com/rest/1/x", "t").is_err());
        assert!(Connection::oauth("https://portal.example.com/crm", "t").is_err());
        for token in ["", "with space", "line\nbreak", "тoken"] {
            let error = Connection::oauth("https://portal.example.com", token).unwrap_err();
            assert_eq!(error.code, code::INVALID_CONNECTION, "{token:?}");
        }
    }

    #[test]
    fn requires_exactly_one_kind_of_connection() {
        let text = |value: &str| Value::Text(value.to_owned());
        let webhook = text("https://portal.example.com/rest/1/abc123secret/");
        let both = ConnectionInput {
            webhook_url: webhook.clone(),
            portal_url: text("https://portal.example.com"),
            access_token: text("token"),
        };
        let neither = ConnectionInput {
            webhook_url: Value::Absent,
            portal_url: Value::Absent,
            access_token: Value::Null,
        };
        let token_only = ConnectionInput {
            webhook_url: Value::Absent,
            portal_url: Value::Absent,
            access_token: text("token"),
        };
        let not_text = ConnectionInput {
            webhook_url: Value::Number(1.0),
            portal_url: Value::Absent,
            access_token: Value::Absent,
        };
        for input in [both, neither, token_only, not_text] {
            let error = Connection::from_input(&input).unwrap_err();
            assert_eq!(error.code, code::INVALID_CONNECTION, "{input:?}");
        }
        let webhook_only = ConnectionInput {
            webhook_url: webhook,
            portal_url: Value::Absent,
            access_token: Value::Absent,
        };
        assert!(Connection::from_input(&webhook_only).is_ok());
    }

    #[test]
    fn a_refreshed_token_replaces_the_old_one_on_the_same_portal() {
        let old = Connection::oauth("https://p.example.com/", "old-token").unwrap();
        let new = old.with_access_token("new-token").unwrap();
        assert_eq!(new.body_auth(), Some("new-token"));
        assert_eq!(new.endpoint("m"), old.endpoint("m"));
        assert!(old.with_access_token("").is_err());
        let webhook = Connection::webhook("https://p.example.com/rest/1/code").unwrap();
        assert!(webhook.with_access_token("token").is_err());
    }

    #[test]
    fn only_an_oauth_token_error_calls_for_a_refresh() {
        let oauth = Connection::oauth("https://p.example.com", "token").unwrap();
        let webhook = Connection::webhook("https://p.example.com/rest/1/code").unwrap();
        assert!(oauth.refresh_cures("expired_token"));
        assert!(oauth.refresh_cures("invalid_token"));
        assert!(!oauth.refresh_cures("NO_AUTH_FOUND"));
        assert!(!webhook.refresh_cures("expired_token"));
    }

    #[test]
    fn hides_and_redacts_the_secret() {
        let connection = Connection::webhook("https://p.example.com/rest/7/abc123secret").unwrap();
        assert_eq!(format!("{connection:?}"), "Webhook(https://p.example.com)");
        assert_eq!(
            connection.redact("GET /rest/7/abc123secret/x failed"),
            "GET /rest/7/[redacted]/x failed"
        );
        let oauth = Connection::oauth("https://p.example.com", "tok123").unwrap();
        assert_eq!(format!("{oauth:?}"), "OAuth(https://p.example.com)");
        assert_eq!(oauth.redact("auth=tok123"), "auth=[redacted]");
    }
}
