// The operating-time limit: each method's summed running time over a sliding window.

import { operationTimeLimit } from './rest-error.mjs';
import { isPlainObject } from './request-body.mjs';

/**
 * Makes the limit the `operatingLimit` option asks for, on the portal times (ms) each call
 * passes in; undefined for `false` or nothing, which means no limit. Every successful call
 * costs `costSeconds`, whatever it really took, so tests can predict when the budget runs out.
 * Throws a TypeError for a budget, window or cost that is not a positive number, or a cost
 * over the budget.
 *
 * Known limitation: the window slides continuously, where the portal keeps ten one-minute
 * buckets, and it is kept per method only, where the portal keeps it per method and per app or
 * webhook; the mock serves one webhook and one app.
 */
export function createOperatingLimit(operatingLimit) {
  if (operatingLimit === undefined || operatingLimit === false) return undefined;
  const { budgetSeconds, windowSeconds, costSeconds } = readOperatingLimit(operatingLimit);
  const windowMs = windowSeconds * 1000;

  // Per method, the portal times (ms) the calls still inside the window started at, oldest
  // first. A call is dated by its start, the `time.start` of its answer, so a caller can tell
  // from its own answers when each call leaves the window.
  const calls = new Map();
  let refusals = 0;
  const callsOf = (method, at) => {
    const inWindow = (calls.get(method) ?? []).filter((calledAt) => calledAt > at - windowMs);
    calls.set(method, inWindow);
    return inWindow;
  };
  // The portal reports whole Unix seconds; rounding up never promises a moment too early.
  const unixSeconds = (milliseconds) => Math.ceil(milliseconds / 1000);

  return {
    /**
     * Throws the portal's 429 when one more call of `method`, started at `at` (portal ms),
     * would take its sum over the budget. The error's `operating_reset_at` is when enough
     * calls have left the window for one more to fit.
     */
    check(method, at) {
      const inWindow = callsOf(method, at);
      // The tiny addend keeps a budget of 0.3 s from fitting only two calls of 0.1 s.
      const fitting = Math.floor(budgetSeconds / costSeconds + 1e-9);
      if (inWindow.length < fitting) return;
      const mustLeave = inWindow.length - fitting + 1;
      refusals += 1;
      throw operationTimeLimit({
        operating: inWindow.length * costSeconds,
        operating_reset_at: unixSeconds(inWindow[mustLeave - 1] + windowMs),
      });
    },

    /**
     * Counts one successful call of `method`, started at `at`. Returns the `time` fields the
     * answer carries: `operating`, the method's sum in the window this call included, and
     * `operating_reset_at`, when the oldest of those calls leaves the window.
     */
    record(method, at) {
      const inWindow = callsOf(method, at);
      // Calls overlap, so one that started earlier may finish later: keep the list in order.
      const later = inWindow.findIndex((calledAt) => calledAt > at);
      inWindow.splice(later === -1 ? inWindow.length : later, 0, at);
      return {
        operating: inWindow.length * costSeconds,
        operating_reset_at: unixSeconds(inWindow[0] + windowMs),
      };
    },

    /** How many calls were refused since the start or the last `clear()`. */
    get refusals() {
      return refusals;
    },

    /** Forgets every call and refusal. */
    clear() {
      calls.clear();
      refusals = 0;
    },
  };
}

function readOperatingLimit(operatingLimit) {
  if (!isPlainObject(operatingLimit)) {
    throw new TypeError(
      'operatingLimit must be false or { budgetSeconds, windowSeconds, costSeconds }.',
    );
  }
  const { budgetSeconds, windowSeconds = 600, costSeconds = 1 } = operatingLimit;
  for (const [name, value] of Object.entries({ budgetSeconds, windowSeconds, costSeconds })) {
    if (!(Number.isFinite(value) && value > 0)) {
      throw new TypeError(`operatingLimit.${name} must be a positive number.`);
    }
  }
  if (costSeconds > budgetSeconds) {
    throw new TypeError('operatingLimit.costSeconds must not exceed budgetSeconds.');
  }
  return { budgetSeconds, windowSeconds, costSeconds };
}
