//! The retry policy: whether a failed attempt is tried again, and after how long.

use crate::bucket::RateLimit;
use crate::error::{B24Error, ErrorKind};
use crate::value::Source;

/// How a call retries. Every duration is in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first one included.
    pub max_attempts: u32,
    /// The backoff before the first retry, before jitter.
    pub base_delay_ms: f64,
    /// The longest backoff, before jitter.
    pub max_delay_ms: f64,
    /// The longest wait the call accepts before a retry; a limit that needs a
    /// longer one gives up with its error.
    pub max_wait_ms: f64,
    /// The wait after `OPERATION_TIME_LIMIT` when the portal did not say when
    /// the method's budget resets.
    pub operating_limit_wait_ms: f64,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            base_delay_ms: 500.0,
            max_delay_ms: 8_000.0,
            max_wait_ms: 60_000.0,
            operating_limit_wait_ms: 10_000.0,
        }
    }
}

/// What to do after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Decision {
    /// Try again after this many milliseconds.
    Retry {
        /// The wait before the next attempt.
        after_ms: f64,
    },
    /// Fail the call with the attempt's error.
    GiveUp,
}

/// What the failed attempt's answer said about when to come back.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RetryHint {
    /// `time.operating_reset_at`, in unix seconds.
    pub operating_reset_at: Option<f64>,
}

impl RetryHint {
    /// Reads `time.operating_reset_at` from a failed answer's body.
    pub fn read<S: Source>(body: Option<&S>) -> RetryHint {
        let time = body.and_then(|body| body.object("time"));
        RetryHint {
            operating_reset_at: time.and_then(|time| time.get("operating_reset_at").as_finite()),
        }
    }
}

impl RetryPolicy {
    /// The policy for a call that `max_attempts` (when given) limits.
    pub fn with_attempts(max_attempts: Option<u32>) -> RetryPolicy {
        let default = RetryPolicy::default();
        RetryPolicy {
            max_attempts: max_attempts.unwrap_or(default.max_attempts),
            ..default
        }
    }

    /// Decides after attempt number `attempt` (1 for the first) failed with
    /// `error`.
    ///
    /// Only retryable errors are retried, and never past `max_attempts`.
    /// The wait is a full-jitter exponential backoff (`random` is uniform in
    /// 0..1), and at least one drain interval of `limit` after
    /// `QUERY_LIMIT_EXCEEDED`. After `OPERATION_TIME_LIMIT` it lasts until
    /// `operating_reset_at` (`now_unix_ms` is the clock), or a bounded
    /// default when the portal did not say; longer than `max_wait_ms` gives up.
    pub fn decide(
        &self,
        error: &B24Error,
        hint: RetryHint,
        attempt: u32,
        limit: RateLimit,
        now_unix_ms: f64,
        random: f64,
    ) -> Decision {
        let retryable = error.retryable && error.kind != ErrorKind::Aborted;
        if !retryable || attempt >= self.max_attempts {
            return Decision::GiveUp;
        }

        let backoff = self.backoff_ms(attempt, random);
        let wait = match error.code.as_ref() {
            "QUERY_LIMIT_EXCEEDED" => backoff.max(limit.drain_interval_ms()),
            "OPERATION_TIME_LIMIT" => match hint.operating_reset_at {
                Some(reset_at) => (reset_at * 1000.0 - now_unix_ms).max(0.0),
                None => self.operating_limit_wait_ms,
            },
            _ => backoff,
        };
        match wait <= self.max_wait_ms {
            true => Decision::Retry { after_ms: wait },
            false => Decision::GiveUp,
        }
    }

    /// Full jitter: uniform between 0 and the capped exponential step.
    fn backoff_ms(&self, attempt: u32, random: f64) -> f64 {
        let exponent = attempt.saturating_sub(1).min(30) as i32;
        let step = (self.base_delay_ms * 2f64.powi(exponent)).min(self.max_delay_ms);
        step * random.clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(code: &'static str, status: u16) -> B24Error {
        B24Error::new(code, "", Some(status))
    }

    fn decide(error: &B24Error, attempt: u32) -> Decision {
        RetryPolicy::default().decide(
            error,
            RetryHint::default(),
            attempt,
            RateLimit::STANDARD,
            0.0,
            0.5,
        )
    }

    #[test]
    fn reads_when_the_operating_budget_resets() {
        let body = crate::value::json::JsonSource::parse(
            r#"{"error":"OPERATION_TIME_LIMIT","time":{"operating":480.5,"operating_reset_at":1700000600}}"#,
        );
        let hint = RetryHint::read(body.as_ref());
        assert_eq!(hint.operating_reset_at, Some(1_700_000_600.0));
        let none: Option<&crate::value::json::JsonSource> = None;
        assert_eq!(RetryHint::read(none), RetryHint::default());
    }

    #[test]
    fn max_attempts_one_means_no_retry() {
        let policy = RetryPolicy::with_attempts(Some(1));
        let unavailable = error("INTERNAL_SERVER_ERROR", 500);
        let decision = policy.decide(
            &unavailable,
            RetryHint::default(),
            1,
            RateLimit::STANDARD,
            0.0,
            0.5,
        );
        assert_eq!(decision, Decision::GiveUp);
        assert_eq!(RetryPolicy::with_attempts(None).max_attempts, 3);
    }

    #[test]
    fn retries_transient_errors_until_the_attempts_run_out() {
        let unavailable = error("INTERNAL_SERVER_ERROR", 500);
        assert_eq!(decide(&unavailable, 1), Decision::Retry { after_ms: 250.0 });
        assert_eq!(decide(&unavailable, 2), Decision::Retry { after_ms: 500.0 });
        assert_eq!(decide(&unavailable, 3), Decision::GiveUp);
    }

    #[test]
    fn never_retries_validation_permission_auth_or_an_abort() {
        for failure in [
            error("OWNER_ID_INVALID", 400),
            error("ACCESS_DENIED", 403),
            error("insufficient_scope", 403),
            error("expired_token", 401),
            error("NO_AUTH_FOUND", 401),
            error("OVERLOAD_LIMIT", 503),
            B24Error::new("ABORTED", "", None),
        ] {
            assert_eq!(decide(&failure, 1), Decision::GiveUp, "{}", failure.code);
        }
    }

    #[test]
    fn waits_at_least_one_drain_interval_after_the_request_limit() {
        let policy = RetryPolicy::default();
        let limited = error("QUERY_LIMIT_EXCEEDED", 503);
        let decision = policy.decide(
            &limited,
            RetryHint::default(),
            1,
            RateLimit::STANDARD,
            0.0,
            0.0,
        );
        assert_eq!(decision, Decision::Retry { after_ms: 500.0 });
        let enterprise = policy.decide(
            &limited,
            RetryHint::default(),
            1,
            RateLimit::ENTERPRISE,
            0.0,
            0.0,
        );
        assert_eq!(enterprise, Decision::Retry { after_ms: 200.0 });
    }

    #[test]
    fn waits_until_the_operating_budget_resets_or_gives_up_when_that_is_too_far() {
        let policy = RetryPolicy::default();
        let blocked = error("OPERATION_TIME_LIMIT", 429);
        let soon = RetryHint {
            operating_reset_at: Some(1_000.0),
        };
        let decision = policy.decide(&blocked, soon, 1, RateLimit::STANDARD, 998_500.0, 0.9);
        assert_eq!(decision, Decision::Retry { after_ms: 1_500.0 });

        let late = RetryHint {
            operating_reset_at: Some(2_000.0),
        };
        assert_eq!(
            policy.decide(&blocked, late, 1, RateLimit::STANDARD, 0.0, 0.9),
            Decision::GiveUp
        );

        let unknown = policy.decide(
            &blocked,
            RetryHint::default(),
            1,
            RateLimit::STANDARD,
            0.0,
            0.9,
        );
        assert_eq!(unknown, Decision::Retry { after_ms: 10_000.0 });

        let past = RetryHint {
            operating_reset_at: Some(1.0),
        };
        let already = policy.decide(&blocked, past, 1, RateLimit::STANDARD, 5_000.0, 0.9);
        assert_eq!(already, Decision::Retry { after_ms: 0.0 });
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn backoff_stays_within_zero_and_the_cap(attempt in 1u32..200, random in 0.0f64..1.0) {
            let policy = RetryPolicy { max_attempts: 1_000, ..RetryPolicy::default() };
            let failure = B24Error::new("INTERNAL_SERVER_ERROR", "", Some(500));
            match policy.decide(&failure, RetryHint::default(), attempt, RateLimit::STANDARD, 0.0, random) {
                Decision::Retry { after_ms } => {
                    let step = (policy.base_delay_ms * 2f64.powi((attempt - 1).min(30) as i32)).min(policy.max_delay_ms);
                    prop_assert!((0.0..=policy.max_delay_ms).contains(&after_ms));
                    prop_assert!(after_ms <= step);
                }
                Decision::GiveUp => prop_assert!(false, "a retryable error within the attempts is retried"),
            }
        }

        #[test]
        fn never_waits_longer_than_the_policy_allows(
            code_index in 0usize..4,
            reset_in_ms in -100_000.0f64..1_000_000.0,
            random in 0.0f64..1.0,
        ) {
            let codes = ["QUERY_LIMIT_EXCEEDED", "OPERATION_TIME_LIMIT", "INTERNAL_SERVER_ERROR", "NETWORK_ERROR"];
            let failure = B24Error::new(codes[code_index], "", Some(503));
            let now = 1_700_000_000_000.0;
            let hint = RetryHint { operating_reset_at: Some((now + reset_in_ms) / 1000.0) };
            let policy = RetryPolicy::default();
            if let Decision::Retry { after_ms } = policy.decide(&failure, hint, 1, RateLimit::STANDARD, now, random) {
                prop_assert!(after_ms >= 0.0 && after_ms <= policy.max_wait_ms);
            }
        }
    }
}
