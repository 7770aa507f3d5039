//! The one error model: every failure becomes a [`B24Error`] with a code and a kind.

use std::borrow::Cow;

use serde::Serialize;

use crate::fields::Field;

/// What sort of failure an error is, so callers can switch on one field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub enum ErrorKind {
    /// The input was refused before anything was sent, or the portal refused a field.
    Validation,
    /// The webhook code or access token was not accepted.
    Auth,
    /// The credentials are valid but may not do this.
    Permission,
    /// The portal's request or operating-time limit was hit.
    RateLimit,
    /// The portal failed or is gone.
    Server,
    /// The request did not reach the portal, or no answer came back in time.
    Network,
    /// The portal answered something this package does not understand.
    Protocol,
    /// The caller aborted the call.
    Aborted,
}

impl ErrorKind {
    /// The kind's name, as `B24Error.kind` shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Validation => "validation",
            ErrorKind::Auth => "auth",
            ErrorKind::Permission => "permission",
            ErrorKind::RateLimit => "rate_limit",
            ErrorKind::Server => "server",
            ErrorKind::Network => "network",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Aborted => "aborted",
        }
    }
}

/// One invalid field, as listed in [`B24Error::details`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct FieldIssue {
    /// The field's name, e.g. `OWNER_ID`.
    pub field: Field,
    /// The error code for that field, e.g. `OWNER_ID_INVALID`.
    pub code: &'static str,
    /// The portal's sentence for that field.
    pub description: &'static str,
}

/// A failed call: what went wrong, in terms a program can act on.
///
/// `code` is the portal's code when it gave one, or one of this package's
/// codes (see [`code`]). `description` never contains a webhook code or an
/// access token.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct B24Error {
    /// The error code, e.g. `QUERY_LIMIT_EXCEEDED` or `OWNER_ID_INVALID`.
    pub code: Cow<'static, str>,
    /// The family of the error.
    pub kind: ErrorKind,
    /// The portal's own text, or this package's explanation.
    pub description: Cow<'static, str>,
    /// The HTTP status of the portal's answer, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Whether the same call may succeed when tried again later.
    pub retryable: bool,
    /// The first invalid field, for field errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<Field>,
    /// Every invalid field, for field errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FieldIssue>,
}

/// The codes this package produces itself, beside the portal's own.
pub mod code {
    /// `fields` is not a plain object.
    pub const ERROR_ARGUMENT: &str = "ERROR_ARGUMENT";
    /// `OWNER_ID` is missing or not a positive integer.
    pub const OWNER_ID_INVALID: &str = "OWNER_ID_INVALID";
    /// `ENTITY_ID` is missing or not a positive integer.
    pub const ENTITY_ID_INVALID: &str = "ENTITY_ID_INVALID";
    /// `ENTITY_TYPE` is missing or not one of the five entity types.
    pub const ENTITY_TYPE_INVALID: &str = "ENTITY_TYPE_INVALID";
    /// The webhook URL, portal URL or access token is malformed or unsafe.
    pub const INVALID_CONNECTION: &str = "INVALID_CONNECTION";
    /// A call option (`fetch`, `signal`, `timeoutMs`, `maxAttempts`) has the wrong type.
    pub const INVALID_OPTION: &str = "INVALID_OPTION";
    /// The portal answered `Access denied.` with an empty code.
    pub const ACCESS_DENIED: &str = "ACCESS_DENIED";
    /// The portal answered with an empty code and an unknown description.
    pub const UNKNOWN_ERROR: &str = "UNKNOWN_ERROR";
    /// The answer was not JSON, or JSON of an unexpected shape.
    pub const INVALID_RESPONSE: &str = "INVALID_RESPONSE";
    /// The request failed before an answer arrived (refused, reset, DNS, CORS).
    pub const NETWORK_ERROR: &str = "NETWORK_ERROR";
    /// No answer arrived within `timeoutMs`.
    pub const TIMEOUT: &str = "TIMEOUT";
    /// The caller's `signal` aborted the call.
    pub const ABORTED: &str = "ABORTED";
    /// Something failed inside the package itself.
    pub const INTERNAL_ERROR: &str = "INTERNAL_ERROR";
}

/// The kind of an error code, and whether a call that failed with it may be
/// tried again.
///
/// `status` is the HTTP status the code came with, if any: an unknown code
/// that arrives with a 5xx status is a server fault, and worth retrying.
pub fn classify(code: &str, status: Option<u16>) -> (ErrorKind, bool) {
    use ErrorKind::*;

    let server_fault = matches!(status, Some(500..=599));
    match code {
        "QUERY_LIMIT_EXCEEDED" | "OPERATION_TIME_LIMIT" => (RateLimit, true),
        "OVERLOAD_LIMIT" => (RateLimit, false),
        "INTERNAL_SERVER_ERROR" | "ERROR_UNEXPECTED_ANSWER" => (Server, true),
        "PORTAL_DELETED" => (Server, false),
        "NO_AUTH_FOUND" | "expired_token" | "invalid_token" => (Auth, false),
        "ACCESS_DENIED" | "INVALID_CREDENTIALS" | "insufficient_scope" | "user_access_error" => {
            (Permission, false)
        }
        code::ERROR_ARGUMENT
        | code::OWNER_ID_INVALID
        | code::ENTITY_ID_INVALID
        | code::ENTITY_TYPE_INVALID
        | code::INVALID_CONNECTION
        | code::INVALID_OPTION => (Validation, false),
        code::NETWORK_ERROR | code::TIMEOUT => (Network, true),
        code::ABORTED => (Aborted, false),
        code::INVALID_RESPONSE => (Protocol, server_fault),
        code::INTERNAL_ERROR => (Protocol, false),
        _ if server_fault => (Server, true),
        _ => (Protocol, false),
    }
}

impl B24Error {
    /// An error with `code`, its kind and retryability taken from [`classify`].
    pub fn new(
        code: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
        status: Option<u16>,
    ) -> Self {
        let code = code.into();
        let (kind, retryable) = classify(&code, status);
        B24Error {
            code,
            kind,
            description: description.into(),
            status,
            retryable,
            field: None,
            details: Vec::new(),
        }
    }

    /// A field error naming the first of `issues`, listing all of them.
    ///
    /// `issues` must not be empty; an empty list gives a plain `ERROR_ARGUMENT`.
    pub fn fields(issues: Vec<FieldIssue>, status: Option<u16>) -> Self {
        let Some(first) = issues.first() else {
            return B24Error::new(code::ERROR_ARGUMENT, "No field was given.", status);
        };
        let mut error = B24Error::new(first.code, first.description, status);
        error.field = Some(first.field);
        error.details = issues;
        error
    }

    /// [`B24Error::details`] as a JSON array of `{ field, code, description }`.
    pub fn details_json(&self) -> String {
        let mut json = String::from("[");
        for (index, issue) in self.details.iter().enumerate() {
            if index > 0 {
                json.push(',');
            }
            for (key, value) in [
                ("{\"field\":", issue.field.name()),
                (",\"code\":", issue.code),
                (",\"description\":", issue.description),
            ] {
                json.push_str(key);
                crate::request::push_string(&mut json, value);
            }
            json.push('}');
        }
        json.push(']');
        json
    }

    /// `fields` was not a plain object.
    pub fn not_an_object() -> Self {
        B24Error::new(
            code::ERROR_ARGUMENT,
            "fields must be a plain object with OWNER_ID, ENTITY_ID and ENTITY_TYPE.",
            None,
        )
    }

    /// The connection is malformed or unsafe; `why` must not quote the input.
    pub fn connection(why: &'static str) -> Self {
        B24Error::new(code::INVALID_CONNECTION, why, None)
    }

    /// The request failed before an answer arrived; `detail` must already be
    /// scrubbed of secrets.
    pub fn network(detail: &str) -> Self {
        let mut description = String::from("The request did not reach the portal");
        if !detail.is_empty() {
            description.push_str(": ");
            description.push_str(detail);
        }
        B24Error::new(code::NETWORK_ERROR, description, None)
    }

    /// The caller's signal aborted the call.
    pub fn aborted() -> Self {
        B24Error::new(code::ABORTED, "The call was aborted by its signal.", None)
    }

    /// A call option has the wrong type or range.
    pub fn option(why: &'static str) -> Self {
        B24Error::new(code::INVALID_OPTION, why, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_every_documented_system_code() {
        use ErrorKind::*;
        let table: &[(&str, u16, ErrorKind, bool)] = &[
            ("QUERY_LIMIT_EXCEEDED", 503, RateLimit, true),
            ("OPERATION_TIME_LIMIT", 429, RateLimit, true),
            ("OVERLOAD_LIMIT", 503, RateLimit, false),
            ("INTERNAL_SERVER_ERROR", 500, Server, true),
            ("ERROR_UNEXPECTED_ANSWER", 500, Server, true),
            ("PORTAL_DELETED", 500, Server, false),
            ("NO_AUTH_FOUND", 401, Auth, false),
            ("expired_token", 401, Auth, false),
            ("invalid_token", 401, Auth, false),
            ("ACCESS_DENIED", 403, Permission, false),
            ("INVALID_CREDENTIALS", 403, Permission, false),
            ("insufficient_scope", 403, Permission, false),
            ("user_access_error", 403, Permission, false),
            ("INVALID_REQUEST", 400, Protocol, false),
            ("ERROR_BATCH_LENGTH_EXCEEDED", 400, Protocol, false),
            ("ERROR_BATCH_METHOD_NOT_ALLOWED", 405, Protocol, false),
            ("ERROR_MANIFEST_IS_NOT_AVAILABLE", 404, Protocol, false),
            ("SOMETHING_NEW", 400, Protocol, false),
            ("SOMETHING_NEW", 502, Server, true),
        ];
        for &(code, status, kind, retryable) in table {
            assert_eq!(
                classify(code, Some(status)),
                (kind, retryable),
                "{code} with {status}"
            );
        }
    }

    #[test]
    fn treats_codes_as_case_sensitive() {
        assert_eq!(
            classify("EXPIRED_TOKEN", Some(401)),
            (ErrorKind::Protocol, false)
        );
    }

    #[test]
    fn invalid_response_is_retryable_only_with_a_server_status() {
        assert_eq!(
            classify(code::INVALID_RESPONSE, Some(502)),
            (ErrorKind::Protocol, true)
        );
        assert_eq!(
            classify(code::INVALID_RESPONSE, Some(200)),
            (ErrorKind::Protocol, false)
        );
    }

    #[test]
    fn writes_details_and_kinds_as_serde_would() {
        let error = B24Error::fields(
            vec![Field::OwnerId.issue(), Field::EntityType.issue()],
            None,
        );
        let written: serde_json::Value = serde_json::from_str(&error.details_json()).unwrap();
        assert_eq!(written, serde_json::to_value(&error.details).unwrap());
        assert_eq!(B24Error::new("x", "", None).details_json(), "[]");
        for kind in [
            ErrorKind::Validation,
            ErrorKind::Auth,
            ErrorKind::Permission,
            ErrorKind::RateLimit,
            ErrorKind::Server,
            ErrorKind::Network,
            ErrorKind::Protocol,
            ErrorKind::Aborted,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }

    #[test]
    fn serializes_without_empty_optional_parts() {
        let error = B24Error::new(code::NETWORK_ERROR, "fetch failed", None);
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "code": "NETWORK_ERROR",
                "kind": "network",
                "description": "fetch failed",
                "retryable": true
            })
        );
    }
}
