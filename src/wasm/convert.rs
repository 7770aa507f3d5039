//! Conversions between JavaScript values and the core's types.

use js_sys::Reflect;
#[cfg(feature = "single")]
use js_sys::{Object, JSON};
use wasm_bindgen::prelude::*;

#[cfg(feature = "single")]
use crate::error::{code, B24Error};
#[cfg(feature = "single")]
use crate::fields::{Field, ValidFields};
#[cfg(feature = "single")]
use crate::response::BindResult;
use crate::value::{Source, Value};

#[cfg(feature = "single")]
#[wasm_bindgen(module = "/src/wasm/b24_error.js")]
extern "C" {
    /// The `B24Error` class, a subclass of `Error`.
    #[wasm_bindgen(js_name = B24Error)]
    pub type JsB24Error;

    #[wasm_bindgen(js_name = makeB24Error)]
    fn make_b24_error(
        code: &str,
        kind: &str,
        description: &str,
        status: Option<u16>,
        retryable: bool,
        field: Option<&str>,
        details_json: Option<String>,
    ) -> JsValue;

    #[wasm_bindgen(thread_local_v2, js_name = B24Error)]
    pub static B24_ERROR_CLASS: JsValue;
}

#[wasm_bindgen]
extern "C" {
    // `Array.isArray` throws on a revoked proxy; this binding reports that
    // as an error instead of letting the exception cross the module.
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    pub fn is_array(value: &JsValue) -> Result<bool, JsValue>;
}

/// A JavaScript object read one property at a time.
pub struct JsObject(pub JsValue);

impl JsObject {
    /// `value` as an object, when it is a plain one.
    pub fn plain(value: JsValue) -> Option<JsObject> {
        is_plain_object(&value).then_some(JsObject(value))
    }

    /// The property under `key`; `None` when reading it threw (a getter, a
    /// proxy trap, or a value that is not an object at all).
    pub fn property(&self, key: &str) -> Option<JsValue> {
        Reflect::get(&self.0, &JsValue::from_str(key)).ok()
    }
}

impl Source for JsObject {
    fn get(&self, key: &str) -> Value {
        self.property(key)
            .map_or(Value::Other, |value| read_value(&value))
    }

    fn object(&self, key: &str) -> Option<JsObject> {
        self.property(key).and_then(JsObject::plain)
    }
}

/// The loosely typed view of one JavaScript value.
pub fn read_value(value: &JsValue) -> Value {
    if value.is_undefined() {
        Value::Absent
    } else if value.is_null() {
        Value::Null
    } else if let Some(flag) = value.as_bool() {
        Value::Bool(flag)
    } else if let Some(number) = value.as_f64() {
        Value::Number(number)
    } else if let Some(text) = value.as_string() {
        Value::Text(text)
    } else {
        Value::Other
    }
}

/// Whether `value` is a plain object: made by a literal, `JSON.parse` or
/// `Object.create(null)`, in this realm or another (an iframe's objects have
/// their own `Object.prototype`, so the check looks at the chain's shape).
///
/// Arrays, class instances, `Map`s, revoked proxies and proxies whose traps
/// throw are not.
pub fn is_plain_object(value: &JsValue) -> bool {
    if !value.is_object() || is_array(value).unwrap_or(true) {
        return false;
    }
    let Ok(prototype) = Reflect::get_prototype_of(value) else {
        return false;
    };
    if prototype.is_null() {
        return true;
    }
    Reflect::get_prototype_of(&prototype).is_ok_and(|parent| parent.is_null())
}

/// A plain JavaScript object with `entries`, skipping the absent ones.
#[cfg(feature = "single")]
fn plain_object<'a>(entries: impl IntoIterator<Item = (&'a str, Option<JsValue>)>) -> JsValue {
    let object = Object::new();
    for (key, value) in entries {
        if let Some(value) = value {
            let _ = Reflect::set(&object, &key.into(), &value);
        }
    }
    object.into()
}

/// A result as the plain object `bindTimeline` resolves with.
///
/// Built property by property rather than by a serialiser: the result has a
/// fixed, small shape, and every byte of serialiser code ships to browsers.
#[cfg(feature = "single")]
pub fn result_to_js(result: &BindResult) -> JsValue {
    let time = result.time.as_ref().map(|time| {
        let number = |value: Option<f64>| value.map(JsValue::from_f64);
        let text = |value: &Option<String>| value.as_deref().map(JsValue::from_str);
        plain_object([
            ("start", number(time.start)),
            ("finish", number(time.finish)),
            ("duration", number(time.duration)),
            ("processing", number(time.processing)),
            ("date_start", text(&time.date_start)),
            ("date_finish", text(&time.date_finish)),
            ("operating_reset_at", number(time.operating_reset_at)),
            ("operating", number(time.operating)),
        ])
    });
    plain_object([
        ("result", Some(JsValue::from_bool(result.result))),
        ("time", time),
    ])
}

/// Checked fields as the plain object `validateBindFields` returns.
#[cfg(feature = "single")]
pub fn fields_to_js(fields: &ValidFields) -> JsValue {
    plain_object([
        ("OWNER_ID", Some(JsValue::from_f64(fields.owner_id as f64))),
        (
            "ENTITY_ID",
            Some(JsValue::from_f64(fields.entity_id as f64)),
        ),
        (
            "ENTITY_TYPE",
            Some(JsValue::from_str(fields.entity_type.as_str())),
        ),
    ])
}

/// The parsed body, when `text` is JSON holding an object.
#[cfg(feature = "single")]
pub fn parse_json_object(text: &str) -> Option<JsObject> {
    JSON::parse(text).ok().and_then(JsObject::plain)
}

/// A core error as a `B24Error` instance.
#[cfg(feature = "single")]
pub fn to_js_error(error: &B24Error) -> JsValue {
    let details = (!error.details.is_empty()).then(|| error.details_json());
    make_b24_error(
        &error.code,
        error.kind.as_str(),
        &error.description,
        error.status,
        error.retryable,
        error.field.map(Field::name),
        details,
    )
}

/// An error for a failure inside the package itself.
#[cfg(feature = "single")]
pub fn internal_error(description: &'static str) -> B24Error {
    B24Error::new(code::INTERNAL_ERROR, description, None)
}
