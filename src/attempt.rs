//! What one attempt to reach the portal reported, and what that means.

use crate::connection::Connection;
use crate::error::{code, B24Error};
use crate::response::NOT_THE_METHODS_JSON;

/// The longest part of a failure's own text kept in an error's description,
/// in bytes (cut at a character boundary).
pub const MAX_DETAIL_BYTES: usize = 300;

/// The facts of one attempt, as the transport saw them.
#[derive(Clone, Debug, PartialEq)]
pub enum Attempt {
    /// The portal answered with this status and body.
    Answered {
        /// The HTTP status, as JavaScript reported it.
        status: f64,
        /// The body's text.
        text: String,
    },
    /// No answer came back.
    Failed {
        /// The caller's signal had fired.
        aborted: bool,
        /// The attempt's timeout had passed.
        timed_out: bool,
        /// A custom `fetch`, or a wrapped client, resolved with something
        /// that is not a `Response` or a result.
        not_a_response: bool,
        /// The code a wrapped client (the official SDK, BX24) gave its own
        /// failure, when it reported one without the portal's answer.
        client_code: Option<String>,
        /// What failed said, as text; it may quote the URL, secret and all.
        detail: String,
    },
}

/// An answer: the HTTP status and the body's text.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The body, as text.
    pub text: String,
}

impl Attempt {
    /// The answer, or the error the attempt ends with.
    ///
    /// What cut the attempt short wins over what `fetch` said about it: the
    /// caller's abort is `ABORTED`, then the timeout is `TIMEOUT`; then a
    /// wrapped client's own code decides (see [`client_failure`]); otherwise
    /// a failed `fetch` is `NETWORK_ERROR` and a non-`Response` is
    /// `INVALID_RESPONSE`. Texts are scrubbed of the connection's secret.
    pub fn into_reply(self, connection: Option<&Connection>) -> Result<Reply, B24Error> {
        match self {
            Attempt::Answered { status, text } => {
                let valid = status.fract() == 0.0 && (0.0..=999.0).contains(&status);
                match valid {
                    true => Ok(Reply {
                        status: status as u16,
                        text,
                    }),
                    false => Err(not_a_response()),
                }
            }
            Attempt::Failed { aborted: true, .. } => Err(B24Error::aborted()),
            Attempt::Failed {
                timed_out: true, ..
            } => Err(B24Error::new(
                code::TIMEOUT,
                "The portal did not answer within timeoutMs.",
                None,
            )),
            Attempt::Failed {
                client_code: Some(code),
                detail,
                ..
            } => Err(client_failure(&code, &scrub(&detail, connection))),
            Attempt::Failed {
                not_a_response: true,
                ..
            } => Err(not_a_response()),
            Attempt::Failed { detail, .. } => Err(B24Error::network(&scrub(&detail, connection))),
        }
    }
}

/// `detail`, cut short and without the connection's secret.
fn scrub(detail: &str, connection: Option<&Connection>) -> String {
    let mut end = detail.len().min(MAX_DETAIL_BYTES);
    while !detail.is_char_boundary(end) {
        end -= 1;
    }
    let detail = detail.get(..end).unwrap_or_default();
    match connection {
        Some(connection) => connection.redact(detail),
        None => detail.to_owned(),
    }
}

/// The error for a failure a wrapped client reported by its own code, with no
/// answer from the portal: the official SDK's axios codes (`ECONNREFUSED`,
/// `ECONNABORTED`, ...) and BX24's `ERROR_NETWORK` and
/// `ERROR_UNEXPECTED_ANSWER` (its report of a 5xx or unreadable answer).
pub fn client_failure(code: &str, detail: &str) -> B24Error {
    match code {
        "ECONNABORTED" | "ETIMEDOUT" | "ESOCKETTIMEDOUT" | "REQUEST_TIMEOUT" => {
            B24Error::new(code::TIMEOUT, "The portal did not answer in time.", None)
        }
        "ERROR_UNEXPECTED_ANSWER" => B24Error::new(code.to_owned(), detail.to_owned(), None),
        "ERR_NETWORK" | "ERROR_NETWORK" | "NETWORK_ERROR" | "ENOTFOUND" | "EAI_AGAIN"
        | "EHOSTUNREACH" | "ENETUNREACH" | "EPIPE" => B24Error::network(detail),
        network if network.starts_with("ECONN") => B24Error::network(detail),
        // The client failed on an answer it could not read: the same error
        // fetch reports for such an answer, without a status it did not keep.
        _ => B24Error::new(code::INVALID_RESPONSE, NOT_THE_METHODS_JSON, None),
    }
}

fn not_a_response() -> B24Error {
    B24Error::new(
        code::INVALID_RESPONSE,
        "The fetch function did not resolve with a Response.",
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn webhook() -> Connection {
        Connection::webhook("https://portal.example.com/rest/1/s3cr3tcode/").unwrap()
    }

    fn failed(aborted: bool, timed_out: bool, not_a_response: bool) -> Attempt {
        Attempt::Failed {
            aborted,
            timed_out,
            not_a_response,
            client_code: None,
            detail: "fetch failed".into(),
        }
    }

    fn client(code: &str) -> Attempt {
        Attempt::Failed {
            aborted: false,
            timed_out: false,
            not_a_response: false,
            client_code: Some(code.into()),
            detail: "what the client said".into(),
        }
    }

    #[test]
    fn an_answer_becomes_a_reply() {
        let attempt = Attempt::Answered {
            status: 200.0,
            text: "{}".into(),
        };
        let reply = attempt.into_reply(Some(&webhook())).unwrap();
        assert_eq!((reply.status, reply.text.as_str()), (200, "{}"));
    }

    #[test]
    fn the_callers_abort_wins_over_the_timeout_and_the_network() {
        let error = failed(true, true, false)
            .into_reply(Some(&webhook()))
            .unwrap_err();
        assert_eq!(
            (error.code.as_ref(), error.kind),
            ("ABORTED", ErrorKind::Aborted)
        );
        assert!(!error.retryable);
    }

    #[test]
    fn a_timeout_is_a_retryable_network_error() {
        let error = failed(false, true, false)
            .into_reply(Some(&webhook()))
            .unwrap_err();
        assert_eq!(
            (error.code.as_ref(), error.kind),
            ("TIMEOUT", ErrorKind::Network)
        );
        assert!(error.retryable);
    }

    #[test]
    fn something_that_is_not_a_response_is_an_invalid_response() {
        let error = failed(false, false, true)
            .into_reply(Some(&webhook()))
            .unwrap_err();
        assert_eq!(error.code, "INVALID_RESPONSE");
        let odd_status = Attempt::Answered {
            status: 200.5,
            text: String::new(),
        };
        assert_eq!(
            odd_status.into_reply(Some(&webhook())).unwrap_err().code,
            "INVALID_RESPONSE"
        );
    }

    #[test]
    fn a_network_failure_keeps_its_text_without_the_secret() {
        let attempt = Attempt::Failed {
            aborted: false,
            timed_out: false,
            not_a_response: false,
            client_code: None,
            detail: "request to https://portal.example.com/rest/1/s3cr3tcode/x failed".into(),
        };
        let error = attempt.into_reply(Some(&webhook())).unwrap_err();
        assert_eq!(error.code, "NETWORK_ERROR");
        assert!(error.retryable);
        assert!(!error.description.contains("s3cr3tcode"));
        assert!(error.description.contains("[redacted]"));
    }

    #[test]
    fn a_long_failure_text_is_cut_at_a_character_boundary() {
        let attempt = Attempt::Failed {
            aborted: false,
            timed_out: false,
            not_a_response: false,
            client_code: None,
            detail: "é".repeat(1_000),
        };
        let error = attempt.into_reply(Some(&webhook())).unwrap_err();
        assert!(error.description.ends_with('é'));
        assert!(error.description.len() < MAX_DETAIL_BYTES + 100);
    }

    #[test]
    fn a_long_failure_text_is_cut_short() {
        let attempt = Attempt::Failed {
            aborted: false,
            timed_out: false,
            not_a_response: false,
            client_code: None,
            detail: "x".repeat(10_000),
        };
        let error = attempt.into_reply(Some(&webhook())).unwrap_err();
        assert!(error.description.len() < MAX_DETAIL_BYTES + 100);
    }

    #[test]
    fn a_wrapped_clients_own_codes_map_onto_the_same_errors() {
        let table = [
            ("ECONNREFUSED", "NETWORK_ERROR", ErrorKind::Network, true),
            ("ECONNRESET", "NETWORK_ERROR", ErrorKind::Network, true),
            ("ERR_NETWORK", "NETWORK_ERROR", ErrorKind::Network, true),
            ("ERROR_NETWORK", "NETWORK_ERROR", ErrorKind::Network, true),
            ("ENOTFOUND", "NETWORK_ERROR", ErrorKind::Network, true),
            ("ECONNABORTED", "TIMEOUT", ErrorKind::Network, true),
            ("ETIMEDOUT", "TIMEOUT", ErrorKind::Network, true),
            (
                "ERROR_UNEXPECTED_ANSWER",
                "ERROR_UNEXPECTED_ANSWER",
                ErrorKind::Server,
                true,
            ),
            (
                "JSSDK_UNKNOWN_ERROR",
                "INVALID_RESPONSE",
                ErrorKind::Protocol,
                false,
            ),
        ];
        for (given, code, kind, retryable) in table {
            let error = client(given).into_reply(None).unwrap_err();
            assert_eq!(
                (error.code.as_ref(), error.kind, error.retryable),
                (code, kind, retryable),
                "{given}"
            );
        }
    }

    #[test]
    fn an_abort_wins_over_a_client_code() {
        let attempt = Attempt::Failed {
            aborted: true,
            timed_out: false,
            not_a_response: false,
            client_code: Some("ECONNREFUSED".into()),
            detail: String::new(),
        };
        assert_eq!(attempt.into_reply(None).unwrap_err().code, "ABORTED");
    }
}
