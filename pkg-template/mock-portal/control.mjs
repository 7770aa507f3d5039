// The `/__mock/` endpoints that let a browser page or another process steer the mock.

import { readBody } from './request-body.mjs';
import { redactRequest } from './redact.mjs';
import { send, sendJson } from './responses.mjs';

/** Paths under this prefix are control endpoints, never REST calls, and never logged. */
export const CONTROL_PREFIX = '/__mock/';

/**
 * Answers `POST /__mock/faults` (a fault or an array of them), `DELETE /__mock/faults`,
 * `POST /__mock/reset`, `GET /__mock/requests` (the request log, secrets removed) and
 * `POST /__mock/tokens` (`{"accessToken": ...}`, a freshly issued token).
 */
export async function handleControl(portal, request, response, path) {
  const body = await readBody(request);

  switch (`${request.method} ${path}`) {
    case 'POST /__mock/faults':
      return queueFaults(portal, body, response);
    case 'DELETE /__mock/faults':
      portal.clearFaults();
      return send(response, 204);
    case 'POST /__mock/reset':
      portal.reset();
      return send(response, 204);
    case 'POST /__mock/tokens':
      // The mock's own throwaway credential, handed out so another process can refresh.
      return sendJson(response, 200, { accessToken: portal.tokens.issue() });
    case 'GET /__mock/requests':
      return sendJson(
        response,
        200,
        portal.requests.map((entry) => redactRequest(entry, portal.webhookCode)),
      );
    default:
      return sendJson(response, 404, {
        error: 'NOT_FOUND',
        error_description: 'Unknown mock control endpoint.',
      });
  }
}

function queueFaults(portal, body, response) {
  try {
    portal.queueFaults([JSON.parse(body.text)].flat());
  } catch (error) {
    const description =
      error instanceof SyntaxError ? 'Invalid JSON in request body.' : error.message;
    return sendJson(response, 400, { error: 'INVALID_REQUEST', error_description: description });
  }
  return send(response, 204);
}
