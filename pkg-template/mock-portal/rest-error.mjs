// The error a portal answers with: an HTTP status plus Bitrix24's `error` / `error_description`.

/**
 * A REST failure the mock answers as `{"error": code, "error_description": description}`, plus
 * any `extra` fields the portal sends with that failure (the `time` of a 429).
 */
export class RestError extends Error {
  constructor(status, code, description, extra = {}) {
    super(description);
    this.status = status;
    this.code = code;
    this.extra = extra;
  }

  /** The JSON body a real portal sends for this failure. */
  toBody() {
    return { error: this.code, error_description: this.message, ...this.extra };
  }
}

/** A method's own validation failure: the portal leaves `error` empty for these. */
export function invalidArgument(description) {
  return new RestError(400, '', description);
}

export const wrongAuthorization = () =>
  new RestError(401, 'NO_AUTH_FOUND', 'Wrong authorization data');
export const invalidToken = () =>
  new RestError(401, 'invalid_token', 'The access token provided is invalid.');
export const expiredToken = () =>
  new RestError(401, 'expired_token', 'The access token provided has expired.');
export const httpsRequired = () => new RestError(400, 'INVALID_REQUEST', 'Https required.');
export const methodNotFound = () =>
  new RestError(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!');
export const invalidJson = () =>
  new RestError(400, 'INVALID_REQUEST', 'Invalid JSON in request body.');
export const bodyTooLarge = () => new RestError(413, 'INVALID_REQUEST', 'Request body too large.');
export const internalError = () =>
  new RestError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
export const batchLengthExceeded = () =>
  new RestError(400, 'ERROR_BATCH_LENGTH_EXCEEDED', 'Max batch length exceeded');
export const batchMethodNotAllowed = () =>
  new RestError(405, 'ERROR_BATCH_METHOD_NOT_ALLOWED', 'Method is not allowed for batch usage');
export const queryLimitExceeded = () =>
  new RestError(503, 'QUERY_LIMIT_EXCEEDED', 'Too many requests');
/** `time` holds the method's `operating` sum and its `operating_reset_at`, as the portal sends. */
export const operationTimeLimit = (time) =>
  new RestError(429, 'OPERATION_TIME_LIMIT', 'Method is blocked due to operation time limit.', {
    time,
  });
