//! Call options that shape a call without changing what it asks for.

use crate::error::B24Error;
use crate::value::Value;

/// The checked numeric call options; the JavaScript-only ones (`fetch`,
/// `signal`) are checked by the wasm layer.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CallSettings {
    /// How many attempts a call may make in all, at least 1.
    pub max_attempts: Option<u32>,
    /// How long one attempt may take, in milliseconds.
    pub timeout_ms: Option<f64>,
}

/// The most attempts a call may ask for.
pub const MAX_ATTEMPTS_LIMIT: u32 = 100;

/// The longest timeout `setTimeout` can hold (2^31 - 1 milliseconds).
pub const MAX_TIMEOUT_MS: f64 = 2_147_483_647.0;

/// How long a call through `BX24` may wait for its callback when the caller
/// gave no timeout: `BX24` throws instead of calling back on some answers, and
/// a cloud portal ends every request within 60 seconds.
pub const PLACEMENT_TIMEOUT_MS: f64 = 65_000.0;

impl CallSettings {
    /// Checks `maxAttempts` and `timeoutMs` as the caller gave them.
    ///
    /// Fails with `INVALID_OPTION` when `maxAttempts` is not a whole number from
    /// 1 to 100, or `timeoutMs` not a number above 0 that a timer can hold.
    pub fn read(max_attempts: &Value, timeout_ms: &Value) -> Result<CallSettings, B24Error> {
        let max_attempts = match max_attempts {
            Value::Absent => None,
            value => {
                let number = value.as_finite().filter(|number| number.fract() == 0.0);
                match number {
                    Some(number) if (1.0..=MAX_ATTEMPTS_LIMIT as f64).contains(&number) => {
                        Some(number as u32)
                    }
                    _ => {
                        return Err(B24Error::option(
                            "maxAttempts must be a whole number from 1 to 100.",
                        ))
                    }
                }
            }
        };
        let timeout_ms = match timeout_ms {
            Value::Absent => None,
            value => match value.as_finite() {
                Some(number) if number > 0.0 && number <= MAX_TIMEOUT_MS => Some(number),
                _ => {
                    return Err(B24Error::option(
                        "timeoutMs must be a number of milliseconds above 0.",
                    ))
                }
            },
        };
        Ok(CallSettings {
            max_attempts,
            timeout_ms,
        })
    }

    /// These settings, with every option `overrides` gives taking precedence.
    pub fn merge(self, overrides: CallSettings) -> CallSettings {
        CallSettings {
            max_attempts: overrides.max_attempts.or(self.max_attempts),
            timeout_ms: overrides.timeout_ms.or(self.timeout_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_valid_options_and_leaves_missing_ones_unset() {
        let settings = CallSettings::read(&Value::Number(3.0), &Value::Number(1500.0)).unwrap();
        assert_eq!(settings.max_attempts, Some(3));
        assert_eq!(settings.timeout_ms, Some(1500.0));
        assert_eq!(
            CallSettings::read(&Value::Absent, &Value::Absent).unwrap(),
            CallSettings::default()
        );
    }

    #[test]
    fn rejects_options_of_the_wrong_type_or_range() {
        let bad_attempts = [
            Value::Number(0.0),
            Value::Number(1.5),
            Value::Number(101.0),
            Value::Number(f64::NAN),
            Value::Text("3".into()),
            Value::Null,
        ];
        for value in bad_attempts {
            let error = CallSettings::read(&value, &Value::Absent).unwrap_err();
            assert_eq!(error.code, "INVALID_OPTION", "{value:?}");
        }
        let bad_timeouts = [
            Value::Number(0.0),
            Value::Number(-5.0),
            Value::Number(f64::INFINITY),
            Value::Number(3e9),
            Value::Bool(true),
        ];
        for value in bad_timeouts {
            let error = CallSettings::read(&Value::Absent, &value).unwrap_err();
            assert_eq!(error.code, "INVALID_OPTION", "{value:?}");
        }
    }

    #[test]
    fn per_call_options_override_the_client_defaults() {
        let client = CallSettings {
            max_attempts: Some(5),
            timeout_ms: Some(1000.0),
        };
        let call = CallSettings {
            max_attempts: None,
            timeout_ms: Some(50.0),
        };
        let merged = client.merge(call);
        assert_eq!(
            merged,
            CallSettings {
                max_attempts: Some(5),
                timeout_ms: Some(50.0)
            }
        );
    }
}
