// How the mock writes its answers: CORS headers, JSON bodies and the `time` block.

/** Sent on every answer, so pages on any origin can call the mock and read its headers. */
export const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': '*',
};

const JSON_TYPE = 'application/json; charset=utf-8';

/** Answers with `body` as JSON. */
export function sendJson(response, status, body) {
  send(response, status, { 'content-type': JSON_TYPE }, JSON.stringify(body));
}

/** Answers with the given headers (after the CORS ones, so they may override them) and body. */
export function send(response, status, headers = {}, body = '') {
  response.writeHead(status, { ...CORS_HEADERS, ...headers });
  response.end(body);
}

/** Answers a CORS preflight; `methods` lists what the path accepts. */
export function sendPreflight(request, response, methods) {
  response.writeHead(204, {
    ...CORS_HEADERS,
    'access-control-allow-methods': methods,
    'access-control-allow-headers':
      request.headers['access-control-request-headers'] ?? 'Content-Type, Accept',
    'access-control-max-age': '600',
  });
  response.end();
}

/** The current time in milliseconds, finer than `Date.now()` so durations are not all zero. */
export function now() {
  return performance.timeOrigin + performance.now();
}

/**
 * The `time` block of a success body, for a call that started at `startedAt` and finished at
 * `finishedAt` (ms on the portal clock, so with a `timeScale` every figure is portal time).
 * `operating` holds the operating-time limit's `operating` and `operating_reset_at` when that
 * limit is on; without it, `operating` is the call's own processing time and the reset is ten
 * minutes after the start.
 */
export function timing(startedAt, finishedAt, operating) {
  const start = startedAt / 1000;
  const finish = finishedAt / 1000;
  return {
    start,
    finish,
    duration: finish - start,
    processing: finish - start,
    date_start: isoWithOffset(startedAt),
    date_finish: isoWithOffset(finishedAt),
    operating_reset_at: operating?.operating_reset_at ?? Math.floor(start) + 600,
    operating: operating?.operating ?? finish - start,
  };
}

// The portal writes `2024-04-03T10:26:32+02:00`: seconds and a numeric offset, never `Z`.
function isoWithOffset(milliseconds) {
  return new Date(milliseconds).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}
