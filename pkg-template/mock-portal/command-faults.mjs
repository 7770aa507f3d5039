// The queue of failures a test arranges for single commands inside batches.

import { isPlainObject } from './request-body.mjs';

/**
 * A first-in, first-out queue; each command a batch reaches takes one use of the head fault and
 * fails with its error body instead of running.
 */
export function createCommandFaultQueue() {
  const queue = [];
  return {
    /** Appends a fault; throws a TypeError for one that is not shaped as documented. */
    add(fault) {
      queue.push(normalizeCommandFault(fault));
    },

    /** Takes one use of the head fault: its `{ error, error_description }`, or undefined. */
    take() {
      const head = queue[0];
      if (head === undefined) return undefined;
      head.remaining -= 1;
      if (head.remaining <= 0) queue.shift();
      return { error: head.error, error_description: head.error_description };
    },

    clear() {
      queue.length = 0;
    },
  };
}

function normalizeCommandFault(fault) {
  if (!isPlainObject(fault)) throw new TypeError('A command fault must be an object.');
  const {
    error = 'INTERNAL_SERVER_ERROR',
    error_description = 'Internal server error',
    times = 1,
  } = fault;
  // A string, even an empty one: the bindings methods answer their own errors with `""`.
  if (typeof error !== 'string' || typeof error_description !== 'string') {
    throw new TypeError('A command fault error and error_description must be strings.');
  }
  if (!(Number.isInteger(times) && times > 0)) {
    throw new TypeError('A command fault must apply to a whole number of commands, at least 1.');
  }
  return { error, error_description, remaining: times };
}
