// Specification of bulk binding through the clients an app already holds:
// through `$b24` the batches go to the SDK's batch support
// (`actions.v2.batch.make`, or `callBatch`), through `BX24` to
// `BX24.callBatch`, and the results are those of a batch sent with fetch.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { B24Hook, ParamsFactory } from '@bitrix24/b24jssdk';
import { B24Error, createClient } from '../../pkg/node.mjs';
import { startMockPortal } from '../../pkg-template/mock-portal/index.mjs';
import { createBX24 } from './support/bx24-stand-in.mjs';
import { trustedCertificate } from './support/tls.mjs';

let portal;

before(async () => {
  portal = await startMockPortal({ https: true, certificate: await trustedCertificate() });
});

after(() => portal.close());

beforeEach(() => portal.reset());

/** `count` bindable items, then one the portal refuses with its empty-code field error. */
function itemsWithOneRefused(count) {
  const items = Array.from({ length: count }, (_, index) => ({
    OWNER_ID: 1110 + (index % 6),
    ENTITY_ID: 1 + (index % 20),
    ENTITY_TYPE: 'lead',
  }));
  return [...items, { OWNER_ID: 9999, ENTITY_ID: 1, ENTITY_TYPE: 'lead' }];
}

async function realSdk() {
  const sdk = B24Hook.fromWebhookUrl(portal.httpsWebhookUrl);
  await sdk.setRestrictionManagerParams({ ...ParamsFactory.getDefault(), maxRetries: 1, retryDelay: 10 });
  return sdk;
}

/** Replaces `object[name]` with a wrapper that records each call's arguments. */
function spy(object, name) {
  const calls = [];
  const original = object[name];
  object[name] = function recorded(...args) {
    calls.push(args);
    return original.apply(this, args);
  };
  return calls;
}

function assertBoundButLast(report, count) {
  assert.equal(report.results.length, count + 1);
  assert.equal(report.succeeded, count);
  const last = report.results[count];
  assert.equal(last.ok, false);
  assert.ok(last.error instanceof B24Error);
  assert.equal(last.error.code, 'OWNER_ID_INVALID', 'the empty-code field error, read as over fetch');
}

describe('bindTimelineMany through $b24', () => {
  it('sends each batch through actions.v2.batch.make as named calls, never halting', async () => {
    const sdk = await realSdk();
    const made = spy(sdk.actions.v2.batch, 'make');
    const single = spy(sdk.actions.v2.call, 'make');

    const report = await createClient({ b24: sdk }).bindTimelineMany(itemsWithOneRefused(60));

    assertBoundButLast(report, 60);
    assert.equal(made.length, 2, 'two batches of at most 50');
    assert.equal(single.length, 0, 'no batch goes through the single-call API');
    const [{ calls, options }] = made[0];
    assert.equal(Object.keys(calls).length, 50);
    assert.deepEqual(calls.b0, {
      method: 'crm.timeline.bindings.bind',
      params: { fields: { OWNER_ID: 1110, ENTITY_ID: 1, ENTITY_TYPE: 'lead' } },
    });
    assert.equal(options.isHaltOnError, false);
    assert.equal(portal.stats.batchCommands, 61);
  });

  it('uses callBatch on an SDK without actions.v2.batch.make', async () => {
    const sdk = await realSdk();
    const batched = spy(sdk, 'callBatch');
    // What an older SDK offers: the single call and callBatch.
    const older = { callMethod: (...args) => sdk.callMethod(...args), callBatch: (...args) => sdk.callBatch(...args) };

    const report = await createClient({ b24: older }).bindTimelineMany(itemsWithOneRefused(10));

    assertBoundButLast(report, 10);
    assert.equal(batched.length, 1);
    assert.equal(batched[0][1], false, 'isHaltOnError');
  });

  it('gives every item the error of a batch the SDK could not send', async () => {
    const sdk = await realSdk();
    const refusal = { status: 401, body: { error: 'INVALID_CREDENTIALS', error_description: 'Invalid request credentials' } };
    portal.queueFault({ ...refusal, times: 5 });

    const report = await createClient({ b24: sdk }).bindTimelineMany(itemsWithOneRefused(3));

    assert.equal(report.failed, 4);
    for (const entry of report.results) {
      assert.ok(entry.error instanceof B24Error);
      assert.equal(entry.error.code, 'INVALID_CREDENTIALS');
      assert.equal(entry.error.status, 401);
    }
  });

  it('reads the SDK’s public results when it keeps no answer of its own', async () => {
    const entry = (outcome) => ({
      isSuccess: !outcome.error,
      getData: () => (outcome.error ? undefined : { result: outcome.result }),
      getErrors: () => (outcome.error ? [outcome.error] : []),
    });
    const sdk = {
      actions: {
        v2: {
          call: { make: () => Promise.reject(new Error('not for batches')) },
          batch: {
            make: async () => ({
              isSuccess: false,
              getData: () => ({
                b0: entry({ result: true }),
                b1: entry({ error: { code: 'ACCESS_DENIED', description: 'Access denied.' } }),
                b2: entry({ result: false }),
              }),
              getErrors: () => [],
            }),
          },
        },
      },
    };
    const items = [1, 2, 3].map((id) => ({ OWNER_ID: 1110, ENTITY_ID: id, ENTITY_TYPE: 'lead' }));

    const { results } = await createClient({ b24: sdk }).bindTimelineMany(items);

    assert.deepEqual(results[0], { index: 0, ok: true, result: true });
    assert.equal(results[1].error.code, 'ACCESS_DENIED');
    assert.equal(results[1].error.kind, 'permission');
    assert.deepEqual(results[2], { index: 2, ok: true, result: false });
  });
});

describe('bindTimelineMany through BX24', () => {
  async function readyBX24() {
    const bx24 = createBX24({ portalUrl: portal.portalUrl, accessToken: portal.accessToken });
    await new Promise((resolve) => bx24.init(resolve));
    return bx24;
  }

  it('sends each batch through BX24.callBatch as named calls, never halting', async () => {
    const bx24 = await readyBX24();
    const batched = spy(bx24, 'callBatch');
    const single = spy(bx24, 'callMethod');

    const report = await createClient({ bx24 }).bindTimelineMany(itemsWithOneRefused(60));

    assertBoundButLast(report, 60);
    assert.equal(batched.length, 2);
    assert.equal(single.length, 0);
    const [calls, , haltOnError] = batched[1];
    assert.deepEqual(Object.keys(calls), Array.from({ length: 11 }, (_, index) => `b${index}`));
    assert.equal(haltOnError, false);
    assert.equal(portal.stats.batchCommands, 61);
  });

  it('gives every item the error of a batch the portal refused as a whole', async () => {
    const bx24 = await readyBX24();
    portal.queueFault({ status: 401, body: { error: 'INVALID_CREDENTIALS', error_description: 'Invalid request credentials' } });

    const report = await createClient({ bx24 }).bindTimelineMany(itemsWithOneRefused(3));

    assert.equal(report.failed, 4);
    for (const entry of report.results) {
      assert.equal(entry.error.code, 'INVALID_CREDENTIALS');
      assert.equal(entry.error.status, 401);
    }
  });

  it('reads a call BX24.js left out of an answered batch as answered false', async () => {
    // BX24.js keeps a call's result only when it is truthy.
    const results = {
      b0: { data: () => true, error: () => undefined },
      b2: {
        data: () => undefined,
        error: () => ({ status: 200, ex: { error: '', error_description: 'ENTITY_ID is not defined or invalid.' } }),
      },
    };
    const bx24 = {
      callMethod() {
        throw new Error('not for batches');
      },
      callBatch: (calls, callback) => setTimeout(() => callback(results)),
    };
    const items = [1, 2, 3].map((id) => ({ OWNER_ID: 1110, ENTITY_ID: id, ENTITY_TYPE: 'lead' }));

    const report = await createClient({ bx24 }).bindTimelineMany(items);

    assert.deepEqual(report.results[0], { index: 0, ok: true, result: true });
    assert.deepEqual(report.results[1], { index: 1, ok: true, result: false });
    assert.equal(report.results[2].error.code, 'ENTITY_ID_INVALID');
    assert.equal(report.results[2].error.field, 'ENTITY_ID');
  });
});
