// The `/__mock/` endpoints that let a browser page or another process steer the mock.

import { readBody } from './request-body.mjs';
import { redactRequest } from './redact.mjs';
import { send, sendJson } from './responses.mjs';

/** Paths under this prefix are control endpoints, never REST calls, and never logged. */
export const CONTROL_PREFIX = '/__mock/';

/**
 * Answers `POST /__mock/faults` (a fault or an array of them), `POST /__mock/command-faults`
 * (one fault for commands inside batches), `DELETE /__mock/faults` (both queues),
 * `POST /__mock/reset`, `GET /__mock/requests` (the request log, secrets removed) and
 * `POST /__mock/tokens` (`{"accessToken": ...}`, a freshly issued token).
 */
export async function handleControl(portal, request, response, path) {
  const body = await readBody(request);

  switch (`${request.method} ${path}`) {
    case 'POST /__mock/faults':
      return queueFaults(body, response, (faults) => portal.queueFaults([faults].flat()));
    case 'POST /__mock/command-faults':
      return queueFaults(body, response, portal.queueCommandFault);
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

// Queues what the body describes with `queue`; a 400 when it is not JSON or not a fault.
function queueFaults(body, response, queue) {
  try {
    queue(JSON.parse(body.text));
  } catch (error) {
    const description =
      error instanceof SyntaxError ? 'Invalid JSON in request body.' : error.message;
    return sendJson(response, 400, { error: 'INVALID_REQUEST', error_description: description });
  }
  return send(response, 204);
}
