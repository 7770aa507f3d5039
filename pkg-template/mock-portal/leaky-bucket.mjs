// The request-intensity limit: a leaky bucket per portal, as Bitrix24 applies it.

import { queryLimitExceeded } from './rest-error.mjs';
import { isPlainObject } from './request-body.mjs';

/** The documented plans: standard portals and enterprise ones. */
export const PLANS = {
  standard: { burst: 50, drainPerSecond: 2 },
  enterprise: { burst: 250, drainPerSecond: 5 },
};

/**
 * Makes the bucket the `rateLimit` option asks for, draining on `clock`; undefined for `false`
 * or nothing, which means no limit. Throws a TypeError for an unknown plan, a burst that is not
 * a positive number or a drain rate below zero.
 */
export function createLeakyBucket(rateLimit, clock) {
  if (rateLimit === undefined || rateLimit === false) return undefined;
  const { burst, drainPerSecond } = readRateLimit(rateLimit);

  // Kept as the counter at `since` (portal ms) and drained on reading, never below zero, so
  // no timer has to run and keep the process alive.
  let counter = 0;
  let since = clock.now();
  let refusals = 0;
  const levelAt = (at) => Math.max(0, counter - ((at - since) / 1000) * drainPerSecond);

  return {
    burst,
    drainPerSecond,

    /** The counter now, drained up to this moment. */
    level: () => levelAt(clock.now()),

    /** How many requests were refused since the start or the last `empty()`. */
    get refusals() {
      return refusals;
    },

    /**
     * Adds one request, or throws the portal's 503 when that would take the counter above
     * `burst`. A refused request adds nothing: how the real portal counts refused requests is
     * not documented, and this choice lets a client that backs off get through again.
     */
    add() {
      const at = clock.now();
      counter = levelAt(at);
      since = at;
      if (counter + 1 > burst) {
        refusals += 1;
        throw queryLimitExceeded();
      }
      counter += 1;
    },

    /** Forgets every request and refusal. */
    empty() {
      counter = 0;
      since = clock.now();
      refusals = 0;
    },
  };
}

function readRateLimit(rateLimit) {
  if (typeof rateLimit === 'string' && Object.hasOwn(PLANS, rateLimit)) return PLANS[rateLimit];
  if (!isPlainObject(rateLimit)) {
    throw new TypeError(
      "rateLimit must be false, 'standard', 'enterprise' or { burst, drainPerSecond }.",
    );
  }
  const { burst, drainPerSecond } = rateLimit;
  if (!(Number.isFinite(burst) && burst > 0)) {
    throw new TypeError('rateLimit.burst must be a positive number.');
  }
  if (!(Number.isFinite(drainPerSecond) && drainPerSecond >= 0)) {
    throw new TypeError('rateLimit.drainPerSecond must be a number of at least 0.');
  }
  return { burst, drainPerSecond };
}
