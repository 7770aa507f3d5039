// The JavaScript side of every transport: fetch, the official SDK's $b24 and
// BX24, plus the abort listener and the timer. Each call returns a promise
// that never rejects: it resolves with the facts of what happened, and the
// Rust core decides what they mean.
//   { status, text }                    the portal answered this body
//   { clientCode, thrown, ... }         a wrapped client failed with its own code
//   { thrown, aborted, timedOut }       the call failed
//   { notResponse: true, ... }          something other than a Response or a result came back
//   { aborted, timedOut }               the call was cut short

// Tracks what may cut one call short: the caller's signal and the timeout.
// `signal` is handed to fetch: aborted without a reason, so fetch fails the
// same way whatever reason the caller aborted with. `race` ends a wait as soon
// as the call is cut short, so a fetch or client that ignores the signal
// cannot hold the call past an abort or a timeout.
function guard(callerSignal, timeoutMs) {
  if (!callerSignal && timeoutMs === undefined) return UNGUARDED;
  const controller = new AbortController();
  const abort = () => controller.abort();
  const cutShort = {};
  const whenCutShort = new Promise((resolve) => {
    controller.signal.addEventListener('abort', () => resolve(cutShort), { once: true });
  });
  let timedOut = false;
  let timer;
  if (callerSignal && !callerSignal.aborted) {
    callerSignal.addEventListener('abort', abort, { once: true });
  }
  if (timeoutMs !== undefined) {
    timer = setTimeout(() => {
      timedOut = true;
      abort();
    }, timeoutMs);
  }
  return {
    signal: controller.signal,
    cutShort,
    race: (promise) => Promise.race([promise, whenCutShort]),
    facts: (more) => ({ aborted: Boolean(callerSignal && callerSignal.aborted), timedOut, ...more }),
    release() {
      clearTimeout(timer);
      try {
        if (callerSignal) callerSignal.removeEventListener('abort', abort);
      } catch {
        // A signal-like object whose listener methods throw cannot hurt the call.
      }
    },
  };
}

// Nothing can cut a call short without a signal or a timeout: skip the
// controller and listeners, which are a noticeable part of a call's overhead.
const UNGUARDED = {
  signal: undefined,
  cutShort: {},
  race: (promise) => promise,
  facts: (more) => ({ aborted: false, timedOut: false, ...more }),
  release() {},
};

// Waits `delayMs` (the rate limit's or a retry's wait), then runs
// `call(guard)`, unless the caller's signal fires first. The attempt's timeout
// starts once the wait is over.
async function guarded(delayMs, callerSignal, timeoutMs, call) {
  if (delayMs > 0 && !(await sleep(delayMs, callerSignal))) return { aborted: true };
  const attempt = guard(callerSignal, timeoutMs);
  try {
    if (callerSignal && callerSignal.aborted) return attempt.facts({});
    return await call(attempt);
  } catch (thrown) {
    return attempt.facts({ thrown });
  } finally {
    attempt.release();
  }
}

export function post(delayMs, url, headers, body, customFetch, callerSignal, timeoutMs) {
  return guarded(delayMs, callerSignal, timeoutMs, async (attempt) => {
    const send = customFetch || globalThis.fetch;
    const init = { method: 'POST', headers, body, signal: attempt.signal };
    const response = await attempt.race(send(url, init));
    if (response === attempt.cutShort) return attempt.facts({});
    if (!response || typeof response.status !== 'number' || typeof response.text !== 'function') {
      return attempt.facts({ notResponse: true });
    }
    const text = await attempt.race(response.text());
    if (text === attempt.cutShort) return attempt.facts({});
    if (typeof text !== 'string') return attempt.facts({ notResponse: true });
    return { status: response.status, text };
  });
}

// The official SDK answers with an AjaxResult or throws an AjaxError. The
// portal's own body survives in the error's axios response (for the bindings
// methods the SDK's own code is a generic ERR_BAD_REQUEST); a failure without
// a response is reported by the SDK's code (ECONNREFUSED, ECONNABORTED, ...).
function sdkFailure(attempt, error) {
  const response = error && error.originalError && error.originalError.response;
  if (response && response.data !== undefined) {
    const data = response.data;
    return { status: response.status, text: typeof data === 'string' ? data : JSON.stringify(data) };
  }
  if (error && typeof error.code === 'string' && error.status > 0) {
    // An answer the SDK read itself: a portal error inside a 200.
    const body = { error: error.code, error_description: String(error.message || '') };
    return { status: error.status, text: JSON.stringify(body) };
  }
  const clientCode = error && typeof error.code === 'string' ? error.code : '';
  return attempt.facts({ clientCode, thrown: error });
}

export function callSdk(delayMs, b24, useMake, method, paramsJson, callerSignal, timeoutMs) {
  return guarded(delayMs, callerSignal, timeoutMs, async (attempt) => {
    const params = JSON.parse(paramsJson);
    let result;
    try {
      const call = useMake
        ? b24.actions.v2.call.make({ method, params })
        : b24.callMethod(method, params);
      result = await attempt.race(call);
    } catch (error) {
      return sdkFailure(attempt, error);
    }
    if (result === attempt.cutShort) return attempt.facts({});
    if (!result || typeof result.isSuccess !== 'boolean') return attempt.facts({ notResponse: true });
    if (result.isSuccess) return { status: 200, text: JSON.stringify(result.getData()) };
    const errors = typeof result.getErrors === 'function' ? Array.from(result.getErrors()) : [];
    return sdkFailure(attempt, errors[0]);
  });
}

// Calls `helper`, the bulk module's function for a client's own batch
// support, under the same guard; it answers facts as the functions above do,
// and gets `sdkFailure` to read what the official SDK throws.
export function callHelper(delayMs, helper, client, paramsJson, callerSignal, timeoutMs) {
  return guarded(delayMs, callerSignal, timeoutMs, (attempt) =>
    helper(client, JSON.parse(paramsJson), attempt, sdkFailure),
  );
}

// BX24 calls back with a result whose error() is undefined or { status, ex },
// `ex` being the portal's answer (an empty-string code counts as an error).
// Status 0 means no answer arrived (BX24's ERROR_NETWORK). On some answers
// (5xx, unreadable bodies) BX24 throws instead of calling back: a throw from
// the call itself is caught here and reported as BX24's newer copies report
// the same answers, ERROR_UNEXPECTED_ANSWER; a throw from its response handler
// never reaches us, and only the timeout or the signal ends the wait.
export function callPlacement(delayMs, bx24, method, paramsJson, callerSignal, timeoutMs) {
  return guarded(delayMs, callerSignal, timeoutMs, async (attempt) => {
    const params = JSON.parse(paramsJson);
    const answered = new Promise((resolve) => {
      try {
        bx24.callMethod(method, params, (result) => {
          try {
            resolve(placementAnswer(attempt, result));
          } catch (thrown) {
            resolve(attempt.facts({ notResponse: true, thrown }));
          }
        });
      } catch (thrown) {
        resolve(attempt.facts({ clientCode: 'ERROR_UNEXPECTED_ANSWER', thrown }));
      }
    });
    const facts = await attempt.race(answered);
    return facts === attempt.cutShort ? attempt.facts({}) : facts;
  });
}

function placementAnswer(attempt, result) {
  const error = result.error();
  if (!error) {
    const time = typeof result.time === 'function' ? result.time() : undefined;
    return { status: 200, text: JSON.stringify({ result: result.data(), time }) };
  }
  const status = typeof error.getStatus === 'function' ? error.getStatus() : error.status;
  const answer = typeof error.getError === 'function' ? error.getError() : error.ex;
  if (!status) {
    const clientCode = answer && typeof answer.error === 'string' ? answer.error : '';
    return attempt.facts({ clientCode, thrown: answer && answer.error_description });
  }
  // Only the two fields: BX24's answer object links back to its error object.
  const body = answer ? { error: answer.error, error_description: answer.error_description } : null;
  return { status, text: JSON.stringify(body) };
}

// Resolves true after `milliseconds`, or false as soon as the caller's signal
// fires: a wait between attempts must end with an abort too.
function sleep(milliseconds, callerSignal) {
  return new Promise((resolve) => {
    if (callerSignal && callerSignal.aborted) return resolve(false);
    const done = (slept) => {
      clearTimeout(timer);
      if (callerSignal) callerSignal.removeEventListener('abort', aborted);
      resolve(slept);
    };
    const aborted = () => done(false);
    const timer = setTimeout(() => done(true), milliseconds);
    if (callerSignal) callerSignal.addEventListener('abort', aborted, { once: true });
  });
}

// Settles with `promise`, or resolves with nothing as soon as the caller's
// signal fires: an abort must not wait for a token refresh to finish.
export function unlessAborted(promise, callerSignal) {
  if (!callerSignal) return promise;
  let aborted;
  const whenAborted = new Promise((resolve) => {
    aborted = () => resolve();
    if (callerSignal.aborted) resolve();
    else callerSignal.addEventListener('abort', aborted, { once: true });
  });
  return Promise.race([promise, whenAborted]).finally(() => {
    callerSignal.removeEventListener('abort', aborted);
  });
}

// Runs a call to its end: starts each attempt, awaits its facts, and follows
// the call's answer to them (see Call in call.rs). Every decision is the
// call's; this only awaits. Resolves with the result or rejects with a B24Error.
export async function drive(call, callerSignal) {
  try {
    for (;;) {
      const facts = await call.attempt();
      let next = call.next(facts);
      if (next.refresh) {
        let token;
        try {
          token = await unlessAborted(next.refresh, callerSignal);
        } catch {
          // A refresh that fails leaves the old token; the call says what then.
        }
        next = call.refreshed(token);
      }
      if ('value' in next) return next.value;
      if ('error' in next) throw next.error;
    }
  } finally {
    call.free();
  }
}
