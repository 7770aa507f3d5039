// The path every request takes through the mock: preflight, control, fault, limit, or REST call.

import { setTimeout as delay } from 'node:timers/promises';
import { authenticate, findToken, parseRoute } from './auth.mjs';
import { runBatch } from './batch.mjs';
import { parseBracketNotation } from './bracket-notation.mjs';
import { CONTROL_PREFIX, handleControl } from './control.mjs';
import { redactPath } from './redact.mjs';
import { parseParams, readBody } from './request-body.mjs';
import { now, send, sendJson, sendPreflight, timing } from './responses.mjs';
import { RestError, httpsRequired, internalError, methodNotFound } from './rest-error.mjs';
import { runMethod } from './run-method.mjs';

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
  // The log keeps real time; the answer's `time` block and the limits run on the portal clock.
  const arrivedAt = now();
  const startedAt = portal.clock.now();
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

  // Taken on arrival, before the body is read, so concurrent calls take faults and room in the
  // bucket in the order they came.
  const isRest = url.pathname.startsWith('/rest/');
  const fault = isRest ? portal.faults.take() : undefined;
  const refusal = isRest && !answersInstead(fault) ? takeRoom(portal) : undefined;
  const call = await readCall(request, url);
  const entry = {
    time: new Date(arrivedAt).toISOString(),
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
    commands: undefined,
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
    if (refusal !== undefined) throw refusal;
    const { body, operating, commands } = callMethod(portal, transport, call, startedAt);
    entry.commands = commands;
    sendJson(response, 200, { ...body, time: timing(startedAt, portal.clock.now(), operating) });
    finish(200);
  } catch (error) {
    const failure = error instanceof RestError ? error : internalError();
    sendJson(response, failure.status, failure.toBody());
    finish(failure.status);
  }
}

// A fault that answers or drops the request stands for the portal, which then never sees it.
function answersInstead(fault) {
  return fault !== undefined && (fault.drop || fault.then !== 'handle');
}

// Counts the request against the portal's bucket; the 503 to answer when it is full.
function takeRoom(portal) {
  try {
    portal.bucket?.add();
    return undefined;
  } catch (error) {
    return error;
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

/**
 * Runs the call in the portal's own order: transport, then a readable body, then who calls,
 * then what, then whether the method's operating time allows a call that started at
 * `startedAt` (portal ms). Returns the success `body` (without `time`) and either, with an
 * operating-time limit, the method's `operating` figures or, for a batch, the `commands` it ran.
 */
function callMethod(portal, transport, { route, params, bodyError, token }, startedAt) {
  if (portal.requireHttps && transport === 'http') throw httpsRequired();
  if (bodyError !== undefined) throw bodyError;
  if (route === undefined) throw methodNotFound();
  authenticate(route, token, portal);

  // A batch spends no operating time of its own: each command counts toward its own method.
  if (route.method === 'batch') return runBatch(portal, params);
  return runMethod(portal, route.method, params, startedAt);
}
