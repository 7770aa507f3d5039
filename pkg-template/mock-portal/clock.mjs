// The portal's clock: real time, optionally running faster so limits drain within a test.

import { now } from './responses.mjs';

/**
 * Returns the clock the limits and the `time` block read. It starts at the real time and then
 * runs `timeScale` times as fast as real time, so `timeScale: 20` turns a minute into three real
 * seconds (and a value below 1 slows it down). Throws a TypeError for a scale that is not a
 * positive number.
 */
export function createPortalClock(timeScale = 1) {
  if (!(typeof timeScale === 'number' && Number.isFinite(timeScale) && timeScale > 0)) {
    throw new TypeError('timeScale must be a positive number.');
  }
  const startedAt = now();
  return {
    timeScale,

    /** Milliseconds since the Unix epoch, as the portal sees them. */
    now: () => startedAt + (now() - startedAt) * timeScale,
  };
}
