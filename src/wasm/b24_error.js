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
  constructor(init) {
    const description = init && typeof init.description === 'string' ? init.description : '';
    const code = init && typeof init.code === 'string' ? init.code : 'INTERNAL_ERROR';
    super(description ? code + ': ' + description : code);
    this.code = code;
    this.kind = init && typeof init.kind === 'string' ? init.kind : 'protocol';
    this.description = description;
    if (init && typeof init.status === 'number') this.status = init.status;
    this.retryable = Boolean(init && init.retryable);
    if (init && typeof init.field === 'string') this.field = init.field;
    if (init && Array.isArray(init.details)) this.details = init.details;
  }
}

Object.defineProperty(B24Error.prototype, 'name', {
  value: 'B24Error',
  writable: true,
  configurable: true,
});
