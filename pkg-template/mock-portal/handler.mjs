// The path every request takes through the mock: preflight, control, fault, or REST call.

import { setTimeout as delay } from 'node:timers/promises';
import { authenticate, findToken, parseRoute } from './auth.mjs';
import { parseBracketNotation } from './bracket-notation.mjs';
import { CONTROL_PREFIX, handleControl } from './control.mjs';
import { methods } from './methods.mjs';
import { redactPath } from './redact.mjs';
import { parseParams, readBody } from './request-body.mjs';
import { now, send, sendJson, sendPreflight, timing } from './responses.mjs';
import { RestError, httpsRequired, internalError, methodNotFound } from './rest-error.mjs';

/**
 * Returns the `request` listener for the server of one transport ('http' or 'https'). Both
 * listeners share `portal`, the mock's state.
 */
export function createRequestHandler(portal, transport) {
  return async (request, response) => {
    try {
      await handle(portal, transport, request, response);
    } catch {
      // A delay cut short by close(), or a client gone mid-body: nobody is left to answer.
      if (portal.signal.aborted || response.headersSent) request.socket.destroy();
      else sendJson(response, 500, internalError().toBody());
    }
  };
}

async function handle(portal, transport, request, response) {
  const startedAt = now();
  const url = new URL(request.url, 'http://mock.invalid');
  const isControl = url.pathname.startsWith(CONTROL_PREFIX);

  if (request.method === 'OPTIONS') {
    return sendPreflight(
      request,
      response,
      isControl ? 'GET, POST, DELETE, OPTIONS' : 'GET, POST, OPTIONS',
    );
  }
  if (isControl) return handleControl(portal, request, response, url.pathname);

  // Taken on arrival, before the body is read, so concurrent calls take faults in order.
  const fault = url.pathname.startsWith('/rest/') ? portal.faults.take() : undefined;
  const call = await readCall(request, url);
  const entry = {
    time: new Date(startedAt).toISOString(),
    transport,
    httpMethod: request.method,
    path: url.pathname,
    query: call.query,
    headers: { ...request.headers },
    rawBody: call.rawBody,
    params: call.params,
    restMethod: call.route?.method,
    auth: call.route?.kind === 'webhook' ? 'webhook' : call.token ? 'oauth' : 'none',
    status: undefined,
    fault: fault !== undefined,
  };
  portal.requests.push(entry);
  const finish = (status) => {
    entry.status = status;
    const path = redactPath(entry.path, portal.webhookCode);
    portal.log?.(
      `${transport} ${request.method} ${path} ${status}${entry.fault ? ' (fault)' : ''}`,
    );
  };

  if (fault !== undefined && (await applyFault(portal, fault, request, response, finish))) return;
  try {
    const result = callMethod(portal, transport, call);
    sendJson(response, 200, { ...result, time: timing(startedAt) });
    finish(200);
  } catch (error) {
    const failure = error instanceof RestError ? error : internalError();
    sendJson(response, failure.status, failure.toBody());
    finish(failure.status);
  }
}

// Everything a REST call carries; `bodyError` instead of `params` when the body is unreadable.
async function readCall(request, url) {
  const body = await readBody(request);
  const query = parseBracketNotation(url.search);
  let params;
  let bodyError;
  try {
    params = parseParams(body, request.headers['content-type'], query);
  } catch (error) {
    bodyError = error;
  }
  const route = parseRoute(url.pathname);
  return { route, query, params, bodyError, token: findToken(params, query), rawBody: body.text };
}

// Resolves true when the fault answered (or dropped) the request, false when it is to be handled.
async function applyFault(portal, fault, request, response, finish) {
  if (fault.delayMs > 0) await delay(fault.delayMs, undefined, { signal: portal.signal });
  if (fault.drop) {
    request.socket.destroy();
    finish(0);
    return true;
  }
  if (fault.then === 'handle') return false;

  const { status, body, headers } = fault;
  const isJson = body !== null && typeof body === 'object';
  const type = isJson ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8';
  send(
    response,
    status,
    { 'content-type': type, ...headers },
    isJson ? JSON.stringify(body) : (body ?? ''),
  );
  finish(status);
  return true;
}

// The portal's own order: transport, then a readable body, then who calls, then what.
function callMethod(portal, transport, { route, params, bodyError, token }) {
  if (portal.requireHttps && transport === 'http') throw httpsRequired();
  if (bodyError !== undefined) throw bodyError;
  if (route === undefined) throw methodNotFound();
  authenticate(route, token, portal);
  const method = Object.hasOwn(methods, route.method) ? methods[route.method] : undefined;
  if (method === undefined) throw methodNotFound();
  return method(params, portal.data);
}
