/**
 * The one error every b24-timeline call fails with.
 *
 * Switch on `code` (the portal's code, or one of the package's own such as
 * `OWNER_ID_INVALID` or `NETWORK_ERROR`) or on `kind`, never on the message.
 * `retryable` says whether the same call may succeed later. `status` is the
 * HTTP status when the portal answered. Field errors carry `field`, the first
 * invalid field, and `details`, every invalid field.
 *
 * No property, the message and the stack included, ever holds a webhook code
 * or an access token.
 */
export class B24Error extends Error {
  constructor({ code = 'INTERNAL_ERROR', kind = 'protocol', description = '', status, retryable = false, field, details } = {}) {
    super(description ? code + ': ' + description : code);
    this.code = code;
    this.kind = kind;
    this.description = description;
    if (status !== undefined) this.status = status;
    this.retryable = retryable;
    if (field !== undefined) this.field = field;
    if (details !== undefined) this.details = details;
  }
}

Object.defineProperty(B24Error.prototype, 'name', {
  value: 'B24Error',
  writable: true,
  configurable: true,
});

// How the package makes its errors: the fields one by one, so the module needs
// no serialiser code for them. `detailsJson` is the JSON of the field issues.
export function makeB24Error(code, kind, description, status, retryable, field, detailsJson) {
  const details = detailsJson === undefined ? undefined : JSON.parse(detailsJson);
  return new B24Error({ code, kind, description, status, retryable, field, details });
}
