// Specification of how bindTimeline fails: portal and system errors, unusable answers, network
// failures, timeouts and aborts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startMockPortal } from '../../pkg-template/mock-portal/index.mjs';
import {
  DOCUMENTED_FIELDS,
  bind,
  countingFetch,
  expectRejection,
  oauthOf,
  since,
  usePortal,
  webhookOf,
} from './support/portal.mjs';

const EXPIRED_TOKEN = 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5';
const mock = usePortal({ expiredTokens: [EXPIRED_TOKEN] });

// One attempt per call, so a queued fault is the whole story of a call whatever retry policy
// the package has by default.
const ONCE = { maxAttempts: 1 };

/** Binds `fields` (the documented ones by default) through the portal's webhook, once. */
const bindOnce = (options = {}, fields = DOCUMENTED_FIELDS) =>
  bind({ ...fields }, { ...webhookOf(mock.portal), ...ONCE, ...options });

/** Checks that an ordinary call succeeds, as it must after any failure. */
async function assertNextCallWorks() {
  const answer = await bind({ ...DOCUMENTED_FIELDS }, webhookOf(mock.portal));
  assert.equal(answer.result, true, 'the call after the failure did not bind');
}

/**
 * Aborts `controller` with `reason` once `afterMs` passed, then waits for `promise` to reject;
 * answers the error and how long after the abort it came.
 */
async function abortDuring(promise, controller, reason, afterMs = 100) {
  let settledAt;
  const outcome = promise.then(
    (value) => ({ value }),
    (error) => ({ error }),
  );
  outcome.then(() => (settledAt = performance.now()));

  await new Promise((resolve) => setTimeout(resolve, afterMs));
  assert.equal(settledAt, undefined, 'the call settled before the abort');
  const abortedAt = performance.now();
  if (reason === undefined) controller.abort();
  else controller.abort(reason);

  const { value, error } = await outcome;
  assert.equal(value, undefined, `resolved with ${JSON.stringify(value)} after the abort`);
  return { error, settledAfter: settledAt - abortedAt };
}

describe('errors of the method, as the mock portal answers them', () => {
  it('rejects an unknown timeline record with OWNER_ID_INVALID and the portal sentence', async () => {
    await expectRejection(bindOnce({}, { ...DOCUMENTED_FIELDS, OWNER_ID: 9999 }), {
      code: 'OWNER_ID_INVALID',
      status: 400,
      field: 'OWNER_ID',
      description: 'OWNER_ID is not defined or invalid.',
      retryable: false,
    });
    assert.equal(mock.portal.requests.length, 1);
  });

  it('rejects an unknown entity with ENTITY_ID_INVALID and the portal sentence', async () => {
    await expectRejection(bindOnce({}, { ...DOCUMENTED_FIELDS, ENTITY_ID: 999 }), {
      code: 'ENTITY_ID_INVALID',
      status: 400,
      field: 'ENTITY_ID',
      description: 'ENTITY_ID is not defined or invalid.',
      retryable: false,
    });
  });

  it('rejects a deal the user may not edit with ACCESS_DENIED of kind permission', async () => {
    await expectRejection(bindOnce({}, { ...DOCUMENTED_FIELDS, ENTITY_ID: 13 }), {
      code: 'ACCESS_DENIED',
      kind: 'permission',
      status: 400,
      description: 'Access denied.',
      retryable: false,
    });
  });

  it('rejects a wrong webhook code with NO_AUTH_FOUND of kind auth', async () => {
    const webhookUrl = `${mock.portal.url}/rest/${mock.portal.userId}/wrongcode0000000/`;

    await expectRejection(bind({ ...DOCUMENTED_FIELDS }, { webhookUrl, ...ONCE }), {
      code: 'NO_AUTH_FOUND',
      kind: 'auth',
      status: 401,
    });
  });

  it('rejects an unknown OAuth token with invalid_token of kind auth', async () => {
    const connection = { ...oauthOf(mock.portal), accessToken: 'ffffffffffffffffffffffffffffffff' };

    await expectRejection(bind({ ...DOCUMENTED_FIELDS }, { ...connection, ...ONCE }), {
      code: 'invalid_token',
      kind: 'auth',
      status: 401,
    });
  });

  it('rejects an expired OAuth token with expired_token of kind auth', async () => {
    const connection = { ...oauthOf(mock.portal), accessToken: EXPIRED_TOKEN };

    await expectRejection(bind({ ...DOCUMENTED_FIELDS }, { ...connection, ...ONCE }), {
      code: 'expired_token',
      kind: 'auth',
      status: 401,
      description: 'The access token provided has expired.',
    });
  });
});

describe('errors with an empty code, read from the description', () => {
  // The portal leaves `error` empty for the method's own failures; the meaning is the text.
  const EMPTY_CODE_ERRORS = [
    {
      status: 400,
      description: 'OWNER_ID is not defined or invalid.',
      expected: { code: 'OWNER_ID_INVALID', field: 'OWNER_ID' },
    },
    {
      status: 400,
      description: 'ENTITY_ID is not defined or invalid.',
      expected: { code: 'ENTITY_ID_INVALID', field: 'ENTITY_ID' },
    },
    {
      status: 400,
      description: 'ENTITY_TYPE is not defined or invalid.',
      expected: { code: 'ENTITY_TYPE_INVALID', field: 'ENTITY_TYPE' },
    },
    {
      status: 400,
      description: 'Access denied.',
      expected: { code: 'ACCESS_DENIED', kind: 'permission' },
    },
    {
      status: 400,
      description: 'Access denied',
      expected: { code: 'ACCESS_DENIED', kind: 'permission' },
    },
    {
      status: 400,
      description: 'Something nobody documented went wrong.',
      expected: { code: 'UNKNOWN_ERROR', kind: 'protocol', retryable: false },
    },
    {
      status: 500,
      description: 'Something nobody documented went wrong.',
      expected: { code: 'UNKNOWN_ERROR', kind: 'server', retryable: true },
    },
  ];

  for (const { status, description, expected } of EMPTY_CODE_ERRORS) {
    it(`reads "${description}" with HTTP ${status} as ${expected.code}`, async () => {
      mock.portal.queueFault({ status, body: { error: '', error_description: description } });

      await expectRejection(bindOnce(), { ...expected, status, description });
    });
  }

  it('reads a numeric error code 0 like an empty one', async () => {
    const description = 'OWNER_ID is not defined or invalid.';
    mock.portal.queueFault({ status: 400, body: { error: 0, error_description: description } });

    await expectRejection(bindOnce(), {
      code: 'OWNER_ID_INVALID',
      field: 'OWNER_ID',
      status: 400,
      description,
    });
  });
});

describe('system errors any method can answer', () => {
  // The documentation's table of system errors, with the kind and retry advice each one gets.
  // `retryable` is left out where the documentation gives no advice.
  const SYSTEM_ERRORS = [
    [503, 'QUERY_LIMIT_EXCEEDED', 'Too many requests', 'rate_limit', true],
    [
      429,
      'OPERATION_TIME_LIMIT',
      'Method is blocked due to operation time limit.',
      'rate_limit',
      true,
    ],
    [503, 'OVERLOAD_LIMIT', 'REST API is blocked due to overload', 'rate_limit', false],
    [500, 'INTERNAL_SERVER_ERROR', 'Internal server error', 'server', true],
    [500, 'ERROR_UNEXPECTED_ANSWER', 'Server returned an unexpected response', 'server', true],
    [500, 'PORTAL_DELETED', 'Portal was deleted', 'server', false],
    [401, 'NO_AUTH_FOUND', 'Wrong authorization data', 'auth'],
    [401, 'expired_token', 'The access token provided has expired', 'auth'],
    [401, 'invalid_token', 'The access token provided is invalid', 'auth'],
    [403, 'ACCESS_DENIED', 'REST API is available only on commercial plans', 'permission'],
    [403, 'INVALID_CREDENTIALS', 'Invalid request credentials', 'permission'],
    [
      403,
      'insufficient_scope',
      'The request requires higher privileges than provided by the webhook token',
      'permission',
    ],
    [403, 'user_access_error', 'The user does not have access to the application', 'permission'],
    [400, 'INVALID_REQUEST', 'Https required', 'protocol', false],
    [400, 'ERROR_BATCH_LENGTH_EXCEEDED', 'Max batch length exceeded', 'protocol', false],
    [
      405,
      'ERROR_BATCH_METHOD_NOT_ALLOWED',
      'Method is not allowed for batch usage',
      'protocol',
      false,
    ],
    [404, 'ERROR_MANIFEST_IS_NOT_AVAILABLE', 'Manifest is not available', 'protocol', false],
    [400, 'SOME_NEW_CODE', 'A code this package has never seen', 'protocol', false],
    [502, 'SOME_NEW_CODE', 'A code this package has never seen', 'server', true],
  ];

  for (const [status, code, description, kind, retryable] of SYSTEM_ERRORS) {
    const advice = retryable === undefined ? '' : retryable ? ', retryable' : ', not retryable';
    it(`reports ${code} with HTTP ${status} as kind ${kind}${advice}`, async () => {
      mock.portal.queueFault({ status, body: { error: code, error_description: description } });

      const expected = { code, kind, status, description };
      if (retryable !== undefined) expected.retryable = retryable;
      await expectRejection(bindOnce(), expected);
      assert.equal(mock.portal.requests.length, 1);
    });
  }
});

describe('answers that are not a usable response', () => {
  const html = '<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>';
  const asJson = { 'content-type': 'application/json' };

  const UNUSABLE_ANSWERS = [
    ['an HTML page', 200, html],
    ['an HTML page with HTTP 502', 502, html],
    ['an empty body', 200, ''],
    ['an empty body with HTTP 503', 503, ''],
    ['truncated JSON', 200, '{"result":tr', asJson],
    ['truncated JSON with HTTP 500', 500, '{"error":"INTERNAL_SERV', asJson],
    ['a JSON array', 200, '[true]', asJson],
    ['an empty JSON object', 200, '{}', asJson],
    ['JSON null', 200, 'null', asJson],
    ['a result that is a string', 200, '{"result":"true"}', asJson],
    ['a result that is a number', 200, '{"result":1}', asJson],
    ['a result that is an object', 200, '{"result":{}}', asJson],
    ['an error that is an object', 400, '{"error":{"code":"X"},"error_description":"Y"}', asJson],
    [
      'an error that is an object with HTTP 500',
      500,
      '{"error":{"code":"X"},"error_description":"Y"}',
      asJson,
    ],
  ];

  for (const [label, status, body, headers] of UNUSABLE_ANSWERS) {
    const retryable = status >= 500;
    it(`rejects ${label} with INVALID_RESPONSE, ${retryable ? '' : 'not '}retryable, and recovers`, async () => {
      mock.portal.queueFault({ status, body, headers });

      await expectRejection(bindOnce(), {
        code: 'INVALID_RESPONSE',
        kind: 'protocol',
        retryable,
        status,
      });
      await assertNextCallWorks();
    });
  }
});

describe('network failures', () => {
  it('rejects a dropped connection with NETWORK_ERROR, retryable, without a status', async () => {
    mock.portal.queueFault({ drop: true });

    await expectRejection(bindOnce(), {
      code: 'NETWORK_ERROR',
      kind: 'network',
      retryable: true,
      status: undefined,
    });
    await assertNextCallWorks();
  });

  it('rejects a connection dropped over OAuth with NETWORK_ERROR', async () => {
    mock.portal.queueFault({ drop: true });

    await expectRejection(bind({ ...DOCUMENTED_FIELDS }, { ...oauthOf(mock.portal), ...ONCE }), {
      code: 'NETWORK_ERROR',
      kind: 'network',
      retryable: true,
      status: undefined,
    });
  });

  it('rejects a refused connection with NETWORK_ERROR, retryable, without a status', async () => {
    const closed = await startMockPortal();
    const webhookUrl = closed.webhookUrl;
    await closed.close();

    await expectRejection(bind({ ...DOCUMENTED_FIELDS }, { webhookUrl, ...ONCE }), {
      code: 'NETWORK_ERROR',
      kind: 'network',
      retryable: true,
      status: undefined,
    });
  });
});

describe('timeoutMs', () => {
  it('rejects with TIMEOUT close to the timeout, not after the slow answer', async () => {
    mock.portal.queueFault({ delayMs: 3000, then: 'handle' });
    const start = performance.now();

    await expectRejection(bindOnce({ timeoutMs: 200 }), {
      code: 'TIMEOUT',
      kind: 'network',
      retryable: true,
      status: undefined,
    });

    const elapsed = since(start);
    assert.ok(elapsed >= 150, `rejected after ${elapsed} ms, before the timeout`);
    assert.ok(elapsed < 1500, `rejected after ${elapsed} ms`);
  });

  it('resolves a slow answer that arrives within the timeout', async () => {
    mock.portal.queueFault({ delayMs: 150, then: 'handle' });

    const answer = await bindOnce({ timeoutMs: 5000 });

    assert.equal(answer.result, true);
  });

  it('lets the next call bind after a timeout', async () => {
    mock.portal.queueFault({ delayMs: 3000, then: 'handle' });

    await expectRejection(bindOnce({ timeoutMs: 100 }), { code: 'TIMEOUT' });
    await assertNextCallWorks();
  });
});

describe('signal', () => {
  const ABORT_REASONS = [
    ['no reason', undefined],
    ['a string reason', 'the user closed the page'],
    ['a plain-object reason', { why: 'navigation' }],
    ['a number reason', 42],
    ['an Error reason', new Error('cancelled by the caller')],
  ];

  for (const [label, reason] of ABORT_REASONS) {
    it(`rejects with ABORTED before sending when the signal is already aborted with ${label}`, async () => {
      const signal = reason === undefined ? AbortSignal.abort() : AbortSignal.abort(reason);
      const { fetch, calls } = countingFetch();

      await expectRejection(bindOnce({ signal, fetch }), {
        code: 'ABORTED',
        kind: 'aborted',
        status: undefined,
      });
      assert.equal(calls.length, 0, 'fetch was called');
      assert.equal(mock.portal.requests.length, 0);
    });

    it(`rejects promptly with ABORTED when aborted with ${label} during a slow request`, async () => {
      mock.portal.queueFault({ delayMs: 3000, then: 'handle' });
      const controller = new AbortController();

      const { error, settledAfter } = await abortDuring(
        bindOnce({ signal: controller.signal }),
        controller,
        reason,
      );

      await expectRejection(Promise.reject(error), {
        code: 'ABORTED',
        kind: 'aborted',
        status: undefined,
      });
      assert.ok(settledAfter < 500, `settled ${settledAfter} ms after the abort`);
    });
  }

  it('lets the next call bind after an abort', async () => {
    mock.portal.queueFault({ delayMs: 3000, then: 'handle' });
    const controller = new AbortController();

    await abortDuring(bindOnce({ signal: controller.signal }), controller, 'stop');
    await assertNextCallWorks();
  });
});
