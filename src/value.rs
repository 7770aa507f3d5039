//! Loosely typed values, as a caller or a portal hands them over, before any check.

/// One value read from a JavaScript object or a JSON document.
///
/// Validation and response reading look only at this shape, so the same rules
/// run on values that came from JavaScript (in the wasm build) and from JSON
/// text (in host tests).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// The key is missing, or holds `undefined`.
    Absent,
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A JavaScript number, NaN and the infinities included.
    Number(f64),
    /// A string.
    Text(String),
    /// Anything else: an object, an array, a function, a symbol, a bigint, or a
    /// property whose getter threw.
    Other,
}

/// An object whose properties can be read one at a time.
///
/// Reading a key never fails: a property that cannot be read is
/// [`Value::Other`], so hostile input (throwing getters, proxies) ends up as an
/// invalid value instead of an exception.
pub trait Source: Sized {
    /// The value under `key`, [`Value::Absent`] when there is none.
    fn get(&self, key: &str) -> Value;

    /// The plain object under `key`, if that is what it holds.
    fn object(&self, key: &str) -> Option<Self>;
}

impl Value {
    /// The text, when this is a string.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The number, when this is a finite number.
    pub fn as_finite(&self) -> Option<f64> {
        match self {
            Value::Number(number) if number.is_finite() => Some(*number),
            _ => None,
        }
    }

    /// Whether nothing was given (`undefined`, missing, or `null`).
    pub fn is_nothing(&self) -> bool {
        matches!(self, Value::Absent | Value::Null)
    }
}

#[cfg(test)]
pub(crate) mod json {
    //! Reads `serde_json` documents through [`Source`], for host tests.

    use super::{Source, Value};

    /// A JSON object seen as a [`Source`].
    pub struct JsonSource(pub serde_json::Map<String, serde_json::Value>);

    impl JsonSource {
        /// Parses `text`; `None` when it is not a JSON object.
        pub fn parse(text: &str) -> Option<Self> {
            match serde_json::from_str(text) {
                Ok(serde_json::Value::Object(map)) => Some(JsonSource(map)),
                _ => None,
            }
        }
    }

    impl Source for JsonSource {
        fn get(&self, key: &str) -> Value {
            match self.0.get(key) {
                None => Value::Absent,
                Some(serde_json::Value::Null) => Value::Null,
                Some(serde_json::Value::Bool(flag)) => Value::Bool(*flag),
                Some(serde_json::Value::Number(number)) => {
                    Value::Number(number.as_f64().unwrap_or(f64::NAN))
                }
                Some(serde_json::Value::String(text)) => Value::Text(text.clone()),
                Some(_) => Value::Other,
            }
        }

        fn object(&self, key: &str) -> Option<Self> {
            match self.0.get(key) {
                Some(serde_json::Value::Object(map)) => Some(JsonSource(map.clone())),
                _ => None,
            }
        }
    }
}
