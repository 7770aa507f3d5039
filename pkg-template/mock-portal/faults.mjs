// The queue of faults a test arranges: wrong answers, slow answers and dropped connections.

import { isPlainObject } from './request-body.mjs';

/** A first-in, first-out queue; each `/rest/` request takes one use of the head fault. */
export function createFaultQueue() {
  const queue = [];
  return {
    /** Appends faults, after checking all of them, so a bad one queues none. */
    add(...faults) {
      queue.push(...faults.map(normalizeFault));
    },

    /** Takes one use of the head fault; undefined when none is queued. */
    take() {
      const head = queue[0];
      if (head === undefined) return undefined;
      head.remaining -= 1;
      if (head.remaining <= 0) queue.shift();
      return head;
    },

    clear() {
      queue.length = 0;
    },
  };
}

function normalizeFault(fault) {
  if (!isPlainObject(fault)) throw new TypeError('A fault must be an object.');
  const { status = 200, body, headers = {}, delayMs = 0, drop = false, then, times = 1 } = fault;
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    throw new TypeError('A fault status must be an HTTP status code.');
  }
  if (!(times > 0)) throw new TypeError('A fault must apply at least once.');
  // Lower-case names, so a fault's `Content-Type` replaces the default instead of doubling it.
  const lowerCased = Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  return {
    status,
    body,
    headers: lowerCased,
    delayMs: Number(delayMs) || 0,
    drop,
    then,
    remaining: times,
  };
}
