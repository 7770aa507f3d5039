//! What one attempt to reach the portal reported, and what that means.

use crate::connection::Connection;
use crate::error::{code, B24Error};

/// The longest part of a failure's own text kept in an error's description.
pub const MAX_DETAIL_CHARS: usize = 300;

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
        /// A custom `fetch` resolved with something that is not a `Response`.
        not_a_response: bool,
        /// What `fetch` threw, as text; it may quote the URL, secret and all.
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
    /// caller's abort is `ABORTED`, then the timeout is `TIMEOUT`; otherwise
    /// a failed `fetch` is `NETWORK_ERROR`, with its text scrubbed of the
    /// connection's secret, and a non-`Response` is `INVALID_RESPONSE`.
    pub fn into_reply(self, connection: &Connection) -> Result<Reply, B24Error> {
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
            Attempt::Failed { aborted: true, .. } => Err(B24Error::new(
                code::ABORTED,
                "The call was aborted by its signal.",
                None,
            )),
            Attempt::Failed {
                timed_out: true, ..
            } => Err(B24Error::new(
                code::TIMEOUT,
                "The portal did not answer within timeoutMs.",
                None,
            )),
            Attempt::Failed {
                not_a_response: true,
                ..
            } => Err(not_a_response()),
            Attempt::Failed { detail, .. } => {
                let detail: String = detail.chars().take(MAX_DETAIL_CHARS).collect();
                Err(B24Error::network(&connection.redact(&detail)))
            }
        }
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
            detail: "fetch failed".into(),
        }
    }

    #[test]
    fn an_answer_becomes_a_reply() {
        let attempt = Attempt::Answered {
            status: 200.0,
            text: "{}".into(),
        };
        let reply = attempt.into_reply(&webhook()).unwrap();
        assert_eq!((reply.status, reply.text.as_str()), (200, "{}"));
    }

    #[test]
    fn the_callers_abort_wins_over_the_timeout_and_the_network() {
        let error = failed(true, true, false)
            .into_reply(&webhook())
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
            .into_reply(&webhook())
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
            .into_reply(&webhook())
            .unwrap_err();
        assert_eq!(error.code, "INVALID_RESPONSE");
        let odd_status = Attempt::Answered {
            status: 200.5,
            text: String::new(),
        };
        assert_eq!(
            odd_status.into_reply(&webhook()).unwrap_err().code,
            "INVALID_RESPONSE"
        );
    }

    #[test]
    fn a_network_failure_keeps_its_text_without_the_secret() {
        let attempt = Attempt::Failed {
            aborted: false,
            timed_out: false,
            not_a_response: false,
            detail: "request to https://portal.example.com/rest/1/s3cr3tcode/x failed".into(),
        };
        let error = attempt.into_reply(&webhook()).unwrap_err();
        assert_eq!(error.code, "NETWORK_ERROR");
        assert!(error.retryable);
        assert!(!error.description.contains("s3cr3tcode"));
        assert!(error.description.contains("[redacted]"));
    }

    #[test]
    fn a_long_failure_text_is_cut_short() {
        let attempt = Attempt::Failed {
            aborted: false,
            timed_out: false,
            not_a_response: false,
            detail: "x".repeat(10_000),
        };
        let error = attempt.into_reply(&webhook()).unwrap_err();
        assert!(error.description.len() < MAX_DETAIL_CHARS + 100);
    }
}
