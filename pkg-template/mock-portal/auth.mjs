// Where a request's path points and whether its webhook code or access token lets it in.

import { expiredToken, invalidToken, wrongAuthorization } from './rest-error.mjs';

/**
 * Reads `/rest/{userId}/{webhookCode}/{method}` (webhook) or `/rest/{method}` (OAuth).
 * The method name loses a `.json` suffix and its case. Undefined for any other path.
 */
export function parseRoute(path) {
  const parts = path.split('/').slice(1);
  if (parts[0] !== 'rest') return undefined;
  if (parts.length === 2 && parts[1] !== '') {
    return { kind: 'oauth', method: methodName(parts[1]) };
  }
  if (parts.length === 4 && parts[3] !== '') {
    return { kind: 'webhook', userId: parts[1], code: parts[2], method: methodName(parts[3]) };
  }
  return undefined;
}

/** A method name as the portal looks it up: without a `.json` suffix, in lower case. */
export function methodName(name) {
  return name.replace(/\.json$/i, '').toLowerCase();
}

/** The access token a request carries: the body's `auth` field, else the query's. */
export function findToken(params, query) {
  const token = params?.auth ?? query.auth;
  return typeof token === 'string' && token !== '' ? token : undefined;
}

/** Throws the portal's 401 when the webhook or token of `route` is not accepted. */
export function authenticate(route, token, portal) {
  if (route.kind === 'webhook') {
    if (route.userId !== String(portal.userId) || route.code !== portal.webhookCode) {
      throw wrongAuthorization();
    }
    return;
  }
  if (token === undefined) throw wrongAuthorization();
  const status = portal.tokens.status(token);
  if (status === 'expired') throw expiredToken();
  if (status !== 'valid') throw invalidToken();
}
