//! The entry module's exports: `bindTimeline`, `validateBindFields`,
//! `createClient` and the client, with their TypeScript types.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

use super::call::{CallOptions, Job, Session, Target};
use super::convert::{self, fields_to_js, to_js_error, JsObject};
use super::read_fields;
use crate::bucket::RateLimit;
use crate::connection::ConnectionInput;
use crate::error::B24Error;
use crate::options::CallSettings;
use crate::route::{ObjectShape, Route, RouteInput};
use crate::value::{Source, Value};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/**
 * Where calls go: an incoming webhook, a portal and an OAuth access token, or
 * a client the app already holds: an `@bitrix24/b24jssdk` instance (`$b24`)
 * or the placement library's `BX24`.
 */
export type Connection =
  | { webhookUrl: string }
  | { portalUrl: string; accessToken: string }
  | { b24: B24Like }
  | { bx24: BX24Like };

/** What this package uses of an official SDK result (`AjaxResult`). */
export interface B24ResultLike {
  isSuccess: boolean;
  getData(): unknown;
  getErrors?(): Iterable<unknown>;
}

/**
 * An `@bitrix24/b24jssdk` 1.x/2.x instance (`B24Hook`, `B24Frame`,
 * `B24OAuth`), as far as this package uses it: `actions.v2.call.make` when
 * present, otherwise `callMethod`; for `bindTimelineMany`,
 * `actions.v2.batch.make` when present, otherwise `callBatch`.
 */
export interface B24Like {
  actions?: {
    v2?: {
      call?: { make(options: { method: string; params: object }): Promise<B24ResultLike> };
      batch?: { make(options: { calls: object; options?: object }): Promise<unknown> };
    };
  };
  callMethod?(method: string, params: object): Promise<B24ResultLike>;
  callBatch?(calls: object, isHaltOnError?: boolean, returnAjaxResult?: boolean): Promise<unknown>;
}

/** What this package uses of a `BX24.callMethod` result. */
export interface BX24ResultLike {
  data(): unknown;
  error(): undefined | { status: number; ex: { error?: string; error_description?: string } };
  time?(): unknown;
}

/**
 * The placement library's `BX24` object, as far as this package uses it:
 * `callMethod`, and `callBatch` for `bindTimelineMany`.
 */
export interface BX24Like {
  callMethod(method: string, params: object, callback: (result: BX24ResultLike) => void): unknown;
  callBatch?(
    calls: object,
    callback: (results: Record<string, BX24ResultLike>) => void,
    haltOnError?: boolean,
  ): unknown;
}

/** Options that shape one call, or every call of a client. */
export interface CallOptions {
  /** The `fetch` to send with; the global one by default. */
  fetch?: typeof fetch;
  /**
   * How many attempts a call may make in all, 1 to 100 (default 3). Only
   * retryable errors are tried again; through `b24` the SDK retries instead.
   */
  maxAttempts?: number;
  /** How long one attempt may take before it fails with `TIMEOUT` (no limit by default). */
  timeoutMs?: number;
  /** Aborting it stops the call at once, waits included; it fails with `ABORTED`. */
  signal?: AbortSignal;
}

/** Options of a connection, shared by every call a client makes. */
export interface ClientOptions {
  /**
   * The portal's request limit to stay under: calls wait for room instead of
   * provoking `QUERY_LIMIT_EXCEEDED`. Default `'standard'` (50, draining 2
   * per second); `'enterprise'` is 250 draining 5 per second.
   */
  rateLimit?: 'standard' | 'enterprise' | { burst: number; drainPerSecond: number };
  /**
   * With `portalUrl` and `accessToken`: called on `expired_token` or
   * `invalid_token` for a new access token, after which the request is
   * repeated once. Calls that find the token expired together share one refresh.
   */
  refreshAccessToken?: () => Promise<string>;
}

/** Options of `bindTimelineMany`. */
export interface BindManyOptions extends CallOptions {
  /** Called after each batch settles, with the items settled so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** The outcome of `bindTimelineMany`: one entry per item, at its index. */
export interface BindManyResult {
  results: Array<
    | { index: number; ok: true; result: boolean }
    | { index: number; ok: false; error: B24Error }
  >;
  /** Items with `ok` and `result: true`. */
  succeeded: number;
  /** Every other item. */
  failed: number;
}

/**
 * `bindTimelineMany` is added to the client by the package's entry modules:
 * it loads the bulk module on its first use.
 */
export interface TimelineClient {
  /**
   * Binds many timeline records through `batch`, up to 50 bindings a
   * request, paced by this client's bucket. Resolves with one result per
   * item at its own index (invalid items fail with their validation error
   * and are never sent); rejects only when `items` is not an array or an
   * option is unusable.
   */
  bindTimelineMany(items: BindFields[], options?: BindManyOptions): Promise<BindManyResult>;
}

/** What `B24Error` is made from. */
export interface B24ErrorInit {
  code: string;
  kind: ErrorKind;
  description: string;
  status?: number;
  retryable: boolean;
  field?: Field;
  details?: FieldIssue[];
}

/**
 * The one error every call fails with. Switch on `code` or `kind`, not on
 * the message. No property holds a webhook code or an access token.
 */
export class B24Error extends Error {
  constructor(init: B24ErrorInit);
  name: 'B24Error';
  /** The portal's code, or the package's own (`OWNER_ID_INVALID`, `NETWORK_ERROR`, ...). */
  code: string;
  /** The portal's own text, or the package's explanation. */
  description: string;
  /** The HTTP status, when the portal answered. */
  status?: number;
  /** The family of the error. */
  kind: ErrorKind;
  /** Whether the same call may succeed when tried again later. */
  retryable: boolean;
  /** The first invalid field, for field errors. */
  field?: Field;
  /** Every invalid field, for field errors. */
  details?: FieldIssue[];
}
"#;

/// Binds a timeline record to a CRM entity.
///
/// Resolves with the portal's answer (`result: false` included); rejects with
/// a `B24Error` for anything else, invalid fields and connections included,
/// which never reach the network. Never throws.
#[wasm_bindgen(js_name = bindTimeline, unchecked_return_type = "Promise<BindResult>")]
pub fn bind_timeline(
    #[wasm_bindgen(unchecked_param_type = "BindFields")] fields: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Connection & ClientOptions & CallOptions")]
    options: JsValue,
) -> Promise {
    let prepared = read_client_options(&options)
        .and_then(|(session, options)| Ok((session, options, read_fields(&fields)?)));
    match prepared {
        Ok((session, options, fields)) => Rc::new(session).bind(&options, fields),
        Err(error) => Promise::reject(&to_js_error(&error)),
    }
}

/// Checks `input` as binding fields and returns them normalised: ids as
/// numbers, the entity type in lower case.
///
/// Throws the validation `B24Error` (`ERROR_ARGUMENT`, `OWNER_ID_INVALID`, ...).
#[wasm_bindgen(js_name = validateBindFields, unchecked_return_type = "ValidFields")]
pub fn validate_bind_fields(
    #[wasm_bindgen(unchecked_param_type = "unknown")] input: JsValue,
) -> Result<JsValue, JsValue> {
    read_fields(&input)
        .map(|fields| fields_to_js(&fields))
        .map_err(|error| to_js_error(&error))
}

/// A client bound to one connection, with default call options. Its calls
/// share one leaky bucket and one token refresh.
#[wasm_bindgen(js_name = TimelineClient)]
pub struct TimelineClient {
    session: Rc<Session>,
    defaults: CallOptions,
}

/// Creates a client for one connection; its options are the defaults of
/// every call it makes.
///
/// Throws `INVALID_CONNECTION` or `INVALID_OPTION` at once when the options
/// are unusable.
#[wasm_bindgen(js_name = createClient)]
pub fn create_client(
    #[wasm_bindgen(unchecked_param_type = "Connection & ClientOptions & CallOptions")]
    options: JsValue,
) -> Result<TimelineClient, JsValue> {
    let (session, defaults) = read_client_options(&options).map_err(|e| to_js_error(&e))?;
    Ok(TimelineClient {
        session: Rc::new(session),
        defaults,
    })
}

#[wasm_bindgen(js_class = TimelineClient)]
impl TimelineClient {
    /// Binds a timeline record to a CRM entity through this client's
    /// connection; `options` override the client's call options.
    ///
    /// Resolves and rejects as the standalone `bindTimeline` does.
    #[wasm_bindgen(js_name = bindTimeline, unchecked_return_type = "Promise<BindResult>")]
    pub fn bind_timeline(
        &self,
        #[wasm_bindgen(unchecked_param_type = "BindFields")] fields: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<JsValue>,
    ) -> Promise {
        let prepared = read_per_call_options(options.as_ref())
            .map(|overrides| self.defaults.merge(overrides))
            .and_then(|defaults| Ok((defaults, read_fields(&fields)?)));
        match prepared {
            Ok((options, fields)) => Rc::clone(&self.session).bind(&options, fields),
            Err(error) => Promise::reject(&to_js_error(&error)),
        }
    }
}

#[wasm_bindgen(js_class = TimelineClient)]
impl TimelineClient {
    /// Sends one `batch` request for the bulk module, through this client's
    /// session: its bucket, retries and token refresh. `params` are the
    /// request's parameters as a JSON object; `helper` is the bulk module's
    /// function for the batch support of `$b24` and `BX24`; `options` are the
    /// caller's call options, over the client's.
    ///
    /// Throws the `B24Error` for unusable options at once. With no `params`
    /// it only checks them and answers the route: `rest`, `b24` or `bx24`.
    /// Otherwise it answers a promise of the answer's `result` section, or of
    /// the error that failed the request as a whole.
    #[wasm_bindgen(js_name = __sendBatch, skip_typescript)]
    pub fn send_batch(
        &self,
        params: Option<String>,
        options: Option<JsValue>,
        helper: Option<Function>,
    ) -> Result<JsValue, JsValue> {
        let overrides = read_per_call_options(options.as_ref()).map_err(|e| to_js_error(&e))?;
        let Some(params) = params else {
            return Ok(self.session.route_name().into());
        };
        let options = self.defaults.merge(overrides);
        let job = Job::Batch(params, helper);
        Ok(Rc::clone(&self.session).run(&options, job).into())
    }
}

/// The `B24Error` class, for the package's entry modules to export.
#[wasm_bindgen(js_name = __b24ErrorClass, skip_typescript)]
pub fn b24_error_class() -> JsValue {
    convert::B24_ERROR_CLASS.with(JsValue::clone)
}

/// Reads a connection, the options that shape its session (`rateLimit`,
/// `refreshAccessToken`) and the call options that come with it.
#[inline(never)]
fn read_client_options(options: &JsValue) -> Result<(Session, CallOptions), B24Error> {
    let Some(object) = JsObject::plain(options.clone()) else {
        return Err(B24Error::connection(crate::route::ONE_ROUTE));
    };
    let b24 = object.property("b24").unwrap_or(JsValue::UNDEFINED);
    let bx24 = object.property("bx24").unwrap_or(JsValue::UNDEFINED);
    let route = Route::from_input(&RouteInput {
        rest: ConnectionInput {
            webhook_url: object.get("webhookUrl"),
            portal_url: object.get("portalUrl"),
            access_token: object.get("accessToken"),
        },
        b24: shape_of(&b24),
        bx24: shape_of(&bx24),
    })?;

    let rate_limit = object.object("rateLimit");
    let limit = RateLimit::read(
        &object.get("rateLimit"),
        &rate_limit
            .as_ref()
            .map_or(Value::Absent, |limit| limit.get("burst")),
        &rate_limit
            .as_ref()
            .map_or(Value::Absent, |limit| limit.get("drainPerSecond")),
    )?;
    let refresh = match object.property("refreshAccessToken") {
        Some(value) if value.is_undefined() => None,
        Some(value)
            if value.is_function()
                && route.connection().is_some_and(|c| c.body_auth().is_some()) =>
        {
            Some(value.unchecked_into::<Function>())
        }
        _ => {
            return Err(B24Error::option(
                "refreshAccessToken must be a function, given with portalUrl and accessToken.",
            ))
        }
    };

    let target = match route {
        Route::Rest(connection) => Target::Rest(RefCell::new(connection)),
        Route::Sdk(call) => Target::Sdk { b24, call },
        Route::Placement => Target::Placement { bx24 },
    };
    Ok((
        Session::new(target, limit, refresh),
        read_call_options(&object)?,
    ))
}

/// What a caller-supplied client object offers.
fn shape_of(client: &JsValue) -> ObjectShape {
    let is_function_at = |path: &[&str]| {
        let mut value = client.clone();
        for key in path {
            value = JsObject(value).property(key).unwrap_or(JsValue::UNDEFINED);
        }
        value.is_function()
    };
    ObjectShape {
        given: !client.is_undefined() && !client.is_null(),
        make: is_function_at(&["actions", "v2", "call", "make"]),
        call_method: is_function_at(&["callMethod"]),
    }
}

/// Reads per-call options; `undefined` or `null` means none.
#[inline(never)]
fn read_per_call_options(options: Option<&JsValue>) -> Result<CallOptions, B24Error> {
    let Some(options) = options else {
        return Ok(CallOptions::default());
    };
    let object = JsObject::plain(options.clone())
        .ok_or_else(|| B24Error::option("The call options must be an object."))?;
    read_call_options(&object)
}

/// Reads `fetch`, `signal`, `maxAttempts` and `timeoutMs`.
#[inline(never)]
fn read_call_options(object: &JsObject) -> Result<CallOptions, B24Error> {
    let fetch = match object.property("fetch") {
        Some(value) if value.is_undefined() => None,
        Some(value) if value.is_function() => Some(value.unchecked_into::<Function>()),
        _ => return Err(B24Error::option("fetch must be a function.")),
    };
    let signal = match object.property("signal") {
        Some(value) if value.is_undefined() => None,
        Some(value) if looks_like_abort_signal(&value) => {
            Some(value.unchecked_into::<AbortSignal>())
        }
        _ => return Err(B24Error::option("signal must be an AbortSignal.")),
    };
    let settings = CallSettings::read(&object.get("maxAttempts"), &object.get("timeoutMs"))?;
    Ok(CallOptions {
        fetch,
        signal,
        settings,
    })
}

/// Whether `value` behaves like an `AbortSignal` (any realm's, or a polyfill's).
fn looks_like_abort_signal(value: &JsValue) -> bool {
    let signal = JsObject(value.clone());
    let listens = signal
        .property("addEventListener")
        .is_some_and(|listener| listener.is_function());
    value.is_object() && matches!(signal.get("aborted"), Value::Bool(_)) && listens
}
