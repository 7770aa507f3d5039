//! One call from start to answer: the rate limit, the attempts, the waits
//! between them and the token refresh. Every decision comes from the core;
//! this only sequences them and awaits JavaScript.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Date, Function, Math, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use super::convert::{self, result_to_js, to_js_error};
use super::transport::{self, Transport};
use crate::bucket::{LeakyBucket, RateLimit};
use crate::connection::Connection;
use crate::error::{code, B24Error};
use crate::fields::ValidFields;
use crate::options::{CallSettings, PLACEMENT_TIMEOUT_MS};
use crate::request::{bind_request, params_json, BindParams, BIND_METHOD};
use crate::response::read_bind_answer;
use crate::retry::{Decision, RetryHint, RetryPolicy};
use crate::route::SdkCall;

/// The route a call takes, with the client object it goes through.
pub enum Target {
    /// `fetch` to the portal; the connection changes when a token is refreshed.
    Rest(RefCell<Connection>),
    /// An official SDK instance, which limits and retries on its own.
    Sdk { b24: JsValue, call: SdkCall },
    /// The placement library's `BX24`.
    Placement { bx24: JsValue },
}

/// What the calls of one client share: the route, the leaky bucket that
/// mirrors the portal's limit, and the token refresh in flight.
pub struct Session {
    target: Target,
    limit: RateLimit,
    bucket: Option<RefCell<LeakyBucket>>,
    refresh: Option<Function>,
    refreshing: RefCell<Option<Promise>>,
}

/// The per-call options in effect: the client's, overridden by the call's.
#[derive(Clone, Default)]
pub struct CallOptions {
    /// The caller's `fetch`.
    pub fetch: Option<Function>,
    /// The caller's abort signal.
    pub signal: Option<web_sys::AbortSignal>,
    /// `maxAttempts` and `timeoutMs`.
    pub settings: CallSettings,
}

impl CallOptions {
    /// These options, with every one `overrides` gives taking precedence.
    pub fn merge(&self, overrides: CallOptions) -> CallOptions {
        CallOptions {
            fetch: overrides.fetch.or_else(|| self.fetch.clone()),
            signal: overrides.signal.or_else(|| self.signal.clone()),
            settings: self.settings.merge(overrides.settings),
        }
    }
}

impl Session {
    /// A session for `target`. The SDK has its own limiter, so it gets no
    /// bucket; `refresh` is the caller's `refreshAccessToken`.
    pub fn new(target: Target, limit: RateLimit, refresh: Option<Function>) -> Session {
        let bucket = match target {
            Target::Sdk { .. } => None,
            Target::Rest(_) | Target::Placement { .. } => {
                Some(RefCell::new(LeakyBucket::new(limit)))
            }
        };
        Session {
            target,
            limit,
            bucket,
            refresh,
            refreshing: RefCell::new(None),
        }
    }

    /// Binds `fields`; the promise settles with the result or a `B24Error`.
    pub fn bind(self: Rc<Session>, options: CallOptions, fields: ValidFields) -> Promise {
        future_to_promise(async move {
            let outcome = self.run(&options, fields).await;
            outcome.map_err(|error| to_js_error(&error))
        })
    }

    async fn run(&self, options: &CallOptions, fields: ValidFields) -> Result<JsValue, B24Error> {
        let transport = self.transport(options);
        let policy = match self.target {
            Target::Sdk { .. } => RetryPolicy::with_attempts(Some(1)),
            Target::Rest(_) | Target::Placement { .. } => {
                RetryPolicy::with_attempts(options.settings.max_attempts)
            }
        };

        let mut transport = transport;
        let mut attempt = 1;
        let mut refreshed = false;
        loop {
            // The wait before the attempt happens on the JavaScript side, with
            // the attempt: one await per attempt keeps this loop small.
            if let Some(bucket) = &self.bucket {
                let send_at = Date::now() + transport.delay_ms;
                transport.delay_ms += bucket.borrow_mut().reserve(send_at);
            }
            let (in_flight, connection) = self.start(fields, &transport);
            let facts = JsFuture::from(in_flight).await;
            transport.delay_ms = 0.0;
            let (error, hint) = match read_answer(facts, connection.as_ref()) {
                Ok(result) => return Ok(result),
                Err(failure) => failure,
            };

            let curable = connection
                .as_ref()
                .is_some_and(|connection| connection.refresh_cures(&error.code));
            if curable && !refreshed && self.refresh.is_some() {
                // One repeat with a fresh token, outside the attempts count.
                refreshed = true;
                match connection {
                    Some(used) if self.refresh_token(&used, &transport).await? => continue,
                    _ => return Err(error),
                }
            }

            let random = Math::random();
            match policy.decide(&error, hint, attempt, self.limit, Date::now(), random) {
                Decision::Retry { after_ms } => transport.delay_ms = after_ms,
                Decision::GiveUp => return Err(error),
            }
            attempt += 1;
        }
    }

    fn transport(&self, options: &CallOptions) -> Transport {
        let timeout_ms = match self.target {
            Target::Placement { .. } => options.settings.timeout_ms.or(Some(PLACEMENT_TIMEOUT_MS)),
            Target::Rest(_) | Target::Sdk { .. } => options.settings.timeout_ms,
        };
        Transport {
            fetch: options.fetch.clone(),
            signal: options.signal.clone(),
            timeout_ms,
            delay_ms: 0.0,
        }
    }

    /// Starts one attempt; answers the promise of its facts and the REST
    /// connection it used (its secret is scrubbed from errors).
    fn start(&self, fields: ValidFields, transport: &Transport) -> (Promise, Option<Connection>) {
        let params = BindParams { fields };
        match &self.target {
            Target::Rest(connection) => {
                let connection = connection.borrow().clone();
                let request = bind_request(&connection, fields);
                (transport::start(&request, transport), Some(connection))
            }
            Target::Sdk { b24, call } => {
                let use_make = *call == SdkCall::Make;
                let params = params_json(&params);
                let in_flight = transport::call_sdk(b24, use_make, BIND_METHOD, &params, transport);
                (in_flight, None)
            }
            Target::Placement { bx24 } => {
                let params = params_json(&params);
                let in_flight = transport::call_placement(bx24, BIND_METHOD, &params, transport);
                (in_flight, None)
            }
        }
    }

    /// Refreshes the access token `used` carried, sharing one refresh among
    /// the calls that find it expired together. Answers whether the session
    /// now holds a different token to repeat the request with; fails with
    /// `ABORTED` as soon as the caller aborts.
    async fn refresh_token(
        &self,
        used: &Connection,
        transport: &Transport,
    ) -> Result<bool, B24Error> {
        let (Target::Rest(current), Some(refresh)) = (&self.target, &self.refresh) else {
            return Ok(false);
        };
        if current.borrow().secret() != used.secret() {
            return Ok(true);
        }
        let pending = self
            .refreshing
            .borrow_mut()
            .get_or_insert_with(|| match refresh.call0(&JsValue::UNDEFINED) {
                Ok(returned) => Promise::resolve(&returned),
                Err(thrown) => Promise::reject(&thrown),
            })
            .clone();
        let outcome = JsFuture::from(transport::unless_aborted(&pending, transport)).await;
        if transport
            .signal
            .as_ref()
            .is_some_and(|signal| signal.aborted())
        {
            // The refresh goes on for the calls still waiting for it.
            return Err(aborted());
        }

        // The first call to wake up applies the new token; the others find it.
        let first = self
            .refreshing
            .borrow()
            .as_ref()
            .is_some_and(|in_flight| JsValue::from(in_flight) == JsValue::from(&pending));
        if first {
            self.refreshing.borrow_mut().take();
            let token = outcome.ok().and_then(|token| token.as_string());
            if let Some(refreshed) = token.and_then(|token| used.with_access_token(&token).ok()) {
                *current.borrow_mut() = refreshed;
            }
        }
        let holds_another = current.borrow().secret() != used.secret();
        Ok(holds_another)
    }
}

fn aborted() -> B24Error {
    B24Error::new(code::ABORTED, "The call was aborted by its signal.", None)
}

/// The result an attempt's facts give, or its error with what the answer
/// said about when to retry.
fn read_answer(
    facts: Result<JsValue, JsValue>,
    connection: Option<&Connection>,
) -> Result<JsValue, (B24Error, RetryHint)> {
    let no_hint = |error| (error, RetryHint::default());
    let reply = transport::finish(facts, connection).map_err(no_hint)?;
    let parsed = convert::parse_json_object(&reply.text);
    match read_bind_answer(reply.status, parsed.as_ref()) {
        Ok(result) => Ok(result_to_js(&result)),
        Err(error) => Err((error, RetryHint::read(parsed.as_ref()))),
    }
}
