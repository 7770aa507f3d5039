// Specification of bulk binding: client.bindTimelineMany sends valid items in
// batches of up to 50 and reports every item at its own index.
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

const TYPES = ['lead', 'deal', 'contact', 'company', 'order'];

/**
 * 237 items: every 10th invalid (never sent), every 7th an unknown record and
 * every 11th the denied deal 13 (refused by the portal), the rest bindable.
 * Answers the items and what each must come to.
 */
function mixedItems() {
  const items = [];
  const expected = [];
  for (let index = 0; index < 237; index += 1) {
    const entityType = TYPES[index % TYPES.length];
    const item = { OWNER_ID: 1110 + (index % 6), ENTITY_ID: 1 + (index % 20), ENTITY_TYPE: entityType };
    if (index % 10 === 0) {
      items.push({ ...item, OWNER_ID: 0 });
      expected.push({ code: 'OWNER_ID_INVALID', sent: false });
    } else if (index % 7 === 0) {
      items.push({ ...item, OWNER_ID: 9999 });
      expected.push({ code: 'OWNER_ID_INVALID', sent: true });
    } else if (index % 11 === 0) {
      items.push({ ...item, ENTITY_TYPE: 'deal', ENTITY_ID: 13 });
      expected.push({ code: 'ACCESS_DENIED', sent: true });
    } else {
      items.push(item);
      expected.push({ result: true, sent: true });
    }
  }
  return { items, expected };
}

function assertItemByItem(report, expected) {
  assert.equal(report.results.length, expected.length);
  report.results.forEach((entry, index) => {
    assert.equal(entry.index, index, 'every item at its own index');
    const wanted = expected[index];
    if (wanted.result !== undefined) {
      assert.deepEqual([entry.ok, entry.result], [true, wanted.result], `item ${index}`);
    } else {
      assert.equal(entry.ok, false, `item ${index}`);
      assert.ok(entry.error instanceof B24Error, `item ${index} carries a B24Error`);
      assert.equal(entry.error.code, wanted.code, `item ${index}`);
    }
  });
  const succeeded = expected.filter((wanted) => wanted.result === true).length;
  assert.equal(report.succeeded, succeeded);
  assert.equal(report.failed, expected.length - succeeded);
}

describe('bindTimelineMany', () => {
  it('reports each of 237 mixed items at its index, sending only the valid ones in batches of 50', async () => {
    const { items, expected } = mixedItems();
    const progress = [];
    const client = createClient({ webhookUrl: portal.webhookUrl });

    const report = await client.bindTimelineMany(items, {
      onProgress: (done, total) => progress.push([done, total]),
    });

    assertItemByItem(report, expected);
    const sent = expected.filter((wanted) => wanted.sent).length;
    assert.equal(portal.stats.batchCommands, sent, 'invalid items are never sent');
    assert.equal(portal.requests.length, Math.ceil(sent / 50));
    assert.ok(portal.requests.every((request) => request.restMethod === 'batch'));

    assert.equal(progress.length, Math.ceil(sent / 50), 'one progress call per batch');
    assert.ok(progress.every(([, total]) => total === 237));
    const done = progress.map(([settled]) => settled);
    assert.deepEqual(done, [...done].sort((a, b) => a - b), 'progress only grows');
    assert.equal(done.at(-1), 237);
  });

  it('gives an item that fails on the server its own error and the others their results', async () => {
    portal.queueCommandFault({ times: 3, error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' });
    const items = Array.from({ length: 10 }, (_, index) => ({ OWNER_ID: 1110, ENTITY_ID: index + 1, ENTITY_TYPE: 'lead' }));

    const report = await createClient({ webhookUrl: portal.webhookUrl }).bindTimelineMany(items);

    const failed = report.results.filter((entry) => !entry.ok);
    assert.equal(failed.length, 3);
    assert.ok(failed.every((entry) => entry.error.code === 'INTERNAL_SERVER_ERROR' && entry.error.retryable));
    assert.equal(report.succeeded, 7);
  });

  it('retries a batch the portal refused for its request limit, binding nothing twice', async () => {
    portal.queueFault({ status: 503, body: { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' } });
    const items = Array.from({ length: 120 }, (_, index) => ({
      OWNER_ID: 1110 + (index % 6),
      ENTITY_ID: 1 + (index % 20),
      ENTITY_TYPE: 'contact',
    }));
    const client = createClient({ webhookUrl: portal.webhookUrl, rateLimit: { burst: 100, drainPerSecond: 100 } });

    const report = await client.bindTimelineMany(items);

    assert.equal(report.succeeded, 120);
    assert.equal(portal.requests.length, 4, 'three batches and one repeat');
    // The refused request ran no command: every item was bound exactly once.
    assert.equal(portal.stats.batchCommands, 120);
  });

  it('stops sending batches once aborted; items never sent fail with ABORTED', async () => {
    const controller = new AbortController();
    const items = Array.from({ length: 200 }, (_, index) => ({ OWNER_ID: 1111, ENTITY_ID: 1 + (index % 20), ENTITY_TYPE: TYPES[index % 5] }));
    // One batch at a time, half a second apart, so the abort lands mid-way.
    const client = createClient({ webhookUrl: portal.webhookUrl, rateLimit: { burst: 1, drainPerSecond: 2 } });

    const report = await client.bindTimelineMany(items, {
      signal: controller.signal,
      onProgress: (done) => {
        if (done >= 50) controller.abort();
      },
    });

    assert.equal(report.results.length, 200);
    const aborted = report.results.filter((entry) => !entry.ok && entry.error.code === 'ABORTED');
    assert.ok(aborted.length >= 100, `${aborted.length} items aborted`);
    assert.ok(portal.requests.length < 4, `${portal.requests.length} batches sent`);
    assert.equal(report.succeeded + report.failed, 200);
  });

  it('refuses a list that is not an array, and an onProgress that is not a function', async () => {
    const client = createClient({ webhookUrl: portal.webhookUrl });
    for (const items of [undefined, null, {}, 'items', { length: 2 }]) {
      const error = await client.bindTimelineMany(items).catch((e) => e);
      assert.equal(error.code, 'ERROR_ARGUMENT', String(items));
    }
    const error = await client.bindTimelineMany([], { onProgress: 'yes' }).catch((e) => e);
    assert.equal(error.code, 'INVALID_OPTION');
    assert.deepEqual(await client.bindTimelineMany([]), { results: [], succeeded: 0, failed: 0 });
    assert.equal(portal.requests.length, 0);
  });

  it('gives the same results through $b24 and BX24 as over fetch', async () => {
    const sdk = B24Hook.fromWebhookUrl(portal.httpsWebhookUrl);
    await sdk.setRestrictionManagerParams({ ...ParamsFactory.getDefault(), maxRetries: 1, retryDelay: 10 });
    const bx24 = createBX24({ portalUrl: portal.portalUrl, accessToken: portal.accessToken });
    await new Promise((resolve) => bx24.init(resolve));
    const { items, expected } = mixedItems();
    const first = { items: items.slice(0, 80), expected: expected.slice(0, 80) };

    for (const connection of [{ webhookUrl: portal.webhookUrl }, { b24: sdk }, { bx24 }]) {
      portal.reset();
      const report = await createClient(connection).bindTimelineMany(first.items);
      assertItemByItem(report, first.expected);
      assert.equal(portal.requests.length, 2, Object.keys(connection)[0]);
    }
  });
});
