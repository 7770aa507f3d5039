// Waiting helpers for tests that watch a call over time: poll for a condition, and time when a
// promise settles without letting a rejection escape.
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Resolves once `condition()` holds, checking every few milliseconds; rejects when it still does
 * not hold after `timeoutMs`, naming `what` was awaited.
 */
export async function waitUntil(condition, what, timeoutMs = 5000) {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`still waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * Watches `promise` from now on. `settled` resolves with `{ value }` or `{ error }` and `at`, the
 * `performance.now()` of settling; `isSettled()` says whether that happened yet.
 */
export function watch(promise) {
  let settledAt;
  const settled = promise.then(
    (value) => ({ value }),
    (error) => ({ error }),
  );
  const timed = settled.then((outcome) => {
    settledAt = performance.now();
    return { ...outcome, at: settledAt };
  });
  return { settled: timed, isSettled: () => settledAt !== undefined };
}
