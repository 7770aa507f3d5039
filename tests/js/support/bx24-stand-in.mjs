// A stand-in for the `BX24` global of a placement page, for tests: the REST part of the
// portal's BX24.js, quirks included, sending its calls with fetch to any portal URL.
//
// It runs unchanged in Node and in a browser page, so it uses nothing but fetch, URL,
// encodeURIComponent and setTimeout.

const NETWORK_FAILURE = Object.freeze({
  error: 'ERROR_NETWORK',
  error_description: 'A network error occurred while the request was being executed.',
});

/**
 * Returns a `BX24`-shaped object whose REST calls go to `portalUrl` with `accessToken`:
 * `init`, `callMethod`, `callBatch`, `getAuth`, `isAdmin` and `placement.info`.
 *
 * Where BX24.js throws from its XHR handler (an answer with a 5xx status or a body that is not a
 * JSON object, or a callback that throws), the stand-in hands the error to `onThrow`, or without
 * it throws the error from a timer, which is an uncaught error in a browser and ends a Node
 * process. `fetch` replaces the global one, for answers a portal cannot be made to give.
 * Throws a TypeError for a missing `portalUrl`, `accessToken` or `fetch`.
 */
export function createBX24({ portalUrl, accessToken, fetch = globalThis.fetch, onThrow } = {}) {
  if (typeof portalUrl !== 'string' || portalUrl === '') {
    throw new TypeError('createBX24 needs the portalUrl to call.');
  }
  if (typeof accessToken !== 'string') throw new TypeError('createBX24 needs an accessToken.');
  if (typeof fetch !== 'function') throw new TypeError('createBX24 needs a fetch function.');

  const restUrl = portalUrl.replace(/\/+$/, '') + '/rest/';
  const domain = new URL(portalUrl).host;
  const raise = (error) => (onThrow ? onThrow(error) : throwLater(error));

  let ready = false;
  const deferred = [];

  // Both callMethod and callBatch end here; so do the follow-up calls of `next()`.
  function call(method, params, callback) {
    if (typeof method !== 'string' || method === '') {
      throw new TypeError('A REST method name must be a non-empty string.');
    }
    const send = () => {
      exchange({ fetch, restUrl, accessToken, method, params })
        .then((outcome) => settle(outcome, { method, params, callback, call }, raise))
        // Only reached when onThrow itself throws.
        .catch(throwLater);
    };
    if (ready) send();
    else deferred.push(send);
  }

  return {
    /** Marks the page ready, sends the calls made before, then calls `callback` (later). */
    init(callback) {
      setTimeout(() => {
        ready = true;
        for (const send of deferred.splice(0)) send();
        if (typeof callback === 'function') callback();
      });
    },

    /**
     * Sends one REST call; `callback` receives a `CallResult`. Throws a TypeError for a method
     * name that is not a non-empty string.
     */
    callMethod(method, params, callback) {
      call(method, params, callback);
    },

    /**
     * Sends `calls` (an array or object of `[method, params]` or `{ method, params }`) as one
     * `batch`; `callback` receives an array or object of results under the same keys.
     */
    callBatch(calls, callback, haltOnError) {
      const { commands, keys } = batchCommands(calls);
      const isArray = Array.isArray(calls);
      call('batch', { halt: Boolean(haltOnError), cmd: commands }, (batchResult) => {
        if (typeof callback === 'function') callback(splitBatch(batchResult, keys, isArray));
      });
    },

    getAuth() {
      return { access_token: accessToken, domain };
    },

    isAdmin() {
      return false;
    },

    placement: {
      info() {
        return { placement: 'DEFAULT', options: {} };
      },
    },
  };
}

/**
 * What BX24.js hands a callback: the portal's answer and the HTTP status it came with. A failed
 * call still gets one; `error()` tells.
 */
class CallResult {
  #error;
  #next;

  constructor(answer, status, next) {
    this.answer = answer;
    this.status = status;
    this.#next = next;
    // BX24.js tests for the key, not its truth: the bindings methods' `""` code is an error.
    this.#error = Object.hasOwn(answer, 'error') ? new CallError(status, answer) : undefined;
  }

  /** The answer's `result`. */
  data() {
    return this.answer.result;
  }

  /** The answer's `time` block, undefined when it has none. */
  time() {
    return this.answer.time;
  }

  /** Undefined on success, else the `CallError`; the same object on every call. */
  error() {
    return this.#error;
  }

  error_description() {
    return this.answer.error_description;
  }

  /** Whether a list answer has a further page (a numeric `next`). */
  more() {
    const { next } = this.answer;
    return typeof next === 'number' || (typeof next === 'string' && /^\d+$/.test(next));
  }

  /** The answer's `total` as an integer; NaN when it has none. */
  total() {
    return Number.parseInt(this.answer.total, 10);
  }

  /**
   * Asks for the next page with `start` set to the answer's `next`, calling `callback` (by
   * default the original one) with its result. Returns false, sending nothing, when there is
   * no further page, and for the results of a batch, whose calls are not repeated alone.
   */
  next(callback) {
    if (!this.more() || this.#next === undefined) return false;
    this.#next(this.answer.next, callback);
    return true;
  }
}

/** The `error()` of a failed call: `ex` is the portal's answer, `status` its HTTP status. */
class CallError {
  constructor(status, answer) {
    this.status = status;
    this.ex = answer;
  }

  getStatus() {
    return this.status;
  }

  getError() {
    return this.ex;
  }

  /** `"CODE: description (status)"`; the code is empty for the bindings methods' errors. */
  toString() {
    const { error, error_description: description } = this.ex;
    const text = description === undefined ? `${error}` : `${error}: ${description}`;
    return `${text} (${this.status})`;
  }
}

/**
 * Encodes `params` the way BX24.js does: PHP bracket notation (`a[b][0]=v`), booleans as 1 and
 * 0, null as an empty value. Undefined values and functions are left out.
 *
 * Known limitation: like any form body, an empty array or object sends nothing, and so does a
 * Date or other class instance (walked as a plain object); pass such values as strings.
 */
function encodeParams(params) {
  const pairs = [];
  const walk = (name, value) => {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return;
    if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        walk(`${name}[${encodeURIComponent(key)}]`, item);
      }
      return;
    }
    pairs.push(`${name}=${encodeURIComponent(formValue(value))}`);
  };
  for (const [key, value] of Object.entries(params ?? {})) walk(encodeURIComponent(key), value);
  return pairs.join('&');
}

function formValue(value) {
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

// Resolves with `{ status, text }` for any answer, `{ networkFailure }` when none came, or
// `{ thrown }` when a custom fetch resolved to something that is not a Response. Never rejects.
async function exchange({ fetch, restUrl, accessToken, method, params }) {
  const body = [encodeParams(params), `auth=${encodeURIComponent(accessToken)}`]
    .filter((part) => part !== '')
    .join('&');

  let response;
  try {
    // A form body keeps the request "simple" for CORS, as BX24.js's XHR is: no preflight.
    response = await fetch(`${restUrl}${encodeURIComponent(method)}.json`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
    });
  } catch {
    return { networkFailure: true };
  }
  if (response === null || typeof response !== 'object' || typeof response.text !== 'function') {
    return { thrown: new TypeError('fetch resolved to something that is not a Response.') };
  }

  try {
    return { status: response.status, text: await response.text() };
  } catch {
    // The connection broke while the body was arriving.
    return { networkFailure: true };
  }
}

// BX24.js's XHR handler: a callback for network failures and any status below 500 with a JSON
// object body; a throw for everything else, after which no callback comes.
function settle(outcome, { method, params, callback, call }, raise) {
  try {
    const result = toResult(outcome, (start, nextCallback = callback) =>
      call(method, { ...params, start }, nextCallback),
    );
    if (typeof callback === 'function') callback(result);
  } catch (error) {
    raise(error);
  }
}

function toResult(outcome, next) {
  if (outcome.thrown) throw outcome.thrown;
  if (outcome.networkFailure) return new CallResult({ ...NETWORK_FAILURE }, 0, next);

  const { status, text } = outcome;
  if (status >= 500) {
    throw Object.assign(new Error(`The portal answered with HTTP ${status}.`), { status });
  }
  let answer;
  try {
    answer = JSON.parse(text);
  } catch (cause) {
    throw Object.assign(new Error(`The portal's answer (HTTP ${status}) is not JSON.`, { cause }), {
      status,
    });
  }
  if (answer === null || typeof answer !== 'object') {
    throw Object.assign(new Error(`The portal's answer (HTTP ${status}) is not a JSON object.`), {
      status,
    });
  }
  return new CallResult(answer, status, next);
}

// Where a single call's answer field sits in a batch answer.
const BATCH_SECTIONS = [
  ['result', 'result'],
  ['time', 'result_time'],
  ['total', 'result_total'],
  ['next', 'result_next'],
];

// Each call becomes `method?query`, the query in the same bracket notation as a form body.
function batchCommands(calls) {
  if (calls === null || typeof calls !== 'object') {
    throw new TypeError('callBatch needs an array or object of calls.');
  }
  const commands = Array.isArray(calls) ? [] : {};
  const keys = Object.keys(calls);
  for (const key of keys) {
    const entry = calls[key];
    const [method, params] = Array.isArray(entry) ? entry : [entry?.method, entry?.params];
    if (typeof method !== 'string' || method === '') {
      throw new TypeError(`Batch call ${key} has no method name.`);
    }
    const query = encodeParams(params);
    commands[key] = query === '' ? method : `${method}?${query}`;
  }
  return { commands, keys };
}

// One result per call, taken from the batch answer's sections, which are `[]` when empty. A
// batch refused as a whole (a 401, say) gives every call that refusal.
function splitBatch(batchResult, keys, isArray) {
  const results = isArray ? [] : {};
  const refusal = batchResult.error();
  const sections = batchResult.data() ?? {};
  const entry = (section, key) => {
    const values = sections[section];
    return values !== null && typeof values === 'object' && Object.hasOwn(values, key)
      ? values[key]
      : undefined;
  };

  for (const key of keys) {
    if (refusal !== undefined) {
      results[key] = new CallResult(batchResult.answer, batchResult.status);
      continue;
    }
    const answer = {};
    for (const [field, section] of BATCH_SECTIONS) {
      const value = entry(section, key);
      if (value !== undefined) answer[field] = value;
    }
    const failure = entry('result_error', key);
    if (failure !== undefined) {
      answer.error = failure?.error ?? '';
      if (failure?.error_description !== undefined) {
        answer.error_description = failure.error_description;
      }
    }
    results[key] = new CallResult(answer, batchResult.status);
  }
  return results;
}

function throwLater(error) {
  setTimeout(() => {
    throw error;
  });
}
