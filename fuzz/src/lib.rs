//! What the fuzz targets share: JSON objects read through the crate's `Source`.
//!
//! The crate's own JSON reader exists only in its unit tests, so the fuzz
//! targets bring this one; it maps JSON the way a JavaScript caller's values
//! would arrive.

use b24_timeline::value::{Source, Value};
use serde_json::{Map, Value as Json};

/// A JSON object whose members the crate reads one key at a time.
pub struct JsonObject(pub Map<String, Json>);

impl JsonObject {
    /// The object `bytes` hold, or `None` when they are not JSON or not an object.
    pub fn parse(bytes: &[u8]) -> Option<JsonObject> {
        match serde_json::from_slice(bytes) {
            Ok(Json::Object(members)) => Some(JsonObject(members)),
            _ => None,
        }
    }
}

impl Source for JsonObject {
    fn get(&self, key: &str) -> Value {
        match self.0.get(key) {
            None => Value::Absent,
            Some(Json::Null) => Value::Null,
            Some(Json::Bool(flag)) => Value::Bool(*flag),
            // Without serde_json's arbitrary precision every number has an
            // f64 form; NaN stands in should that ever change.
            Some(Json::Number(number)) => Value::Number(number.as_f64().unwrap_or(f64::NAN)),
            Some(Json::String(text)) => Value::Text(text.clone()),
            Some(Json::Array(_) | Json::Object(_)) => Value::Other,
        }
    }

    fn object(&self, key: &str) -> Option<JsonObject> {
        match self.0.get(key) {
            Some(Json::Object(members)) => Some(JsonObject(members.clone())),
            _ => None,
        }
    }
}
