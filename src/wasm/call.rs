//! One call from start to answer: the rate limit, the attempts, the waits
//! between them and the token refresh. Every decision is made here, step by
//! step; `transport.js`'s `drive` only awaits between the steps, so the module
//! carries no future machinery of its own.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Date, Function, Math, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

use super::convert::{self, result_to_js, to_js_error};
use super::transport::{self, Transport};
use crate::batch::{read_batch_envelope, BATCH_METHOD};
use crate::bucket::{LeakyBucket, RateLimit};
use crate::connection::Connection;
use crate::error::B24Error;
use crate::fields::ValidFields;
use crate::options::{CallSettings, PLACEMENT_TIMEOUT_MS};
use crate::request::{bind_request, params_json, request, BindParams, JsonParams, BIND_METHOD};
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

    /// The route's name: `rest`, `b24` or `bx24`, as the connection option
    /// that chose it.
    pub fn route_name(&self) -> &'static str {
        match self.target {
            Target::Rest(_) => "rest",
            Target::Sdk { .. } => "b24",
            Target::Placement { .. } => "bx24",
        }
    }

    /// Binds `fields`; the promise settles with the result or a `B24Error`.
    pub fn bind(self: Rc<Session>, options: &CallOptions, fields: ValidFields) -> Promise {
        self.run(options, Job::Bind(fields))
    }

    /// Runs `job` to its end; the promise settles with its value or a `B24Error`.
    pub fn run(self: Rc<Session>, options: &CallOptions, job: Job) -> Promise {
        let signal = options
            .signal
            .as_ref()
            .map_or(JsValue::UNDEFINED, JsValue::from);
        transport::drive(self.call(options, job), &signal)
    }

    /// A call of `job` with `options`, ready to be driven.
    pub fn call(self: Rc<Session>, options: &CallOptions, job: Job) -> Call {
        let transport = self.transport(options);
        let policy = match self.target {
            Target::Sdk { .. } => RetryPolicy::with_attempts(Some(1)),
            Target::Rest(_) | Target::Placement { .. } => {
                RetryPolicy::with_attempts(options.settings.max_attempts)
            }
        };
        Call {
            session: self,
            transport,
            policy,
            job,
            attempt: 1,
            refreshed: false,
            used: None,
            refreshing: None,
            error: None,
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
    /// connection it used (its secret is scrubbed from errors). Through
    /// `$b24` and `BX24` a batch goes to the bulk module's helper, which calls
    /// the client's own batch support and answers in the portal's batch
    /// shape, so the answer reads the same whichever route it took.
    fn start(&self, job: &Job, transport: &Transport) -> (Promise, Option<Connection>) {
        if let (Job::Batch(params, Some(helper)), Target::Sdk { b24: client, .. })
        | (Job::Batch(params, Some(helper)), Target::Placement { bx24: client }) =
            (job, &self.target)
        {
            return (
                transport::call_helper(helper, client, params, transport),
                None,
            );
        }
        match &self.target {
            Target::Rest(connection) => {
                let connection = connection.borrow().clone();
                let request = match job {
                    Job::Bind(fields) => bind_request(&connection, *fields),
                    Job::Batch(params, _) => {
                        request(&connection, BATCH_METHOD, &JsonParams(params))
                    }
                };
                (transport::start(&request, transport), Some(connection))
            }
            Target::Sdk { b24, call } => {
                let use_make = *call == SdkCall::Make;
                let params = job.params_json();
                let in_flight =
                    transport::call_sdk(b24, use_make, job.method(), &params, transport);
                (in_flight, None)
            }
            Target::Placement { bx24 } => {
                let params = job.params_json();
                let in_flight = transport::call_placement(bx24, job.method(), &params, transport);
                (in_flight, None)
            }
        }
    }
}

/// What one call asks the portal for.
pub enum Job {
    /// One binding.
    Bind(ValidFields),
    /// One `batch` request with these parameters, a JSON object written by
    /// the bulk module, and the bulk module's helper for `$b24` and `BX24`;
    /// its value is the answer's `result` section.
    Batch(String, Option<Function>),
}

impl Job {
    fn method(&self) -> &'static str {
        match self {
            Job::Bind(_) => BIND_METHOD,
            Job::Batch(..) => BATCH_METHOD,
        }
    }

    fn params_json(&self) -> String {
        match self {
            Job::Bind(fields) => params_json(&BindParams { fields: *fields }),
            Job::Batch(params, _) => params.clone(),
        }
    }
}

/// One call in progress, stepped by `transport.js`'s `drive`: `attempt`
/// starts an attempt, `next` reads its facts and says what comes next, and
/// `refreshed` takes the outcome of a token refresh.
#[wasm_bindgen(skip_typescript)]
pub struct Call {
    session: Rc<Session>,
    transport: Transport,
    policy: RetryPolicy,
    job: Job,
    attempt: u32,
    refreshed: bool,
    used: Option<Connection>,
    refreshing: Option<Promise>,
    error: Option<B24Error>,
}

#[wasm_bindgen]
impl Call {
    /// Starts the next attempt, after the bucket's and the retry's wait;
    /// answers the promise of its facts, which never rejects.
    pub fn attempt(&mut self) -> Promise {
        if let Some(bucket) = &self.session.bucket {
            let send_at = Date::now() + self.transport.delay_ms;
            self.transport.delay_ms += bucket.borrow_mut().reserve(send_at);
        }
        let (in_flight, used) = self.session.start(&self.job, &self.transport);
        self.transport.delay_ms = 0.0;
        self.used = used;
        in_flight
    }

    /// Reads an attempt's facts. Answers `{ value }` to resolve with,
    /// `{ error }` to reject with, `{ again: true }` to attempt again, or
    /// `{ refresh }`, a promise of a new token to await and pass to `refreshed`.
    pub fn next(&mut self, facts: JsValue) -> JsValue {
        let (error, hint) = match read_answer(Ok(facts), self.used.as_ref(), &self.job) {
            Ok(result) => return step("value", &result),
            Err(failure) => failure,
        };

        let curable = self
            .used
            .as_ref()
            .is_some_and(|used| used.refresh_cures(&error.code));
        if curable && !self.refreshed {
            if let Some(refresh) = self.session.refresh_for(self.used.as_ref()) {
                // One repeat with a fresh token, outside the attempts count.
                self.refreshed = true;
                self.error = Some(error);
                return match refresh {
                    Refresh::Done => step("again", &JsValue::TRUE),
                    Refresh::Pending(promise) => {
                        self.refreshing = Some(promise.clone());
                        step("refresh", &promise)
                    }
                };
            }
        }

        let random = Math::random();
        let limit = self.session.limit;
        match self
            .policy
            .decide(&error, hint, self.attempt, limit, Date::now(), random)
        {
            Decision::Retry { after_ms } => {
                self.transport.delay_ms = after_ms;
                self.attempt += 1;
                step("again", &JsValue::TRUE)
            }
            Decision::GiveUp => step("error", &to_js_error(&error)),
        }
    }

    /// Takes what the refresh resolved with (`undefined` when it failed or
    /// the caller aborted). Answers `{ again: true }` when the session holds
    /// a new token, otherwise `{ error }`: `ABORTED`, or the portal's error.
    pub fn refreshed(&mut self, token: JsValue) -> JsValue {
        if self
            .transport
            .signal
            .as_ref()
            .is_some_and(|signal| signal.aborted())
        {
            // The refresh goes on for the calls still waiting for it.
            return step("error", &to_js_error(&B24Error::aborted()));
        }
        let pending = self.refreshing.take();
        if let (Some(pending), Some(used)) = (pending, self.used.as_ref()) {
            self.session
                .apply_refresh(&pending, token.as_string(), used);
        }
        let renewed = self
            .used
            .as_ref()
            .is_some_and(|used| self.session.holds_another_token(used));
        match (renewed, self.error.take()) {
            (true, _) => step("again", &JsValue::TRUE),
            (false, Some(error)) => step("error", &to_js_error(&error)),
            (false, None) => step("error", &to_js_error(&B24Error::aborted())),
        }
    }
}

/// What a refresh asks of the call.
enum Refresh {
    /// Another call already refreshed the token: repeat at once.
    Done,
    /// Await this refresh, shared with the other calls that wait for it.
    Pending(Promise),
}

impl Session {
    /// The refresh for a call whose token `used` failed, or `None` when the
    /// session cannot refresh.
    fn refresh_for(&self, used: Option<&Connection>) -> Option<Refresh> {
        let (Target::Rest(_), Some(refresh), Some(used)) = (&self.target, &self.refresh, used)
        else {
            return None;
        };
        if self.holds_another_token(used) {
            return Some(Refresh::Done);
        }
        let pending = self
            .refreshing
            .borrow_mut()
            .get_or_insert_with(|| match refresh.call0(&JsValue::UNDEFINED) {
                Ok(returned) => Promise::resolve(&returned),
                Err(thrown) => Promise::reject(&thrown),
            })
            .clone();
        Some(Refresh::Pending(pending))
    }

    /// Applies the token `pending` gave, once: the first call to come back
    /// from it applies it, the others find it applied.
    fn apply_refresh(&self, pending: &Promise, token: Option<String>, used: &Connection) {
        let first = self
            .refreshing
            .borrow()
            .as_ref()
            .is_some_and(|in_flight| JsValue::from(in_flight) == JsValue::from(pending));
        if !first {
            return;
        }
        self.refreshing.borrow_mut().take();
        let Target::Rest(current) = &self.target else {
            return;
        };
        if let Some(refreshed) = token.and_then(|token| used.with_access_token(&token).ok()) {
            *current.borrow_mut() = refreshed;
        }
    }

    /// Whether the session's token differs from the one `used` carried.
    fn holds_another_token(&self, used: &Connection) -> bool {
        match &self.target {
            Target::Rest(current) => current.borrow().secret() != used.secret(),
            Target::Sdk { .. } | Target::Placement { .. } => false,
        }
    }
}

/// `{ key: value }`, the answer of a step.
fn step(key: &str, value: &JsValue) -> JsValue {
    let answer = Object::new();
    let _ = Reflect::set(&answer, &key.into(), value);
    answer.into()
}

/// The result an attempt's facts give, or its error with what the answer
/// said about when to retry.
fn read_answer(
    facts: Result<JsValue, JsValue>,
    connection: Option<&Connection>,
    job: &Job,
) -> Result<JsValue, (B24Error, RetryHint)> {
    let no_hint = |error| (error, RetryHint::default());
    let reply = transport::finish(facts, connection).map_err(no_hint)?;
    let parsed = convert::parse_json_object(&reply.text);
    let result = match job {
        Job::Bind(_) => {
            read_bind_answer(reply.status, parsed.as_ref()).map(|result| result_to_js(&result))
        }
        Job::Batch(..) => read_batch_envelope(reply.status, parsed.as_ref()).map(|answer| answer.0),
    };
    result.map_err(|error| (error, RetryHint::read(parsed.as_ref())))
}
