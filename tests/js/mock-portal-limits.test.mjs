// Specification of the mock portal's limits and token lifetimes: the leaky bucket, the
// operating-time window, the portal clock they run on, and expiring access tokens.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startMockPortal } from '../../pkg-template/mock-portal/index.mjs';
import { JSON_TYPE, call, postJson } from './support/http.mjs';

const BIND = 'crm.timeline.bindings.bind';
const LIST = 'crm.timeline.bindings.list';
const DOCUMENTED_FIELDS = { OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' };
const TOO_MANY = { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' };
const BLOCKED = 'Method is blocked due to operation time limit.';

// A clock a thousand times slower than real time: a bucket on it does not drain measurably
// while a test sends its burst, so the count of refusals is exact.
const STOPPED = 0.001;

async function startForTest(t, options) {
  const portal = await startMockPortal(options);
  t.after(() => portal.close());
  return portal;
}

const bind = (portal, fields = DOCUMENTED_FIELDS) =>
  postJson(`${portal.webhookUrl}${BIND}`, { fields });
const list = (portal) => postJson(`${portal.webhookUrl}${LIST}`, { filter: { OWNER_ID: 1110 } });
const bindWithToken = (portal, auth) =>
  postJson(`${portal.url}/rest/${BIND}`, { fields: DOCUMENTED_FIELDS, auth });

/** The statuses of `count` binds sent one after the other. */
async function statusesOfBinds(portal, count) {
  const statuses = [];
  for (let sent = 0; sent < count; sent++) statuses.push((await bind(portal)).status);
  return statuses;
}

const repeated = (status, count) => Array.from({ length: count }, () => status);

describe('the leaky bucket', () => {
  it('is off by default: every request is admitted and nothing is counted', async (t) => {
    const portal = await startForTest(t);

    assert.deepEqual(await statusesOfBinds(portal, 60), repeated(200, 60));
    assert.equal(portal.rateLimit, undefined);
    assert.deepEqual(portal.stats, { queryLimitExceeded: 0, operationTimeLimit: 0, batchCommands: 0 });
  });

  it("'standard' admits a burst of 50 and answers the rest 503 QUERY_LIMIT_EXCEEDED", async (t) => {
    const portal = await startForTest(t, { rateLimit: 'standard', timeScale: STOPPED });

    const statuses = await statusesOfBinds(portal, 54);
    const refused = await bind(portal);

    assert.deepEqual(statuses, [...repeated(200, 50), ...repeated(503, 4)]);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('content-type'), JSON_TYPE);
    assert.equal(refused.headers.get('retry-after'), null);
    assert.deepEqual(refused.json, TOO_MANY);
    assert.equal(portal.stats.queryLimitExceeded, 5);
    assert.deepEqual(
      { ...portal.rateLimit, level: undefined },
      { burst: 50, drainPerSecond: 2, timeScale: STOPPED, level: undefined },
    );
  });

  it('adds nothing to the counter for a refused request', async (t) => {
    const portal = await startForTest(t, { rateLimit: 'standard', timeScale: STOPPED });

    await statusesOfBinds(portal, 80);

    const level = portal.rateLimit.level();
    assert.ok(level > 49.9 && level <= 50, `level ${level}`);
    assert.equal(portal.stats.queryLimitExceeded, 30);
  });

  it("'enterprise' admits a burst of 250, draining 5 per second", async (t) => {
    const portal = await startForTest(t, { rateLimit: 'enterprise', timeScale: STOPPED });

    const statuses = await statusesOfBinds(portal, 253);

    assert.deepEqual(statuses, [...repeated(200, 250), ...repeated(503, 3)]);
    assert.equal(portal.rateLimit.burst, 250);
    assert.equal(portal.rateLimit.drainPerSecond, 5);
  });

  it('drains at drainPerSecond times timeScale per real second', async (t) => {
    // Standard limits on a clock 10 times as fast: 20 requests drain per real second.
    const portal = await startForTest(t, { rateLimit: 'standard', timeScale: 10 });
    await Promise.all(Array.from({ length: 60 }, () => bind(portal)));

    const before = { level: portal.rateLimit.level(), at: performance.now() };
    await sleep(200);
    const after = { level: portal.rateLimit.level(), at: performance.now() };

    // The bucket must not have run dry, or the drop would understate the rate.
    assert.ok(after.level > 0, `the bucket ran dry from ${before.level}`);
    const expected = ((after.at - before.at) / 1000) * 2 * 10;
    const drop = before.level - after.level;
    assert.ok(Math.abs(drop - expected) < 0.5, `drained ${drop}, expected ${expected}`);
  });

  it('admits again once the scaled clock has drained a request, refusals having added nothing', async (t) => {
    // One request drains every 250 ms of real time; unscaled it would take a second.
    const portal = await startForTest(t, {
      rateLimit: { burst: 1, drainPerSecond: 1 },
      timeScale: 4,
    });

    const full = await statusesOfBinds(portal, 4);
    await sleep(375);
    const afterWaiting = await bind(portal);
    const level = portal.rateLimit.level();

    assert.deepEqual(full, [200, 503, 503, 503]);
    // Had the three refusals counted, the counter would still be at 2.5.
    assert.equal(afterWaiting.status, 200);
    assert.ok(level > 0.5 && level <= 1, `level ${level}`);
    assert.equal(portal.stats.queryLimitExceeded, 3);
  });

  it('never drains with a drainPerSecond of 0', async (t) => {
    const portal = await startForTest(t, { rateLimit: { burst: 2, drainPerSecond: 0 } });

    const before = await statusesOfBinds(portal, 3);
    await sleep(50);

    assert.deepEqual(before, [200, 200, 503]);
    assert.equal(portal.rateLimit.level(), 2);
    assert.equal((await bind(portal)).status, 503);
  });

  it('counts no preflight, no control call and no request that a fault answers or drops', async (t) => {
    const portal = await startForTest(t, { rateLimit: { burst: 2, drainPerSecond: 0 } });
    portal.queueFault({ status: 500, body: 'fault', times: 3 });
    portal.queueFault({ drop: true });

    const faulted = await statusesOfBinds(portal, 3);
    await assert.rejects(bind(portal), TypeError);
    await call(portal.webhookUrl + BIND, {
      method: 'OPTIONS',
      headers: { origin: 'http://example.test', 'access-control-request-method': 'POST' },
    });
    await call(`${portal.url}/__mock/requests`, { method: 'GET' });

    assert.deepEqual(faulted, [500, 500, 500]);
    assert.equal(portal.rateLimit.level(), 0);
    assert.deepEqual(await statusesOfBinds(portal, 3), [200, 200, 503]);
  });

  it('still answers queued faults while full, but holds a fault that hands over to the limit', async (t) => {
    const portal = await startForTest(t, { rateLimit: { burst: 1, drainPerSecond: 0 } });
    await bind(portal);

    portal.queueFault({ status: 502, body: 'Bad Gateway' });
    portal.queueFault({ delayMs: 10, then: 'handle' });

    assert.equal((await bind(portal)).status, 502);
    assert.deepEqual((await bind(portal)).json, TOO_MANY);
    assert.deepEqual(
      portal.requests.map((entry) => [entry.status, entry.fault]),
      [
        [200, false],
        [502, true],
        [503, true],
      ],
    );
  });

  it('is emptied by reset(), which also zeroes the refusal counts', async (t) => {
    const portal = await startForTest(t, { rateLimit: { burst: 1, drainPerSecond: 0 } });
    await statusesOfBinds(portal, 2);
    assert.equal(portal.stats.queryLimitExceeded, 1);

    portal.reset();

    assert.equal(portal.rateLimit.level(), 0);
    assert.deepEqual(portal.stats, { queryLimitExceeded: 0, operationTimeLimit: 0, batchCommands: 0 });
    assert.deepEqual(await statusesOfBinds(portal, 2), [200, 503]);
  });

  it('is emptied by POST /__mock/reset as well', async (t) => {
    const portal = await startForTest(t, { rateLimit: { burst: 1, drainPerSecond: 0 } });
    await statusesOfBinds(portal, 2);

    await call(`${portal.url}/__mock/reset`);

    assert.equal(portal.stats.queryLimitExceeded, 0);
    assert.equal((await bind(portal)).status, 200);
  });

  const invalidLimits = [
    ['an unknown plan', { rateLimit: 'premium' }],
    ['true', { rateLimit: true }],
    ['a burst of 0', { rateLimit: { burst: 0, drainPerSecond: 1 } }],
    ['a missing drain rate', { rateLimit: { burst: 5 } }],
    ['a negative drain rate', { rateLimit: { burst: 5, drainPerSecond: -1 } }],
    ['a time scale of 0', { timeScale: 0 }],
    ['a negative time scale', { timeScale: -2 }],
    ['a time scale given as text', { timeScale: '20' }],
  ];
  for (const [what, options] of invalidLimits) {
    it(`refuses to start with ${what}`, async () => {
      await assert.rejects(startMockPortal(options), TypeError);
    });
  }
});

describe('the operating-time limit', () => {
  it("answers 429 OPERATION_TIME_LIMIT once a method's budget is spent", async (t) => {
    const portal = await startForTest(t, {
      operatingLimit: { budgetSeconds: 3, windowSeconds: 60 },
    });

    const admitted = [];
    for (const ENTITY_ID of [1, 2, 3]) {
      admitted.push(await bind(portal, { ...DOCUMENTED_FIELDS, ENTITY_ID }));
    }
    const refused = await bind(portal, { ...DOCUMENTED_FIELDS, ENTITY_ID: 4 });

    assert.deepEqual(
      admitted.map((answer) => [answer.status, answer.json.time.operating]),
      [
        [200, 1],
        [200, 2],
        [200, 3],
      ],
    );
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('content-type'), JSON_TYPE);
    assert.deepEqual(Object.keys(refused.json), ['error', 'error_description', 'time']);
    assert.equal(refused.json.error, 'OPERATION_TIME_LIMIT');
    assert.equal(refused.json.error_description, BLOCKED);
    assert.deepEqual(Object.keys(refused.json.time), ['operating', 'operating_reset_at']);
    assert.equal(refused.json.time.operating, 3);
    assert.equal(portal.bindings.length, 3, 'the refused call bound nothing');
    assert.equal(portal.stats.operationTimeLimit, 1);
  });

  it('puts the reset when the oldest call leaves the window, in whole Unix seconds', async (t) => {
    const portal = await startForTest(t, {
      operatingLimit: { budgetSeconds: 2, windowSeconds: 60, costSeconds: 1 },
    });

    const first = (await bind(portal)).json.time;
    const second = (await bind(portal)).json.time;
    const refused = (await bind(portal)).json.time;

    for (const time of [first, second, refused]) {
      assert.ok(Number.isInteger(time.operating_reset_at));
      assert.ok(time.operating_reset_at >= first.start + 60, `${time.operating_reset_at}`);
      assert.ok(time.operating_reset_at < first.start + 61, `${time.operating_reset_at}`);
    }
  });

  it('keeps a separate window for each method', async (t) => {
    const portal = await startForTest(t, { operatingLimit: { budgetSeconds: 1 } });

    const statuses = [(await bind(portal)).status, (await bind(portal)).status];
    const listed = await list(portal);

    assert.deepEqual(statuses, [200, 429]);
    assert.equal(listed.status, 200);
    assert.equal(listed.json.time.operating, 1);
  });

  it('charges costSeconds per call, however long the call took', async (t) => {
    const portal = await startForTest(t, {
      operatingLimit: { budgetSeconds: 1, costSeconds: 0.25 },
    });

    const sums = [];
    for (let sent = 0; sent < 4; sent++) sums.push((await bind(portal)).json.time.operating);

    assert.deepEqual(sums, [0.25, 0.5, 0.75, 1]);
    assert.equal((await bind(portal)).status, 429);
  });

  it('charges nothing for a call the method refuses', async (t) => {
    const portal = await startForTest(t, { operatingLimit: { budgetSeconds: 1 } });

    const invalid = await bind(portal, { ...DOCUMENTED_FIELDS, ENTITY_TYPE: 'invoice' });
    const again = await bind(portal, { ...DOCUMENTED_FIELDS, ENTITY_TYPE: 'invoice' });

    assert.deepEqual([invalid.status, again.status], [400, 400]);
    assert.deepEqual([(await bind(portal)).status, (await bind(portal)).status], [200, 429]);
  });

  it('admits the method again once the window, on the scaled clock, has moved past its calls', async (t) => {
    // The portal's ten-minute window on a clock 1000 times as fast: 600 ms of real time.
    const portal = await startForTest(t, {
      operatingLimit: { budgetSeconds: 2 },
      timeScale: 1000,
    });

    const first = (await bind(portal)).json.time;
    await bind(portal);
    const refused = await bind(portal);
    await sleep(700);
    const later = await bind(portal);

    assert.equal(refused.status, 429);
    // One call must leave for a third to fit: the reset waits for the first.
    assert.ok(refused.json.time.operating_reset_at >= first.start + 600);
    assert.ok(refused.json.time.operating_reset_at < first.start + 601);
    assert.equal(later.status, 200);
    assert.equal(later.json.time.operating, 1, 'the earlier calls left the window');
    assert.ok(later.json.time.start >= refused.json.time.operating_reset_at - 1);
  });

  it('forgets its windows and refusals on reset()', async (t) => {
    const portal = await startForTest(t, { operatingLimit: { budgetSeconds: 1 } });
    await bind(portal);
    await bind(portal);

    portal.reset();

    assert.equal(portal.stats.operationTimeLimit, 0);
    assert.equal((await bind(portal)).status, 200);
  });

  const invalidLimits = [
    ['no budget', { operatingLimit: {} }],
    ['a budget of 0', { operatingLimit: { budgetSeconds: 0 } }],
    ['a window of 0', { operatingLimit: { budgetSeconds: 5, windowSeconds: 0 } }],
    ['a cost over the budget', { operatingLimit: { budgetSeconds: 1, costSeconds: 2 } }],
    ['a number instead of settings', { operatingLimit: 480 }],
  ];
  for (const [what, options] of invalidLimits) {
    it(`refuses to start with ${what}`, async () => {
      await assert.rejects(startMockPortal(options), TypeError);
    });
  }
});

describe('the portal clock', () => {
  it('starts at the real time and runs timeScale times as fast in the time block', async (t) => {
    const startedAt = Date.now();
    const portal = await startForTest(t, { timeScale: 50 });

    const first = (await list(portal)).json.time;
    const firstAnsweredAt = Date.now();
    await sleep(200);
    const second = (await list(portal)).json.time;

    // Between the real start and the answer, the portal clock runs 50 times as fast. The portal
    // measures with a monotonic clock and the test with Date.now(); the two drift apart by a
    // fraction of a millisecond, which the scale multiplies: hence 5 ms of slack, scaled.
    const slack = 5 * 50;
    const latest = startedAt + (firstAnsweredAt - startedAt) * 50;
    assert.ok(first.start >= (startedAt - slack) / 1000, `${first.start} before the start`);
    assert.ok(first.start <= (latest + slack) / 1000, `${first.start} after ${latest / 1000}`);
    // The log dates arrivals in real time, to the millisecond.
    const [firstArrival, secondArrival] = portal.requests.map((entry) => Date.parse(entry.time));
    const expected = ((secondArrival - firstArrival) / 1000) * 50;
    const advanced = second.start - first.start;
    assert.ok(Math.abs(advanced - expected) < 0.2, `advanced ${advanced}, expected ${expected}`);
  });

  it('runs at real speed by default', async (t) => {
    const portal = await startForTest(t);

    const first = (await list(portal)).json.time;
    await sleep(100);
    const second = (await list(portal)).json.time;

    const [firstArrival, secondArrival] = portal.requests.map((entry) => Date.parse(entry.time));
    const expected = (secondArrival - firstArrival) / 1000;
    const advanced = second.start - first.start;
    assert.ok(Math.abs(advanced - expected) < 0.005, `advanced ${advanced}, expected ${expected}`);
  });
});

describe('access tokens', () => {
  it('expires every token tokenLifetimeMs after it was issued, accessToken included', async (t) => {
    const portal = await startForTest(t, { tokenLifetimeMs: 400 });
    const atStart = await bindWithToken(portal, portal.accessToken);

    await sleep(250);
    const issued = portal.issueToken();
    await sleep(200);
    const issuedLater = await bindWithToken(portal, issued);
    const startTokenLater = await bindWithToken(portal, portal.accessToken);
    await sleep(250);
    const issuedLast = await bindWithToken(portal, issued);

    assert.equal(atStart.status, 200);
    assert.equal(startTokenLater.status, 401);
    assert.deepEqual(startTokenLater.json, {
      error: 'expired_token',
      error_description: 'The access token provided has expired.',
    });
    assert.equal(issuedLater.status, 200, 'a token issued later lives longer');
    assert.equal(issuedLast.json.error, 'expired_token');
  });

  it('issueToken hands out a new 32-hex-digit token each time, valid next to accessToken', async (t) => {
    const portal = await startForTest(t);

    const tokens = [portal.issueToken(), portal.issueToken()];
    const statuses = [];
    for (const token of [...tokens, portal.accessToken]) {
      statuses.push((await bindWithToken(portal, token)).status);
    }

    assert.notEqual(tokens[0], tokens[1]);
    assert.notEqual(tokens[0], portal.accessToken);
    for (const token of tokens) assert.match(token, /^[0-9a-f]{32}$/);
    assert.deepEqual(statuses, [200, 200, 200]);
  });

  it('expireToken expires a token at once and leaves the others valid', async (t) => {
    const portal = await startForTest(t);
    const issued = portal.issueToken();

    portal.expireToken(issued);
    const expired = await bindWithToken(portal, issued);
    const other = await bindWithToken(portal, portal.accessToken);
    portal.expireToken(portal.accessToken);
    const startTokenExpired = await bindWithToken(portal, portal.accessToken);

    assert.equal(expired.json.error, 'expired_token');
    assert.equal(other.status, 200);
    assert.equal(startTokenExpired.json.error, 'expired_token');
  });

  it('POST /__mock/tokens answers a fresh token OAuth calls may use, and is not logged', async (t) => {
    const portal = await startForTest(t);

    const first = await call(`${portal.url}/__mock/tokens`);
    const second = await call(`${portal.url}/__mock/tokens`);
    const used = await bindWithToken(portal, first.json.accessToken);

    assert.equal(first.status, 200);
    assert.equal(first.headers.get('content-type'), JSON_TYPE);
    assert.deepEqual(Object.keys(first.json), ['accessToken']);
    assert.match(first.json.accessToken, /^[0-9a-f]{32}$/);
    assert.notEqual(first.json.accessToken, second.json.accessToken);
    assert.equal(used.status, 200);
    assert.equal(portal.requests.length, 1);
  });

  it('reset() forgets issued and expired tokens and makes accessToken valid again', async (t) => {
    const portal = await startForTest(t, { expiredTokens: ['old-token'] });
    const issued = portal.issueToken();
    portal.expireToken(portal.accessToken);

    portal.reset();

    assert.equal((await bindWithToken(portal, portal.accessToken)).status, 200);
    assert.equal((await bindWithToken(portal, issued)).json.error, 'invalid_token');
    assert.equal((await bindWithToken(portal, 'old-token')).json.error, 'expired_token');
  });

  it('restarts the lifetime of accessToken on reset()', async (t) => {
    const portal = await startForTest(t, { tokenLifetimeMs: 100 });
    await sleep(150);
    const beforeReset = await bindWithToken(portal, portal.accessToken);

    portal.reset();

    assert.equal(beforeReset.json.error, 'expired_token');
    assert.equal((await bindWithToken(portal, portal.accessToken)).status, 200);
  });

  for (const tokenLifetimeMs of [0, -5, '1000']) {
    it(`refuses to start with a tokenLifetimeMs of ${JSON.stringify(tokenLifetimeMs)}`, async () => {
      await assert.rejects(startMockPortal({ tokenLifetimeMs }), TypeError);
    });
  }
});
