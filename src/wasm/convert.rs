//! Conversions between JavaScript values and the core's types.

use js_sys::{Array, Reflect, JSON};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::error::{code, B24Error};
use crate::value::{Source, Value};

#[wasm_bindgen(module = "/src/wasm/b24_error.js")]
extern "C" {
    /// The `B24Error` class, a subclass of `Error`.
    #[wasm_bindgen(js_name = B24Error)]
    pub type JsB24Error;

    #[wasm_bindgen(constructor, js_class = "B24Error")]
    fn new(init: &JsValue) -> JsB24Error;

    #[wasm_bindgen(thread_local_v2, js_name = B24Error)]
    pub static B24_ERROR_CLASS: JsValue;
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
/// Arrays, class instances, `Map`s and proxies whose traps throw are not.
pub fn is_plain_object(value: &JsValue) -> bool {
    if !value.is_object() || Array::is_array(value) {
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

/// A core value as a plain JavaScript value: objects, not `Map`s.
pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue, B24Error> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value
        .serialize(&serializer)
        .map_err(|_| internal_error("A result could not be converted for JavaScript."))
}

/// The parsed body, when `text` is JSON holding an object.
pub fn parse_json_object(text: &str) -> Option<JsObject> {
    JSON::parse(text).ok().and_then(JsObject::plain)
}

/// A core error as a `B24Error` instance.
pub fn to_js_error(error: &B24Error) -> JsValue {
    let init = to_js(error).unwrap_or_else(|_| {
        let fallback = js_sys::Object::new();
        let _ = Reflect::set(&fallback, &"code".into(), &code::INTERNAL_ERROR.into());
        fallback.into()
    });
    JsB24Error::new(&init).into()
}

/// An error for a failure inside the package itself.
pub fn internal_error(description: &'static str) -> B24Error {
    B24Error::new(code::INTERNAL_ERROR, description, None)
}
