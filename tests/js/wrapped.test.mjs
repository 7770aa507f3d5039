// Specification of binding through a client the app already holds: the real
// official SDK (@bitrix24/b24jssdk, a B24Hook over HTTPS) and a BX24 stand-in.
// One table of outcomes runs over all three transports: what fetch reports,
// $b24 and BX24 must report too.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, beforeEach, describe, it } from 'node:test';
import { B24Hook, ParamsFactory } from '@bitrix24/b24jssdk';
import { B24Error, bindTimeline, createClient } from '../../pkg/node.mjs';
import { startMockPortal } from '../../pkg-template/mock-portal/index.mjs';
import { createBX24 } from './support/bx24-stand-in.mjs';
import { trustedCertificate } from './support/tls.mjs';

const FIELDS = { OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' };
const DID_NOT_REACH = /^The request did not reach the portal/;

let portal;
let sdk;
let bx24;
const thrownByBX24 = [];

before(async () => {
  portal = await startMockPortal({ https: true, certificate: await trustedCertificate() });
  sdk = B24Hook.fromWebhookUrl(portal.httpsWebhookUrl);
  // The SDK retries 5xx and rate-limit answers on its own, for seconds; one
  // attempt keeps each row to one request. The package adds no retries of its own.
  await sdk.setRestrictionManagerParams({ ...ParamsFactory.getDefault(), maxRetries: 1, retryDelay: 10 });
  bx24 = createBX24({
    portalUrl: portal.portalUrl,
    accessToken: portal.accessToken,
    onThrow: (error) => thrownByBX24.push(error),
  });
  await new Promise((resolve) => bx24.init(resolve));
});

after(() => portal.close());

beforeEach(() => {
  portal.reset();
  thrownByBX24.length = 0;
});

/** The transports, each as the connection options a call passes. */
// One attempt each: the table is about what one answer means, not about retries.
const TRANSPORTS = {
  fetch: () => ({ webhookUrl: portal.webhookUrl, maxAttempts: 1 }),
  'b24 actions.v2.call.make': () => ({ b24: sdk }),
  // An object with only callMethod, as SDK 1.x instances are, delegating to the real SDK.
  'b24 callMethod': () => ({ b24: { callMethod: (method, params) => sdk.callMethod(method, params) } }),
  // BX24 throws instead of calling back on some answers; the timeout ends the wait then.
  BX24: () => ({ bx24, timeoutMs: 400, maxAttempts: 1 }),
};

/** What a call came to, in the terms every transport must agree on. */
async function outcomeOf(promise) {
  try {
    const { result, time } = await promise;
    return { result, hasTime: typeof time?.duration === 'number' };
  } catch (error) {
    assert.ok(error instanceof B24Error, `a B24Error, not ${inspect(error)}`);
    const { code, kind, description, status, retryable, field, details } = error;
    return { code, kind, description, status, retryable, field, details };
  }
}

const portalError = (status, error, description) => ({
  fault: { status, body: { error, error_description: description } },
});

/**
 * BX24 throws instead of calling back on 5xx and unreadable answers, so the
 * portal's code never reaches the wrapper; the caller's timeout ends the call.
 */
const bx24LosesTheAnswer = { code: 'TIMEOUT', kind: 'network', description: 'The portal did not answer within timeoutMs.', status: undefined, retryable: true, throws: true };

/**
 * Each row: how to provoke the outcome (fields and/or a queued fault), what
 * fetch reports, and where a transport cannot report the same, what it does
 * instead and why.
 */
const ROWS = [
  { name: 'a binding made', expect: { result: true, hasTime: true } },
  { name: 'a binding not made', fault: { status: 200, body: { result: false, time: { duration: 0.1 } } }, expect: { result: false, hasTime: true } },
  {
    name: 'an unknown timeline record',
    fields: { ...FIELDS, OWNER_ID: 9999 },
    expect: { code: 'OWNER_ID_INVALID', kind: 'validation', description: 'OWNER_ID is not defined or invalid.', status: 400, retryable: false, field: 'OWNER_ID', details: [{ field: 'OWNER_ID', code: 'OWNER_ID_INVALID', description: 'OWNER_ID is not defined or invalid.' }] },
  },
  {
    name: 'an unknown entity',
    fields: { ...FIELDS, ENTITY_ID: 999 },
    expect: { code: 'ENTITY_ID_INVALID', kind: 'validation', description: 'ENTITY_ID is not defined or invalid.', status: 400, retryable: false, field: 'ENTITY_ID', details: [{ field: 'ENTITY_ID', code: 'ENTITY_ID_INVALID', description: 'ENTITY_ID is not defined or invalid.' }] },
  },
  {
    name: 'an entity type the portal refuses',
    ...portalError(400, '', 'ENTITY_TYPE is not defined or invalid.'),
    expect: { code: 'ENTITY_TYPE_INVALID', kind: 'validation', description: 'ENTITY_TYPE is not defined or invalid.', status: 400, retryable: false, field: 'ENTITY_TYPE', details: [{ field: 'ENTITY_TYPE', code: 'ENTITY_TYPE_INVALID', description: 'ENTITY_TYPE is not defined or invalid.' }] },
  },
  {
    name: 'an entity the user may not edit',
    fields: { ...FIELDS, ENTITY_ID: 13 },
    expect: { code: 'ACCESS_DENIED', kind: 'permission', description: 'Access denied.', status: 400, retryable: false },
  },
  {
    name: 'an empty-code error of unknown meaning',
    ...portalError(400, '', 'Something new.'),
    expect: { code: 'UNKNOWN_ERROR', kind: 'protocol', description: 'Something new.', status: 400, retryable: false },
  },
  ...[
    [401, 'NO_AUTH_FOUND', 'auth'],
    [401, 'expired_token', 'auth'],
    [401, 'invalid_token', 'auth'],
    [403, 'ACCESS_DENIED', 'permission'],
    [403, 'INVALID_CREDENTIALS', 'permission'],
    [403, 'insufficient_scope', 'permission'],
    [403, 'user_access_error', 'permission'],
    [400, 'INVALID_REQUEST', 'protocol'],
    [400, 'ERROR_BATCH_LENGTH_EXCEEDED', 'protocol'],
    [405, 'ERROR_BATCH_METHOD_NOT_ALLOWED', 'protocol'],
    [404, 'ERROR_MANIFEST_IS_NOT_AVAILABLE', 'protocol'],
    [400, 'SOMETHING_NEW', 'protocol'],
  ].map(([status, code, kind]) => ({
    name: `${code} with ${status}`,
    ...portalError(status, code, `The portal's words for ${code}.`),
    expect: { code, kind, description: `The portal's words for ${code}.`, status, retryable: false },
  })),
  {
    name: 'OPERATION_TIME_LIMIT with 429',
    ...portalError(429, 'OPERATION_TIME_LIMIT', 'Method is blocked due to operation time limit.'),
    expect: { code: 'OPERATION_TIME_LIMIT', kind: 'rate_limit', description: 'Method is blocked due to operation time limit.', status: 429, retryable: true },
  },
  ...[
    [503, 'QUERY_LIMIT_EXCEEDED', 'rate_limit', true],
    [503, 'OVERLOAD_LIMIT', 'rate_limit', false],
    [500, 'INTERNAL_SERVER_ERROR', 'server', true],
    [500, 'ERROR_UNEXPECTED_ANSWER', 'server', true],
    [500, 'PORTAL_DELETED', 'server', false],
    [502, 'SOMETHING_NEW', 'server', true],
  ].map(([status, code, kind, retryable]) => ({
    name: `${code} with ${status}`,
    ...portalError(status, code, `The portal's words for ${code}.`),
    expect: { code, kind, description: `The portal's words for ${code}.`, status, retryable },
    instead: { BX24: bx24LosesTheAnswer },
  })),
  {
    name: 'an HTML page with a 502',
    fault: { status: 502, body: '<html>Bad Gateway</html>' },
    expect: { code: 'INVALID_RESPONSE', kind: 'protocol', description: "The portal's answer was not the JSON this method returns.", status: 502, retryable: true },
    instead: { BX24: bx24LosesTheAnswer },
  },
  {
    name: 'an HTML page with a 200',
    fault: { status: 200, body: '<html>Maintenance</html>' },
    expect: { code: 'INVALID_RESPONSE', kind: 'protocol', description: "The portal's answer was not the JSON this method returns.", status: 200, retryable: false },
    instead: {
      // The SDK fails inside its own reading of the answer and keeps no status.
      'b24 actions.v2.call.make': { status: undefined },
      'b24 callMethod': { status: undefined },
      BX24: bx24LosesTheAnswer,
    },
  },
  {
    name: 'a dropped connection',
    fault: { drop: true },
    expect: { code: 'NETWORK_ERROR', kind: 'network', description: DID_NOT_REACH, status: undefined, retryable: true },
  },
];


function assertOutcome(actual, expected, label) {
  const { throws, ...fields } = expected;
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof RegExp) assert.match(actual[key], value, `${label}: ${key}`);
    else assert.deepEqual(actual[key], value, `${label}: ${key}`);
  }
  if (throws) assert.ok(thrownByBX24.length > 0, `${label}: BX24 threw`);
}

describe('every outcome of fetch is reported the same through $b24 and BX24', () => {
  for (const row of ROWS) {
    it(row.name, async () => {
      for (const [transport, connection] of Object.entries(TRANSPORTS)) {
        portal.reset();
        thrownByBX24.length = 0;
        // The SDK repeats a call once after expired_token and invalid_token
        // (its own token refresh), so the fault stays for a second request.
        if (row.fault) portal.queueFault({ ...row.fault, times: 2 });

        const outcome = await outcomeOf(bindTimeline({ ...(row.fields ?? FIELDS) }, connection()));

        const instead = row.instead?.[transport];
        const expected = instead === bx24LosesTheAnswer ? instead : { ...row.expect, ...instead };
        assertOutcome(outcome, expected, transport);
        if (!transport.startsWith('b24')) assert.equal(portal.requests.length, 1, `${transport}: one request`);
      }
    });
  }
});

describe('what reaches the portal through a wrapped client', () => {
  it('sends the same fields through every transport, ids as numbers and the type in lower case', async () => {
    for (const connection of Object.values(TRANSPORTS)) {
      portal.reset();
      await bindTimeline({ OWNER_ID: '1110', ENTITY_ID: '10', ENTITY_TYPE: 'DEAL' }, connection());
      assert.deepEqual(portal.bindings, [{ OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' }]);
    }
  });

  it('validates fields before the wrapped client is called', async () => {
    const calls = [];
    const b24 = { actions: { v2: { call: { make: async (options) => calls.push(options) } } } };
    const placement = { callMethod: (...args) => calls.push(args) };
    for (const connection of [{ b24 }, { bx24: placement }]) {
      const error = await bindTimeline({ ...FIELDS, OWNER_ID: 0 }, connection).catch((e) => e);
      assert.equal(error.code, 'OWNER_ID_INVALID');
    }
    assert.deepEqual(calls, []);
  });

  it('refuses objects that are not recognisable clients before any call', async () => {
    const unusable = [
      { b24: {} },
      { b24: { actions: { v2: { call: {} } } } },
      { b24: 'b24' },
      { bx24: {} },
      { bx24: { callMethod: 'no' } },
      { b24: sdk, webhookUrl: 'https://portal.example.com/rest/1/code/' },
      { b24: sdk, bx24 },
    ];
    for (const connection of unusable) {
      const error = await bindTimeline({ ...FIELDS }, connection).catch((e) => e);
      assert.equal(error.code, 'INVALID_CONNECTION', inspect(connection, { depth: 0 }));
      assert.equal(error.kind, 'validation');
      assert.throws(() => createClient(connection), { code: 'INVALID_CONNECTION' });
    }
    assert.equal(portal.requests.length, 0);
  });

  it('prefers actions.v2.call.make when the SDK has both calls', async () => {
    const used = [];
    const result = { isSuccess: true, getData: () => ({ result: true }) };
    const b24 = {
      actions: { v2: { call: { make: async () => (used.push('make'), result) } } },
      callMethod: async () => (used.push('callMethod'), result),
    };
    await bindTimeline({ ...FIELDS }, { b24 });
    assert.deepEqual(used, ['make']);
  });

  it('adds no retries on top of the SDK, whatever maxAttempts says', async () => {
    let calls = 0;
    const b24 = {
      callMethod: async () => {
        calls += 1;
        throw Object.assign(new Error('Too many requests'), {
          code: 'QUERY_LIMIT_EXCEEDED',
          originalError: { response: { status: 503, data: { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' } } },
        });
      },
    };
    const error = await bindTimeline({ ...FIELDS }, { b24, maxAttempts: 5 }).catch((e) => e);
    assert.equal(error.code, 'QUERY_LIMIT_EXCEEDED');
    assert.equal(calls, 1);
  });

  it('works through a client made once', async () => {
    for (const [transport, connection] of Object.entries(TRANSPORTS)) {
      portal.reset();
      const client = createClient(connection());
      const { result } = await client.bindTimeline({ ...FIELDS });
      const failure = await client.bindTimeline({ ...FIELDS, OWNER_ID: 9999 }).catch((e) => e);
      assert.equal(result, true, transport);
      assert.equal(failure.code, 'OWNER_ID_INVALID', transport);
      assert.equal(portal.requests.length, 2, transport);
    }
  });
});

describe('failures of the SDK itself', () => {
  const failingSdk = (error) => ({ callMethod: async () => Promise.reject(error) });

  it('maps the SDK timeout and network codes onto TIMEOUT and NETWORK_ERROR', async () => {
    const table = [
      ['ECONNABORTED', 'TIMEOUT'],
      ['ETIMEDOUT', 'TIMEOUT'],
      ['ECONNREFUSED', 'NETWORK_ERROR'],
      ['ERR_NETWORK', 'NETWORK_ERROR'],
    ];
    for (const [sdkCode, code] of table) {
      const error = await bindTimeline({ ...FIELDS }, { b24: failingSdk(Object.assign(new Error('x'), { code: sdkCode, status: 0 })) }).catch((e) => e);
      assert.equal(error.code, code, sdkCode);
      assert.equal(error.kind, 'network');
      assert.equal(error.retryable, true);
    }
  });

  it('reports a refused connection of the real SDK as NETWORK_ERROR', async () => {
    const closed = await startMockPortal({ https: true, certificate: await trustedCertificate() });
    const webhook = closed.httpsWebhookUrl;
    await closed.close();
    const dead = B24Hook.fromWebhookUrl(webhook);
    await dead.setRestrictionManagerParams({ ...ParamsFactory.getDefault(), maxRetries: 1, retryDelay: 10 });
    const error = await bindTimeline({ ...FIELDS }, { b24: dead }).catch((e) => e);
    assert.equal(error.code, 'NETWORK_ERROR');
    assert.match(error.description, /ECONNREFUSED/);
  });

  it('reports an SDK result that failed without throwing, with the portal code it kept', async () => {
    portal.queueFault({ status: 200, body: { error: 'SOME_CODE', error_description: 'Some words.' } });
    const error = await bindTimeline({ ...FIELDS }, { b24: sdk }).catch((e) => e);
    assert.deepEqual([error.code, error.description, error.status], ['SOME_CODE', 'Some words.', 200]);
  });

  it('reports something that is not an SDK result as INVALID_RESPONSE', async () => {
    const error = await bindTimeline({ ...FIELDS }, { b24: { callMethod: async () => 'ok' } }).catch((e) => e);
    assert.equal(error.code, 'INVALID_RESPONSE');
  });

  it('stops waiting for the SDK at timeoutMs and at an abort', async () => {
    const never = { callMethod: () => new Promise(() => {}) };
    const timedOut = await bindTimeline({ ...FIELDS }, { b24: never, timeoutMs: 50 }).catch((e) => e);
    assert.equal(timedOut.code, 'TIMEOUT');

    const controller = new AbortController();
    const pending = bindTimeline({ ...FIELDS }, { b24: never, signal: controller.signal }).catch((e) => e);
    controller.abort('user left');
    assert.equal((await pending).code, 'ABORTED');
  });

  it('never shows the webhook code the SDK holds', async () => {
    portal.queueFault({ drop: true });
    const network = await bindTimeline({ ...FIELDS }, { b24: sdk }).catch((e) => e);
    const invalid = await bindTimeline({ ...FIELDS, ENTITY_ID: 999 }, { b24: sdk }).catch((e) => e);
    for (const error of [network, invalid]) {
      const renderings = [error.message, error.stack, String(error), JSON.stringify(error), inspect(error, { showHidden: true, depth: 10 })];
      for (const text of renderings) assert.ok(!text.includes(portal.webhookCode), text);
    }
  });
});

describe('BX24 quirks', () => {
  it('counts an empty-string error code as an error', async () => {
    const error = await bindTimeline({ ...FIELDS, ENTITY_ID: 13 }, { bx24 }).catch((e) => e);
    assert.equal(error.code, 'ACCESS_DENIED');
  });

  it('reports a network failure through BX24 as NETWORK_ERROR', async () => {
    const closed = await startMockPortal();
    const offline = createBX24({ portalUrl: closed.portalUrl, accessToken: closed.accessToken });
    await closed.close();
    offline.init(() => {});
    const error = await bindTimeline({ ...FIELDS }, { bx24: offline }).catch((e) => e);
    assert.equal(error.code, 'NETWORK_ERROR');
    assert.match(error.description, /network error occurred/);
  });

  it('rejects with ERROR_UNEXPECTED_ANSWER when callMethod itself throws', async () => {
    const throwing = { callMethod: () => { throw new Error('BX24 could not read the answer'); } };
    const error = await bindTimeline({ ...FIELDS }, { bx24: throwing }).catch((e) => e);
    assert.deepEqual([error.code, error.kind, error.retryable], ['ERROR_UNEXPECTED_ANSWER', 'server', true]);
  });

  it('stops waiting for a callback that never comes at timeoutMs or an abort', async () => {
    const silent = { callMethod: () => {} };
    const started = performance.now();
    const timedOut = await bindTimeline({ ...FIELDS }, { bx24: silent, timeoutMs: 80, maxAttempts: 1 }).catch((e) => e);
    assert.equal(timedOut.code, 'TIMEOUT');
    assert.ok(performance.now() - started < 1_000);

    const controller = new AbortController();
    const pending = bindTimeline({ ...FIELDS }, { bx24: silent, signal: controller.signal }).catch((e) => e);
    setTimeout(() => controller.abort(), 20);
    assert.equal((await pending).code, 'ABORTED');
  });

  it('reads a result without time() from an older BX24', async () => {
    const older = { callMethod: (method, params, callback) => callback({ data: () => true, error: () => undefined }) };
    assert.deepEqual(await bindTimeline({ ...FIELDS }, { bx24: older }), { result: true });
  });
});
