//! The client-side leaky bucket that mirrors the portal's request limit, with the clock passed in.

use crate::error::B24Error;
use crate::value::Value;

/// The portal's request limit: a counter that each request raises by one and
/// that drains continuously; a request that would take it past `burst` is
/// refused with `QUERY_LIMIT_EXCEEDED`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    /// How many requests fit in an empty bucket.
    pub burst: f64,
    /// How many requests drain out per second.
    pub drain_per_second: f64,
}

impl RateLimit {
    /// Standard plans: 50 requests, draining 2 per second.
    pub const STANDARD: RateLimit = RateLimit {
        burst: 50.0,
        drain_per_second: 2.0,
    };

    /// Enterprise plans: 250 requests, draining 5 per second.
    pub const ENTERPRISE: RateLimit = RateLimit {
        burst: 250.0,
        drain_per_second: 5.0,
    };

    /// Reads the `rateLimit` option: `'standard'` (the default when absent),
    /// `'enterprise'`, or `{ burst, drainPerSecond }` given as `burst` and
    /// `drain` here.
    ///
    /// Fails with `INVALID_OPTION` for another name, a burst that is not a
    /// whole number from 1 to 10,000, or a drain rate that is not above 0
    /// and at most 1,000 per second.
    pub fn read(name: &Value, burst: &Value, drain: &Value) -> Result<RateLimit, B24Error> {
        let invalid = || {
            B24Error::option(
                "rateLimit must be 'standard', 'enterprise' or { burst, drainPerSecond }.",
            )
        };
        match name {
            Value::Absent => Ok(RateLimit::STANDARD),
            Value::Text(text) if text == "standard" => Ok(RateLimit::STANDARD),
            Value::Text(text) if text == "enterprise" => Ok(RateLimit::ENTERPRISE),
            Value::Other => {
                let burst = burst
                    .as_finite()
                    .filter(|burst| burst.fract() == 0.0 && (1.0..=10_000.0).contains(burst));
                let drain = drain
                    .as_finite()
                    .filter(|drain| *drain > 0.0 && *drain <= 1_000.0);
                match (burst, drain) {
                    (Some(burst), Some(drain_per_second)) => Ok(RateLimit {
                        burst,
                        drain_per_second,
                    }),
                    _ => Err(invalid()),
                }
            }
            _ => Err(invalid()),
        }
    }

    /// The time one request takes to drain out, in milliseconds.
    pub fn drain_interval_ms(&self) -> f64 {
        1000.0 / self.drain_per_second
    }
}

/// A leaky bucket that hands out send times: every reservation counts at
/// once, so calls made together queue up behind each other instead of all
/// waiting for the same moment.
#[derive(Clone, Debug, PartialEq)]
pub struct LeakyBucket {
    limit: RateLimit,
    level: f64,
    updated_at_ms: f64,
}

impl LeakyBucket {
    /// An empty bucket for `limit`.
    pub fn new(limit: RateLimit) -> LeakyBucket {
        LeakyBucket {
            limit,
            level: 0.0,
            updated_at_ms: f64::NEG_INFINITY,
        }
    }

    /// The limit this bucket mirrors.
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// The part of the burst this bucket uses: a tenth (at least one request)
    /// stays in reserve, because the portal counts a request when it arrives,
    /// a moment after it is sent, and other apps may share the portal's bucket.
    pub fn usable_burst(&self) -> f64 {
        let burst = self.limit.burst;
        (burst - (burst / 10.0).ceil()).max(1.0)
    }

    /// Reserves room for one request at `now_ms` and answers how long to wait
    /// before sending it: 0 when there is room now.
    ///
    /// A request sent after that wait finds the portal's counter (drained the
    /// same way) at most at [`LeakyBucket::usable_burst`], so the portal
    /// accepts it. A clock that goes backwards is treated as standing still.
    pub fn reserve(&mut self, now_ms: f64) -> f64 {
        let elapsed = (now_ms - self.updated_at_ms).max(0.0);
        let drained = elapsed * self.limit.drain_per_second / 1000.0;
        self.level = (self.level - drained).max(0.0);
        self.updated_at_ms = self.updated_at_ms.max(now_ms);

        self.level += 1.0;
        let excess = self.level - self.usable_burst();
        if excess <= 0.0 {
            0.0
        } else {
            excess * self.limit.drain_interval_ms()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_a_tenth_of_the_burst_in_reserve_but_at_least_one_request_usable() {
        let usable = |burst| {
            LeakyBucket::new(RateLimit {
                burst,
                drain_per_second: 1.0,
            })
            .usable_burst()
        };
        assert_eq!(usable(50.0), 45.0);
        assert_eq!(usable(250.0), 225.0);
        assert_eq!(usable(2.0), 1.0);
        assert_eq!(usable(1.0), 1.0);
    }

    #[test]
    fn admits_the_usable_burst_at_once_then_spaces_requests_by_the_drain_interval() {
        let mut bucket = LeakyBucket::new(RateLimit::STANDARD);
        for _ in 0..45 {
            assert_eq!(bucket.reserve(0.0), 0.0);
        }
        assert_eq!(bucket.reserve(0.0), 500.0);
        assert_eq!(bucket.reserve(0.0), 1000.0);
        assert_eq!(bucket.reserve(1000.0), 500.0, "a second drained two");
    }

    #[test]
    fn drains_back_to_empty() {
        let mut bucket = LeakyBucket::new(RateLimit::ENTERPRISE);
        for _ in 0..225 {
            bucket.reserve(0.0);
        }
        assert_eq!(bucket.reserve(50_000.0), 0.0);
    }

    #[test]
    fn reads_the_named_and_custom_limits() {
        let text = |value: &str| Value::Text(value.into());
        assert_eq!(
            RateLimit::read(&Value::Absent, &Value::Absent, &Value::Absent),
            Ok(RateLimit::STANDARD)
        );
        assert_eq!(
            RateLimit::read(&text("enterprise"), &Value::Absent, &Value::Absent),
            Ok(RateLimit::ENTERPRISE)
        );
        let custom = RateLimit::read(&Value::Other, &Value::Number(10.0), &Value::Number(0.5));
        assert_eq!(
            custom,
            Ok(RateLimit {
                burst: 10.0,
                drain_per_second: 0.5
            })
        );
        for (name, burst, drain) in [
            (text("premium"), Value::Absent, Value::Absent),
            (Value::Other, Value::Number(0.0), Value::Number(2.0)),
            (Value::Other, Value::Number(2.5), Value::Number(2.0)),
            (Value::Other, Value::Number(50.0), Value::Number(0.0)),
            (Value::Other, Value::Number(50.0), Value::Number(f64::NAN)),
            (Value::Bool(true), Value::Absent, Value::Absent),
        ] {
            let error = RateLimit::read(&name, &burst, &drain).unwrap_err();
            assert_eq!(error.code, "INVALID_OPTION");
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// The portal's counter as the documentation describes it: +1 per
    /// request at its arrival, draining continuously, refusing a request that
    /// would take it past the burst.
    fn portal_refusals(limit: RateLimit, arrivals: &[f64]) -> usize {
        let mut level: f64 = 0.0;
        let mut last = 0.0;
        let mut refused = 0;
        for &at in arrivals {
            level = (level - (at - last) * limit.drain_per_second / 1000.0).max(0.0);
            last = at;
            // A hair of slack for floating-point rounding in the comparison.
            if level + 1.0 > limit.burst + 1e-9 {
                refused += 1;
            } else {
                level += 1.0;
            }
        }
        refused
    }

    proptest! {
        #[test]
        fn the_portal_accepts_every_request_the_bucket_lets_through(
            burst in 1u32..300,
            drain_per_second in 0.1f64..50.0,
            gaps in proptest::collection::vec(0.0f64..2_000.0, 1..400),
        ) {
            let limit = RateLimit { burst: f64::from(burst), drain_per_second };
            let mut bucket = LeakyBucket::new(limit);
            let mut now = 0.0;
            let mut sends = Vec::new();
            for gap in gaps {
                now += gap;
                sends.push(now + bucket.reserve(now));
            }
            sends.sort_by(f64::total_cmp);
            prop_assert_eq!(portal_refusals(limit, &sends), 0);
        }

        #[test]
        fn a_wait_is_never_longer_than_the_queue_ahead_needs(
            burst in 1u32..100,
            calls in 1usize..500,
        ) {
            let limit = RateLimit { burst: f64::from(burst), drain_per_second: 2.0 };
            let mut bucket = LeakyBucket::new(limit);
            let usable = bucket.usable_burst() as usize;
            for index in 0..calls {
                let wait = bucket.reserve(0.0);
                let queued_past_burst = (index + 1).saturating_sub(usable) as f64;
                prop_assert!((wait - queued_past_burst * 500.0).abs() < 1e-6);
            }
        }
    }
}
