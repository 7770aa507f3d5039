//! Sends a call through the JavaScript side, which holds only `fetch`, the
//! wrapped clients' calls, and the timer.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::AbortSignal;

use super::convert::{internal_error, read_value, JsObject};
use crate::attempt::{Attempt, Reply};
use crate::connection::Connection;
use crate::error::B24Error;
use crate::request::{Request, HEADERS};
use crate::value::{Source, Value};

#[wasm_bindgen(module = "/src/wasm/transport.js")]
extern "C" {
    #[wasm_bindgen(js_name = post)]
    fn js_post(
        delay_ms: f64,
        url: &str,
        headers: &Object,
        body: &str,
        fetch: &JsValue,
        signal: &JsValue,
        timeout_ms: Option<f64>,
    ) -> Promise;

    #[wasm_bindgen(js_name = callSdk)]
    fn js_call_sdk(
        delay_ms: f64,
        b24: &JsValue,
        use_make: bool,
        method: &str,
        params_json: &str,
        signal: &JsValue,
        timeout_ms: Option<f64>,
    ) -> Promise;

    #[wasm_bindgen(js_name = drive)]
    fn js_drive(call: super::call::Call, signal: &JsValue) -> Promise;

    #[wasm_bindgen(js_name = callHelper)]
    fn js_call_helper(
        delay_ms: f64,
        helper: &Function,
        client: &JsValue,
        params_json: &str,
        signal: &JsValue,
        timeout_ms: Option<f64>,
    ) -> Promise;

    #[wasm_bindgen(js_name = callPlacement)]
    fn js_call_placement(
        delay_ms: f64,
        bx24: &JsValue,
        method: &str,
        params_json: &str,
        signal: &JsValue,
        timeout_ms: Option<f64>,
    ) -> Promise;
}

/// How to send: which `fetch`, and what may cut an attempt short.
#[derive(Clone, Default)]
pub struct Transport {
    /// The caller's `fetch`; the global one when `None`.
    pub fetch: Option<Function>,
    /// The caller's abort signal.
    pub signal: Option<AbortSignal>,
    /// The longest one attempt may take.
    pub timeout_ms: Option<f64>,
    /// How long to wait before the attempt (the rate limit's or a retry's
    /// wait); an abort during it sends nothing.
    pub delay_ms: f64,
}

impl Transport {
    fn signal(&self) -> JsValue {
        self.signal
            .as_ref()
            .map_or(JsValue::UNDEFINED, JsValue::from)
    }
}

/// Runs `call` to its end on the JavaScript side; the promise settles with
/// the result or a `B24Error`.
pub fn drive(call: super::call::Call, signal: &JsValue) -> Promise {
    js_drive(call, signal)
}

/// Starts a call of `method` through an official SDK instance, with
/// `actions.v2.call.make` or, when `use_make` is false, `callMethod`.
pub fn call_sdk(
    b24: &JsValue,
    use_make: bool,
    method: &str,
    params_json: &str,
    transport: &Transport,
) -> Promise {
    let signal = transport.signal();
    js_call_sdk(
        transport.delay_ms,
        b24,
        use_make,
        method,
        params_json,
        &signal,
        transport.timeout_ms,
    )
}

/// Starts a call through `helper`, the bulk module's function that calls
/// `client`'s own batch support with `params_json`.
pub fn call_helper(
    helper: &Function,
    client: &JsValue,
    params_json: &str,
    transport: &Transport,
) -> Promise {
    let signal = transport.signal();
    js_call_helper(
        transport.delay_ms,
        helper,
        client,
        params_json,
        &signal,
        transport.timeout_ms,
    )
}

/// Starts a call of `method` through `BX24.callMethod`.
pub fn call_placement(
    bx24: &JsValue,
    method: &str,
    params_json: &str,
    transport: &Transport,
) -> Promise {
    let signal = transport.signal();
    js_call_placement(
        transport.delay_ms,
        bx24,
        method,
        params_json,
        &signal,
        transport.timeout_ms,
    )
}

/// Starts sending `request`; the promise resolves with the facts of the
/// attempt and never rejects.
pub fn start(request: &Request, transport: &Transport) -> Promise {
    let headers = Object::new();
    for (name, value) in HEADERS {
        let _ = Reflect::set(&headers, &name.into(), &value.into());
    }
    let fetch = transport
        .fetch
        .as_ref()
        .map_or(JsValue::UNDEFINED, JsValue::from);
    let signal = transport.signal();
    js_post(
        transport.delay_ms,
        &request.url,
        &headers,
        &request.body,
        &fetch,
        &signal,
        transport.timeout_ms,
    )
}

/// The answer, or the error the attempt ends with, as the core's
/// [`Attempt::into_reply`] decides from the facts.
pub fn finish(
    facts: Result<JsValue, JsValue>,
    connection: Option<&Connection>,
) -> Result<Reply, B24Error> {
    let facts = facts.map_err(|_| internal_error("The transport failed unexpectedly."))?;
    read_attempt(&JsObject(facts)).into_reply(connection)
}

/// The facts the JavaScript side reported, in the core's terms.
fn read_attempt(facts: &JsObject) -> Attempt {
    if let (Value::Number(status), Value::Text(text)) = (facts.get("status"), facts.get("text")) {
        return Attempt::Answered { status, text };
    }
    let thrown = facts.property("thrown").unwrap_or(JsValue::UNDEFINED);
    Attempt::Failed {
        aborted: facts.get("aborted") == Value::Bool(true),
        timed_out: facts.get("timedOut") == Value::Bool(true),
        not_a_response: facts.get("notResponse") == Value::Bool(true),
        client_code: facts.get("clientCode").as_text().map(str::to_owned),
        detail: describe(&thrown),
    }
}

/// A short text for a thrown value: its message, and its cause's, since
/// Node's `fetch failed` keeps the useful part (`ECONNREFUSED`) in the cause.
fn describe(thrown: &JsValue) -> String {
    let message = |value: &JsValue| match read_value(value) {
        Value::Text(text) => text,
        _ => JsObject(value.clone())
            .get("message")
            .as_text()
            .unwrap_or_default()
            .to_owned(),
    };
    let text = message(thrown);
    let cause = JsObject(thrown.clone()).property("cause");
    let cause = cause.map(|cause| message(&cause)).unwrap_or_default();
    match (text.is_empty(), cause.is_empty()) {
        (_, true) => text,
        (true, false) => cause,
        (false, false) => [text.as_str(), " (", &cause, ")"].concat(),
    }
}
