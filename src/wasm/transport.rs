//! Sends a request with `fetch`: gloo-net's, or the one the caller passed.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal};

use super::convert::internal_error;
use crate::connection::Connection;
use crate::error::{code, B24Error};
use crate::request::HEADERS;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, milliseconds: f64) -> JsValue;

    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);
}

/// How to send: which `fetch`, and what may cut an attempt short.
#[derive(Clone, Default)]
pub struct Transport {
    /// The caller's `fetch`; gloo-net's (the global one) when `None`.
    pub fetch: Option<Function>,
    /// The caller's abort signal.
    pub signal: Option<AbortSignal>,
    /// The longest one attempt may take.
    pub timeout_ms: Option<f64>,
}

/// What the portal answered: the status and the body's text.
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The body, as text.
    pub text: String,
}

/// Why no reply came back.
enum Failure {
    /// `fetch`, or reading the body, threw or rejected with this value.
    Rejected(JsValue),
    /// The caller's `fetch` resolved with something that is not a `Response`.
    NotAResponse,
}

/// Posts `body` to `url` and reads the whole answer.
///
/// Fails with `ABORTED` when the caller's signal fires (before or during the
/// attempt), `TIMEOUT` when `timeout_ms` passes, `NETWORK_ERROR` when `fetch`
/// fails, and `INVALID_RESPONSE` when a custom `fetch` returns no `Response`.
/// Descriptions are scrubbed of the connection's secret.
pub async fn post(
    url: &str,
    body: String,
    transport: &Transport,
    connection: &Connection,
) -> Result<Reply, B24Error> {
    if transport.signal.as_ref().is_some_and(AbortSignal::aborted) {
        return Err(aborted());
    }
    let guard = AttemptGuard::new(transport)?;
    let outcome = match &transport.fetch {
        Some(fetch) => post_with(fetch, url, body, &guard.signal()).await,
        None => post_with_gloo(url, body, &guard.signal()).await,
    };
    outcome.map_err(|failure| guard.explain(failure, connection))
}

async fn post_with_gloo(url: &str, body: String, signal: &AbortSignal) -> Result<Reply, Failure> {
    let mut request = gloo_net::http::Request::post(url);
    for (name, value) in HEADERS {
        request = request.header(name, value);
    }
    let request = request
        .abort_signal(Some(signal))
        .body(body)
        .map_err(gloo_failure)?;
    let response = request.send().await.map_err(gloo_failure)?;
    let status = response.status();
    let text = response.text().await.map_err(gloo_failure)?;
    Ok(Reply { status, text })
}

fn gloo_failure(error: gloo_net::Error) -> Failure {
    let message = match error {
        gloo_net::Error::JsError(error) => error.message,
        gloo_net::Error::GlooError(message) => message,
    };
    Failure::Rejected(js_sys::Error::new(&message).into())
}

/// Calls a caller-supplied `fetch`, trusting nothing it returns: it may throw,
/// reject with a non-`Error`, or resolve with something that is not a
/// `Response` (gloo-net would panic on the last two).
async fn post_with(
    fetch: &Function,
    url: &str,
    body: String,
    signal: &AbortSignal,
) -> Result<Reply, Failure> {
    let headers = Object::new();
    for (name, value) in HEADERS {
        let _ = Reflect::set(&headers, &name.into(), &value.into());
    }
    let init = Object::new();
    for (key, value) in [
        ("method", JsValue::from_str("POST")),
        ("headers", headers.into()),
        ("body", body.into()),
        ("signal", signal.into()),
    ] {
        let _ = Reflect::set(&init, &key.into(), &value);
    }

    let returned = fetch
        .call2(&JsValue::UNDEFINED, &url.into(), &init)
        .map_err(Failure::Rejected)?;
    let response = settle(returned).await?;
    let status = Reflect::get(&response, &"status".into())
        .ok()
        .and_then(|status| status.as_f64())
        .filter(|status| status.fract() == 0.0 && (0.0..=999.0).contains(status))
        .ok_or(Failure::NotAResponse)?;
    let read_text = Reflect::get(&response, &"text".into())
        .ok()
        .and_then(|text| text.dyn_into::<Function>().ok())
        .ok_or(Failure::NotAResponse)?;
    let text = read_text.call0(&response).map_err(Failure::Rejected)?;
    let text = settle(text)
        .await?
        .as_string()
        .ok_or(Failure::NotAResponse)?;
    Ok(Reply {
        status: status as u16,
        text,
    })
}

/// Awaits `value` as a promise, whether or not it is one.
async fn settle(value: JsValue) -> Result<JsValue, Failure> {
    JsFuture::from(Promise::resolve(&value))
        .await
        .map_err(Failure::Rejected)
}

/// Cuts an attempt short when the caller aborts or the timeout passes.
///
/// `fetch` gets a signal of its own, aborted without a reason, so that it
/// always rejects with an `Error` whatever reason the caller aborted with.
/// Dropping the guard removes the listener and the timer.
struct AttemptGuard {
    controller: AbortController,
    caller: Option<AbortSignal>,
    on_caller_abort: Option<Closure<dyn FnMut()>>,
    timer: Option<(JsValue, Closure<dyn FnMut()>)>,
    timed_out: Rc<Cell<bool>>,
}

impl AttemptGuard {
    fn new(transport: &Transport) -> Result<AttemptGuard, B24Error> {
        let controller = AbortController::new()
            .map_err(|_| internal_error("AbortController is not available here."))?;
        let mut guard = AttemptGuard {
            controller,
            caller: transport.signal.clone(),
            on_caller_abort: None,
            timer: None,
            timed_out: Rc::new(Cell::new(false)),
        };

        if let Some(caller) = &guard.caller {
            let controller = guard.controller.clone();
            let on_abort = Closure::<dyn FnMut()>::new(move || controller.abort());
            let _ =
                caller.add_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref());
            guard.on_caller_abort = Some(on_abort);
        }
        if let Some(timeout_ms) = transport.timeout_ms {
            let controller = guard.controller.clone();
            let timed_out = Rc::clone(&guard.timed_out);
            let on_timeout = Closure::<dyn FnMut()>::new(move || {
                timed_out.set(true);
                controller.abort();
            });
            let handle = set_timeout(on_timeout.as_ref().unchecked_ref(), timeout_ms);
            guard.timer = Some((handle, on_timeout));
        }
        Ok(guard)
    }

    fn signal(&self) -> AbortSignal {
        self.controller.signal()
    }

    /// The error for a failed attempt: what cut it short wins over what
    /// `fetch` said about it.
    fn explain(&self, failure: Failure, connection: &Connection) -> B24Error {
        if self.caller.as_ref().is_some_and(AbortSignal::aborted) {
            return aborted();
        }
        if self.timed_out.get() {
            return B24Error::new(
                code::TIMEOUT,
                "The portal did not answer within timeoutMs.",
                None,
            );
        }
        match failure {
            Failure::NotAResponse => B24Error::new(
                code::INVALID_RESPONSE,
                "The fetch function did not resolve with a Response.",
                None,
            ),
            Failure::Rejected(reason) => B24Error::network(&connection.redact(&describe(&reason))),
        }
    }
}

impl Drop for AttemptGuard {
    fn drop(&mut self) {
        if let (Some(caller), Some(on_abort)) = (&self.caller, &self.on_caller_abort) {
            let _ = caller
                .remove_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref());
        }
        if let Some((handle, _)) = &self.timer {
            clear_timeout(handle);
        }
    }
}

fn aborted() -> B24Error {
    B24Error::new(code::ABORTED, "The call was aborted by its signal.", None)
}

/// A short text for a rejection reason: its message, and its cause's, since
/// Node's `fetch failed` keeps the useful part (`ECONNREFUSED`) in the cause.
fn describe(reason: &JsValue) -> String {
    let message = |value: &JsValue| {
        value.as_string().or_else(|| {
            Reflect::get(value, &"message".into())
                .ok()
                .and_then(|message| message.as_string())
        })
    };
    let mut text = message(reason).unwrap_or_default();
    let cause = Reflect::get(reason, &"cause".into()).ok();
    if let Some(cause) = cause
        .as_ref()
        .and_then(message)
        .filter(|cause| !cause.is_empty())
    {
        if !text.is_empty() {
            text.push_str(" (");
            text.push_str(&cause);
            text.push(')');
        } else {
            text = cause;
        }
    }
    text
}
