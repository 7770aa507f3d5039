// The OAuth access tokens the portal accepts, when each was issued and which have expired.

import { randomBytes } from 'node:crypto';

/**
 * Keeps the tokens: `accessToken` issued at start, the `expiredTokens` option's list expired
 * from the start, and any issued later. With `tokenLifetimeMs` each token expires that many real
 * milliseconds after it was issued (the portal clock's scale does not apply: token lifetimes
 * are about a client's refresh logic, not about draining limits). Throws a TypeError for a
 * lifetime that is not a positive number.
 */
export function createTokenStore({ accessToken, expiredTokens = [], tokenLifetimeMs }) {
  const lives = tokenLifetimeMs !== undefined;
  if (lives && !(Number.isFinite(tokenLifetimeMs) && tokenLifetimeMs > 0)) {
    throw new TypeError('tokenLifetimeMs must be a positive number of milliseconds.');
  }
  // Token → the real time (ms, monotonic) it was issued at.
  const issuedAt = new Map();
  const expired = new Set();
  const issue = (token = randomToken()) => {
    issuedAt.set(token, performance.now());
    return token;
  };
  const start = () => {
    issuedAt.clear();
    expired.clear();
    for (const token of expiredTokens) expired.add(token);
    issue(accessToken);
  };
  start();

  return {
    /** Issues and returns a fresh token, valid for the lifetime from now. */
    issue: () => issue(),

    /** Makes `token` answer `expired_token` from now on, whether it was issued or not. */
    expire(token) {
      expired.add(token);
    },

    /** `'valid'`, `'expired'`, or `'unknown'` for a token this portal never issued. */
    status(token) {
      if (expired.has(token)) return 'expired';
      if (!issuedAt.has(token)) return 'unknown';
      const outlived = lives && performance.now() - issuedAt.get(token) >= tokenLifetimeMs;
      return outlived ? 'expired' : 'valid';
    },

    /** Back to the state at start: only `accessToken` valid, its lifetime starting again. */
    reset: start,
  };
}

/** 32 hex digits, the shape of the mock's default access token. */
export function randomToken() {
  return randomBytes(16).toString('hex');
}
