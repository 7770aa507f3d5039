// The batch support of the clients an app may already hold: the official
// SDK's `$b24` and the placement library's `BX24`. Each helper sends one
// batch of named calls through its client and answers the facts the entry
// module's transports answer: the portal's batch answer rebuilt in its own
// shape (`{ result: { result, result_error } }`), so the bulk module reads it
// exactly as a batch sent with fetch, or the failure of the request as a whole.

/** Through `$b24`: `actions.v2.batch.make`, or `callBatch` on SDKs without it. */
export async function sdkBatch(b24, calls, attempt, sdkFailure) {
  const options = { isHaltOnError: false, returnAjaxResult: true };
  let response;
  try {
    const make = b24.actions && b24.actions.v2 && b24.actions.v2.batch && b24.actions.v2.batch.make;
    const pending =
      typeof make === 'function'
        ? b24.actions.v2.batch.make({ calls, options })
        : b24.callBatch(calls, options.isHaltOnError, options.returnAjaxResult);
    response = await attempt.race(pending);
  } catch (error) {
    return sdkFailure(attempt, error);
  }
  if (response === attempt.cutShort) return attempt.facts({});
  if (!response || typeof response.getData !== 'function') return attempt.facts({ notResponse: true });

  const entries = response.getData() || {};
  if (!response.isSuccess && Object.keys(entries).length === 0) {
    // The batch request failed as a whole: the SDK keeps no entry per call.
    const errors = typeof response.getErrors === 'function' ? Array.from(response.getErrors()) : [];
    return sdkFailure(attempt, errors[0]);
  }
  return answered(calls, (key) => sdkEntry(entries[key]));
}

/** One call's outcome from the SDK's `AjaxResult`. */
function sdkEntry(entry) {
  if (!entry) return undefined;
  // The portal's own entry, when the SDK keeps it: the SDK takes an empty
  // error code, which the bindings methods use for field errors, for success.
  const answer = entry._data;
  if (answer && typeof answer === 'object') {
    if (answer.error === undefined) return { result: answer.result };
    return { error: { error: answer.error, error_description: answer.error_description } };
  }
  if (entry.isSuccess) return { result: entry.getData().result };
  const [error] = Array.from(entry.getErrors());
  return { error: { error: error && error.code, error_description: error && error.description } };
}

/** Through `BX24`: `BX24.callBatch`, which calls back with one result per call. */
export async function placementBatch(bx24, calls, attempt) {
  const answeredBatch = new Promise((resolve) => {
    try {
      bx24.callBatch(
        calls,
        (results) => {
          try {
            resolve(placementAnswer(calls, results, attempt));
          } catch (thrown) {
            resolve(attempt.facts({ notResponse: true, thrown }));
          }
        },
        false,
      );
    } catch (thrown) {
      resolve(attempt.facts({ clientCode: 'ERROR_UNEXPECTED_ANSWER', thrown }));
    }
  });
  const facts = await attempt.race(answeredBatch);
  return facts === attempt.cutShort ? attempt.facts({}) : facts;
}

function placementAnswer(calls, results, attempt) {
  if (!results || typeof results !== 'object') return attempt.facts({ notResponse: true });
  for (const key of Object.keys(calls)) {
    const refusal = placementError(results[key]);
    // A batch refused as a whole gives every call the refusal with its status.
    if (refusal && refusal.status !== 200) {
      return { status: refusal.status, text: JSON.stringify(refusal.answer) };
    }
  }
  return answered(calls, (key) => {
    const entry = results[key];
    // BX24.js keeps a call's result only when it is truthy: a call it left
    // out, in an answered batch, was answered `false`.
    if (!entry) return { result: false };
    const failure = placementError(entry);
    return failure ? { error: failure.answer } : { result: entry.data() };
  });
}

/** `{ status, answer }` of a BX24 result's error, or undefined when it has none. */
function placementError(entry) {
  const error = entry && typeof entry.error === 'function' ? entry.error() : undefined;
  if (!error) return undefined;
  const status = typeof error.getStatus === 'function' ? error.getStatus() : error.status;
  const ex = (typeof error.getError === 'function' ? error.getError() : error.ex) || {};
  return { status, answer: { error: ex.error, error_description: ex.error_description } };
}

/** The facts of an answered batch: each call's outcome under its key, as the portal writes them. */
function answered(calls, outcomeOf) {
  const result = {};
  const resultError = {};
  for (const key of Object.keys(calls)) {
    const outcome = outcomeOf(key);
    if (!outcome) continue;
    if ('error' in outcome) resultError[key] = outcome.error;
    else result[key] = outcome.result;
  }
  return { status: 200, text: JSON.stringify({ result: { result, result_error: resultError } }) };
}
