// Specification of how calls hold up against a busy or failing portal: the client's leaky
// bucket, which errors are retried and how long each retry waits, per-attempt timeouts, aborts,
// and the OAuth token refresh.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { bindTimeline, createClient } from '../../pkg/node.mjs';
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
  within,
} from './support/portal.mjs';
import { waitUntil, watch } from './support/waiting.mjs';

const mock = usePortal();

const TOO_MANY = { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' };
const QUERY_LIMIT = { status: 503, body: TOO_MANY };
const QUERY_LIMIT_ERROR = {
  code: 'QUERY_LIMIT_EXCEEDED',
  kind: 'rate_limit',
  status: 503,
  retryable: true,
};
const BLOCKED = 'Method is blocked due to operation time limit.';

// The portal's standard limit (50, draining 2 per second) on a clock 20 times as fast, and the
// same limit in real seconds for the client: 40 requests drain per real second.
const FAST_CLOCK = 20;
const SCALED_STANDARD = { burst: 50, drainPerSecond: 2 * FAST_CLOCK };

// The 200-call burst runs on a slower clock. The portal counts a request when
// it arrives, and on a loaded machine that can be half a second after the
// client sent it; at 20x that is 20 drained requests, far more than the tenth
// of the burst the client keeps in reserve. At 4x it is 4.
const BURST_CLOCK = 4;
const BURST_STANDARD = { burst: 50, drainPerSecond: 2 * BURST_CLOCK };

// Attempts the slowest retry tests may need; the default waits (0.5 s, then 1 s) keep them short.
const FEW = 3;

/** Starts a mock portal of its own for one test and stops it when the test ends. */
async function startPortal(t, options) {
  const portal = await startMockPortal(options);
  t.after(() => portal.close());
  return portal;
}

/** The documented fields with the OWNER_ID, ENTITY_ID and ENTITY_TYPE of call number `index`. */
function variedFields(index) {
  // Deal 13 is the one entity the portal denies; leaving deals out keeps every bind allowed.
  const types = ['lead', 'contact', 'company', 'order'];
  return {
    OWNER_ID: 1110 + (index % 6),
    ENTITY_ID: 1 + (index % 20),
    ENTITY_TYPE: types[index % types.length],
  };
}

/**
 * A fetch that passes every request on to the global one and notes, for each attempt, when it
 * was sent and when its answer (or failure) came back, from `performance.now()`.
 */
function timedFetch() {
  const attempts = [];
  const fetch = async (url, init) => {
    const attempt = { sentAt: performance.now(), answeredAt: undefined };
    attempts.push(attempt);
    try {
      return await globalThis.fetch(url, init);
    } finally {
      attempt.answeredAt = performance.now();
    }
  };
  return { fetch, attempts };
}

/** Milliseconds between each answer and the next attempt's sending. */
const pausesBetween = (attempts) =>
  attempts.slice(1).map((attempt, index) => attempt.sentAt - attempts[index].answeredAt);

/** The statuses the portal answered, in arrival order. */
const statusesSeen = (portal) => portal.requests.map((request) => request.status);

/** A 429 OPERATION_TIME_LIMIT answer whose budget resets at `resetAt` (unix seconds). */
const operatingLimitFault = (resetAt) => ({
  status: 429,
  body: {
    error: 'OPERATION_TIME_LIMIT',
    error_description: BLOCKED,
    time: { operating: 480.25, operating_reset_at: resetAt },
  },
});

/** Unix seconds `ms` milliseconds from now. */
const unixSecondsIn = (ms) => (Date.now() + ms) / 1000;

/**
 * Aborts `controller` while the `watched` call is pending; answers the call's rejection and how
 * many milliseconds after the abort it came. Fails when the call resolves instead.
 */
async function abortAndSettle(controller, watched) {
  assert.equal(watched.isSettled(), false, 'the call settled before the abort');
  const abortedAt = performance.now();
  controller.abort();
  const { value, error, at } = await within(10_000, watched.settled);
  assert.equal(value, undefined, 'the call resolved after the abort');
  return { error, after: at - abortedAt, abortedAt };
}

describe('the leaky bucket of a client', () => {
  it('spreads a burst of 200 calls over the drain rate, so the portal refuses at most 5', async (t) => {
    const portal = await startPortal(t, { rateLimit: 'standard', timeScale: BURST_CLOCK });
    const client = createClient({ ...webhookOf(portal), rateLimit: BURST_STANDARD });
    const start = performance.now();

    const answers = await within(
      45_000,
      Promise.all(
        Array.from({ length: 200 }, (_, index) => client.bindTimeline(variedFields(index))),
      ),
    );
    const elapsed = since(start);

    assert.deepEqual(
      answers.map((answer) => answer.result),
      Array.from({ length: 200 }, () => true),
    );
    assert.equal(statusesSeen(portal).filter((status) => status === 200).length, 200);
    assert.equal(portal.bindings.length, 60, 'the 60 distinct pairs of the burst were bound');
    assert.ok(
      portal.stats.queryLimitExceeded <= 5,
      `the portal refused ${portal.stats.queryLimitExceeded} requests`,
    );
    // 150 calls past the burst drain at 8 per second: 18.75 s, less a margin for timer slack.
    const paced = ((200 - 50) / BURST_STANDARD.drainPerSecond) * 1000 * 0.8;
    assert.ok(elapsed >= paced, `the burst finished in ${elapsed} ms, under ${paced} ms`);
  });

  it('does not pace a burst of standalone calls, which each start with an empty bucket', async (t) => {
    const portal = await startPortal(t, { rateLimit: 'standard', timeScale: FAST_CLOCK });
    const options = { ...webhookOf(portal), rateLimit: SCALED_STANDARD, maxAttempts: 1 };

    const outcomes = await within(
      30_000,
      Promise.allSettled(
        Array.from({ length: 200 }, (_, index) => bindTimeline(variedFields(index), options)),
      ),
    );

    const refused = outcomes.filter(
      (outcome) => outcome.status === 'rejected' && outcome.reason.code === QUERY_LIMIT_ERROR.code,
    );
    assert.ok(refused.length >= 50, `only ${refused.length} calls were refused`);
    assert.equal(portal.stats.queryLimitExceeded, refused.length);
    assert.equal(portal.requests.length, 200, 'one attempt per call');
  });

  it('holds back calls past the burst until the bucket has drained room for each', async () => {
    const { fetch, attempts } = timedFetch();
    // Room for 2 at once (a burst of 3, a tenth of it rounded up kept in
    // reserve), then one more every 200 ms.
    const client = createClient({
      ...webhookOf(mock.portal),
      rateLimit: { burst: 3, drainPerSecond: 5 },
      fetch,
    });
    const start = performance.now();

    const answers = await within(
      5000,
      Promise.all(
        [1, 2, 3, 4].map((ENTITY_ID) => client.bindTimeline({ ...DOCUMENTED_FIELDS, ENTITY_ID })),
      ),
    );

    assert.deepEqual(
      answers.map((answer) => answer.result),
      [true, true, true, true],
    );
    const sentAfter = attempts.map((attempt) => attempt.sentAt - start).sort((a, b) => a - b);
    assert.ok(sentAfter[1] < 190, `the second call waited ${sentAfter[1]} ms with room left`);
    assert.ok(sentAfter[2] >= 195, `the third call was sent after ${sentAfter[2]} ms`);
    assert.ok(sentAfter[3] >= 395, `the fourth call was sent after ${sentAfter[3]} ms`);
  });
});

describe('retrying errors marked retryable', () => {
  const TRANSIENT_FAILURES = [
    ['503 QUERY_LIMIT_EXCEEDED twice', { ...QUERY_LIMIT, times: 2 }, 3],
    [
      '500 INTERNAL_SERVER_ERROR once',
      {
        status: 500,
        body: { error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' },
      },
      2,
    ],
    ['a dropped connection once', { drop: true }, 2],
    ['an HTML 502 page once', { status: 502, body: '<html><body>Bad Gateway</body></html>' }, 2],
  ];

  for (const [label, fault, requests] of TRANSIENT_FAILURES) {
    it(`resolves after ${label}, having sent ${requests} requests`, async () => {
      mock.portal.queueFault(fault);
      const client = createClient({ ...webhookOf(mock.portal), rateLimit: SCALED_STANDARD });

      const answer = await within(10_000, client.bindTimeline({ ...DOCUMENTED_FIELDS }));

      assert.equal(answer.result, true);
      assert.equal(mock.portal.requests.length, requests);
      assert.equal(statusesSeen(mock.portal).at(-1), 200);
    });
  }

  // After QUERY_LIMIT_EXCEEDED the wait is the longer of the jittered backoff and the time the
  // client's bucket takes to drain one request.
  const DRAIN_INTERVALS = [
    ['{ burst: 50, drainPerSecond: 40 }', SCALED_STANDARD, 25],
    ["'standard'", 'standard', 500],
  ];

  for (const [label, rateLimit, intervalMs] of DRAIN_INTERVALS) {
    it(`waits at least one drain interval (${intervalMs} ms) of rateLimit ${label} before each retry after QUERY_LIMIT_EXCEEDED`, async () => {
      mock.portal.queueFault({ ...QUERY_LIMIT, times: 2 });
      const { fetch, attempts } = timedFetch();
      const client = createClient({ ...webhookOf(mock.portal), rateLimit, fetch });

      const answer = await within(10_000, client.bindTimeline({ ...DOCUMENTED_FIELDS }));

      assert.equal(answer.result, true);
      assert.deepEqual(statusesSeen(mock.portal), [503, 503, 200]);
      const pauses = pausesBetween(attempts);
      assert.equal(pauses.length, 2);
      // Two milliseconds of slack for timers that round to whole milliseconds.
      for (const pause of pauses) {
        assert.ok(pause >= intervalMs - 2, `retried after ${pause} ms: ${pauses.join(', ')}`);
      }
    });
  }

  it('waits no longer than the backoff step, 0.5 s and then 1 s, before retrying a 500', async () => {
    mock.portal.queueFault({
      status: 500,
      body: { error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' },
      times: 2,
    });
    const { fetch, attempts } = timedFetch();

    const answer = await within(
      10_000,
      bind({ ...DOCUMENTED_FIELDS }, { ...webhookOf(mock.portal), fetch }),
    );

    assert.equal(answer.result, true);
    const pauses = pausesBetween(attempts);
    assert.equal(pauses.length, 2);
    // Full jitter draws each wait between 0 and the step; 250 ms of slack for a busy machine.
    assert.ok(pauses[0] <= 500 + 250, `first retry after ${pauses[0]} ms`);
    assert.ok(pauses[1] <= 1000 + 250, `second retry after ${pauses[1]} ms`);
  });

  const ATTEMPT_LIMITS = [
    ['maxAttempts 1', { maxAttempts: 1 }, 1],
    ['maxAttempts 2', { maxAttempts: 2 }, 2],
    ['no maxAttempts (3 by default)', {}, 3],
  ];

  for (const [label, options, requests] of ATTEMPT_LIMITS) {
    it(`sends ${requests} requests in all with ${label} while the portal answers 503`, async () => {
      mock.portal.queueFault({ ...QUERY_LIMIT, times: 10 });

      await expectRejection(
        within(
          10_000,
          bind(
            { ...DOCUMENTED_FIELDS },
            {
              ...webhookOf(mock.portal),
              rateLimit: SCALED_STANDARD,
              ...options,
            },
          ),
        ),
        QUERY_LIMIT_ERROR,
      );
      await sleep(100);

      assert.equal(mock.portal.requests.length, requests);
    });
  }

  it("lets a call's maxAttempts override the client's", async () => {
    mock.portal.queueFault({ ...QUERY_LIMIT, times: 10 });
    const client = createClient({
      ...webhookOf(mock.portal),
      rateLimit: SCALED_STANDARD,
      maxAttempts: 1,
    });

    await expectRejection(
      within(10_000, client.bindTimeline({ ...DOCUMENTED_FIELDS }, { maxAttempts: 2 })),
      QUERY_LIMIT_ERROR,
    );

    assert.equal(mock.portal.requests.length, 2);
  });
});

describe('never retrying errors a retry cannot cure', () => {
  const denied = (status, error, description) => ({
    status,
    body: { error, error_description: description },
    times: FEW,
  });

  // Each arranges its failure and answers the fields and connection that meet it.
  const FINAL_FAILURES = [
    [
      '400 for an unknown timeline record',
      () => ({ fields: { ...DOCUMENTED_FIELDS, OWNER_ID: 9999 } }),
      { code: 'OWNER_ID_INVALID', kind: 'validation', status: 400 },
    ],
    [
      '400 Access denied for a deal the user may not edit',
      () => ({ fields: { ...DOCUMENTED_FIELDS, ENTITY_ID: 13 } }),
      { code: 'ACCESS_DENIED', kind: 'permission', status: 400 },
    ],
    [
      '401 NO_AUTH_FOUND for a wrong webhook code',
      (portal) => ({
        connection: { webhookUrl: `${portal.url}/rest/${portal.userId}/wrongcode0000000/` },
      }),
      { code: 'NO_AUTH_FOUND', kind: 'auth', status: 401 },
    ],
    [
      '401 invalid_token for an unknown OAuth token',
      (portal) => ({
        connection: { ...oauthOf(portal), accessToken: 'ffffffffffffffffffffffffffffffff' },
      }),
      { code: 'invalid_token', kind: 'auth', status: 401 },
    ],
    [
      '403 ACCESS_DENIED from the plan',
      (portal) => {
        portal.queueFault(
          denied(403, 'ACCESS_DENIED', 'REST API is available only on commercial plans'),
        );
        return {};
      },
      { code: 'ACCESS_DENIED', kind: 'permission', status: 403 },
    ],
    [
      '403 insufficient_scope',
      (portal) => {
        portal.queueFault(
          denied(403, 'insufficient_scope', 'The request requires higher privileges'),
        );
        return {};
      },
      { code: 'insufficient_scope', kind: 'permission', status: 403 },
    ],
    [
      '503 OVERLOAD_LIMIT',
      (portal) => {
        portal.queueFault(denied(503, 'OVERLOAD_LIMIT', 'REST API is blocked due to overload'));
        return {};
      },
      { code: 'OVERLOAD_LIMIT', kind: 'rate_limit', status: 503, retryable: false },
    ],
    [
      '500 PORTAL_DELETED',
      (portal) => {
        portal.queueFault(denied(500, 'PORTAL_DELETED', 'Portal was deleted'));
        return {};
      },
      { code: 'PORTAL_DELETED', kind: 'server', status: 500, retryable: false },
    ],
    [
      'a 200 answer that is not JSON',
      (portal) => {
        portal.queueFault({ status: 200, body: '<html>maintenance</html>', times: FEW });
        return {};
      },
      { code: 'INVALID_RESPONSE', kind: 'protocol', status: 200, retryable: false },
    ],
  ];

  for (const [label, arrange, expected] of FINAL_FAILURES) {
    it(`sends exactly one request for ${label}, with maxAttempts 3`, async () => {
      const { fields = DOCUMENTED_FIELDS, connection = webhookOf(mock.portal) } = arrange(
        mock.portal,
      );

      await expectRejection(
        within(10_000, bind({ ...fields }, { ...connection, maxAttempts: FEW })),
        expected,
      );
      await sleep(100);

      assert.equal(mock.portal.requests.length, 1);
    });
  }
});

describe('waiting out OPERATION_TIME_LIMIT', () => {
  it("retries at the answer's operating_reset_at, not before, and resolves", async () => {
    const resetAt = unixSecondsIn(1000);
    mock.portal.queueFault(operatingLimitFault(resetAt));
    const start = performance.now();

    const answer = await within(10_000, bind({ ...DOCUMENTED_FIELDS }, webhookOf(mock.portal)));

    assert.equal(answer.result, true);
    assert.deepEqual(statusesSeen(mock.portal), [429, 200]);
    const retriedAt = Date.parse(mock.portal.requests[1].time);
    assert.ok(retriedAt >= resetAt * 1000 - 15, `retried ${resetAt * 1000 - retriedAt} ms early`);
    const elapsed = since(start);
    assert.ok(elapsed < 3500, `resolved after ${elapsed} ms for a reset 1 s away`);
  });

  it("waits for the mock portal's operating-time window to move on, then binds", async (t) => {
    const portal = await startPortal(t, {
      operatingLimit: { budgetSeconds: 1, windowSeconds: 1, costSeconds: 1 },
    });
    const client = createClient(webhookOf(portal));
    const first = await client.bindTimeline({ ...DOCUMENTED_FIELDS });

    const second = await within(
      10_000,
      client.bindTimeline({ ...DOCUMENTED_FIELDS, ENTITY_ID: 11 }),
    );

    assert.equal(second.result, true);
    assert.equal(portal.stats.operationTimeLimit, 1);
    assert.deepEqual(statusesSeen(portal), [200, 429, 200]);
    const retriedAt = Date.parse(portal.requests[2].time);
    const resetAt = first.time.operating_reset_at * 1000;
    assert.ok(retriedAt >= resetAt - 15, `retried ${resetAt - retriedAt} ms before the reset`);
  });

  const FAR_RESETS = [
    ['5 minutes', 300_000],
    ['90 seconds', 90_000],
  ];

  for (const [label, inMs] of FAR_RESETS) {
    it(`gives up at once with OPERATION_TIME_LIMIT when the reset is ${label} away`, async () => {
      mock.portal.queueFault({ ...operatingLimitFault(unixSecondsIn(inMs)), times: FEW });
      const start = performance.now();

      await expectRejection(
        within(10_000, bind({ ...DOCUMENTED_FIELDS }, webhookOf(mock.portal))),
        {
          code: 'OPERATION_TIME_LIMIT',
          kind: 'rate_limit',
          status: 429,
          description: BLOCKED,
        },
      );

      const elapsed = since(start);
      assert.ok(elapsed < 1000, `gave up after ${elapsed} ms`);
      assert.equal(mock.portal.requests.length, 1);
    });
  }
});

describe('timeoutMs, which limits each attempt', () => {
  const SLOW = { delayMs: 3000, then: 'handle' };

  const SLOW_ATTEMPTS = [
    {
      label: 'rejects with TIMEOUT after one slow attempt with maxAttempts 1',
      faults: [SLOW],
      maxAttempts: 1,
      requests: 1,
    },
    {
      label: 'rejects with TIMEOUT after two slow attempts with maxAttempts 2',
      faults: [{ ...SLOW, times: 2 }],
      maxAttempts: 2,
      requests: 2,
    },
    {
      label: 'retries a slow first attempt and resolves with the second answer',
      faults: [SLOW],
      maxAttempts: 2,
      requests: 2,
      resolves: true,
    },
  ];

  for (const { label, faults, maxAttempts, requests, resolves } of SLOW_ATTEMPTS) {
    it(label, async () => {
      for (const fault of faults) mock.portal.queueFault(fault);
      const start = performance.now();

      const outcome = within(
        10_000,
        bind({ ...DOCUMENTED_FIELDS }, { ...webhookOf(mock.portal), maxAttempts, timeoutMs: 200 }),
      );

      if (resolves) assert.equal((await outcome).result, true);
      else {
        await expectRejection(outcome, {
          code: 'TIMEOUT',
          kind: 'network',
          retryable: true,
          status: undefined,
        });
      }
      const elapsed = since(start);
      // Every attempt ended at its timeout, long before the 3 s answer.
      assert.ok(elapsed < 2500, `settled after ${elapsed} ms`);
      assert.equal(mock.portal.requests.length, requests);
    });
  }

  it('lets a call run longer than timeoutMs when no single attempt does', async () => {
    mock.portal.queueFault(SLOW);
    mock.portal.queueFault({ delayMs: 250, then: 'handle' });
    const start = performance.now();

    const answer = await within(
      10_000,
      bind({ ...DOCUMENTED_FIELDS }, { ...webhookOf(mock.portal), maxAttempts: 2, timeoutMs: 400 }),
    );

    assert.equal(answer.result, true);
    assert.equal(mock.portal.requests.length, 2);
    const elapsed = since(start);
    assert.ok(elapsed >= 640, `resolved after ${elapsed} ms, within one timeout of 400 ms`);
  });
});

describe('signal', () => {
  const ALREADY_ABORTED = [
    [
      'a standalone call',
      (options) => bind({ ...DOCUMENTED_FIELDS }, { ...webhookOf(mock.portal), ...options }),
    ],
    [
      'a client call',
      (options) =>
        createClient(webhookOf(mock.portal)).bindTimeline({ ...DOCUMENTED_FIELDS }, options),
    ],
  ];

  for (const [label, call] of ALREADY_ABORTED) {
    it(`sends nothing and rejects with ABORTED for ${label} given an aborted signal`, async () => {
      const { fetch, calls } = countingFetch();

      await expectRejection(within(5000, call({ fetch, signal: AbortSignal.abort() })), {
        code: 'ABORTED',
        kind: 'aborted',
        retryable: false,
      });
      await sleep(50);

      assert.equal(calls.length, 0, 'fetch was called');
      assert.equal(mock.portal.requests.length, 0);
    });
  }

  it('rejects promptly with ABORTED during a slow attempt and sends no retry', async () => {
    mock.portal.queueFault({ delayMs: 3000, then: 'handle', times: FEW });
    const controller = new AbortController();
    const watched = watch(
      bind(
        { ...DOCUMENTED_FIELDS },
        {
          ...webhookOf(mock.portal),
          maxAttempts: FEW,
          signal: controller.signal,
        },
      ),
    );
    await waitUntil(() => mock.portal.requests.length === 1, 'the slow request');
    await sleep(100);

    const { error, after } = await abortAndSettle(controller, watched);

    await expectRejection(Promise.reject(error), { code: 'ABORTED', kind: 'aborted' });
    assert.ok(after < 500, `rejected ${after} ms after the abort`);
    await sleep(700);
    assert.equal(mock.portal.requests.length, 1, 'a request was sent after the abort');
  });

  it('rejects promptly with ABORTED during the wait before a retry and sends nothing more', async () => {
    mock.portal.queueFault({ ...QUERY_LIMIT, times: FEW });
    const controller = new AbortController();
    // One request drains every second: the retry after the 503 waits at least that long.
    const client = createClient({
      ...webhookOf(mock.portal),
      rateLimit: { burst: 50, drainPerSecond: 1 },
      maxAttempts: FEW,
    });
    const watched = watch(
      client.bindTimeline({ ...DOCUMENTED_FIELDS }, { signal: controller.signal }),
    );
    await waitUntil(() => mock.portal.requests[0]?.status === 503, 'the first 503');
    const refusedAt = performance.now();
    await sleep(100);

    const { error, after } = await abortAndSettle(controller, watched);

    await expectRejection(Promise.reject(error), { code: 'ABORTED', kind: 'aborted' });
    // Well before the wait (1 s or more) would have ended, with room for a loaded machine.
    assert.ok(after < 600, `rejected ${after} ms after the abort`);
    await sleep(Math.max(0, 1300 - since(refusedAt)));
    assert.equal(mock.portal.requests.length, 1, 'the retry was sent after the abort');
  });

  it('rejects promptly with ABORTED while waiting for room in a full bucket and sends nothing', async () => {
    const controller = new AbortController();
    // Room for one request, then one more every 2 s.
    const client = createClient({
      ...webhookOf(mock.portal),
      rateLimit: { burst: 1, drainPerSecond: 0.5 },
    });
    await client.bindTimeline({ ...DOCUMENTED_FIELDS });
    const firstDoneAt = performance.now();
    const watched = watch(
      client.bindTimeline({ ...DOCUMENTED_FIELDS, ENTITY_ID: 11 }, { signal: controller.signal }),
    );
    await sleep(100);

    const { error, after } = await abortAndSettle(controller, watched);

    await expectRejection(Promise.reject(error), { code: 'ABORTED', kind: 'aborted' });
    // Well before the wait (1 s or more) would have ended, with room for a loaded machine.
    assert.ok(after < 600, `rejected ${after} ms after the abort`);
    // Past the moment the bucket would have had room for the aborted call.
    await sleep(Math.max(0, 2300 - since(firstDoneAt)));
    assert.equal(mock.portal.requests.length, 1, 'the aborted call was sent after all');
  });
});

describe('refreshing an expired OAuth access token', () => {
  /**
   * A `refreshAccessToken` that records its calls and answers what `produce` gives, after
   * `delayMs` when given.
   */
  function refresher(produce, delayMs = 0) {
    const calls = [];
    const refreshAccessToken = async () => {
      calls.push(performance.now());
      if (delayMs > 0) await sleep(delayMs);
      return produce();
    };
    return { refreshAccessToken, calls };
  }

  /** Expires the portal's access token; answers the OAuth connection that still carries it. */
  function expiredConnection() {
    mock.portal.expireToken(mock.portal.accessToken);
    return oauthOf(mock.portal);
  }

  /** The access token each request carried in its body, in arrival order. */
  const tokensSent = () => mock.portal.requests.map((request) => request.params?.auth);

  it('calls refreshAccessToken once and repeats the request with the new token', async () => {
    const connection = expiredConnection();
    let fresh;
    const { refreshAccessToken, calls } = refresher(() => (fresh = mock.portal.issueToken()));
    const client = createClient({ ...connection, refreshAccessToken });

    const answer = await within(10_000, client.bindTimeline({ ...DOCUMENTED_FIELDS }));

    assert.equal(answer.result, true);
    assert.equal(calls.length, 1);
    assert.deepEqual(statusesSeen(mock.portal), [401, 200]);
    assert.deepEqual(tokensSent(), [connection.accessToken, fresh]);
  });

  it('refreshes on invalid_token as on expired_token', async () => {
    let fresh;
    const { refreshAccessToken, calls } = refresher(() => (fresh = mock.portal.issueToken()));
    const unknown = '0123456789abcdef0123456789abcdef';

    const answer = await within(
      10_000,
      bind(
        { ...DOCUMENTED_FIELDS },
        { ...oauthOf(mock.portal), accessToken: unknown, refreshAccessToken },
      ),
    );

    assert.equal(answer.result, true);
    assert.equal(calls.length, 1);
    assert.deepEqual(tokensSent(), [unknown, fresh]);
  });

  it('repeats the request outside the attempts count, even with maxAttempts 1', async () => {
    const { refreshAccessToken, calls } = refresher(() => mock.portal.issueToken());

    const answer = await within(
      10_000,
      bind(
        { ...DOCUMENTED_FIELDS },
        { ...expiredConnection(), refreshAccessToken, maxAttempts: 1 },
      ),
    );

    assert.equal(answer.result, true);
    assert.equal(calls.length, 1);
    assert.deepEqual(statusesSeen(mock.portal), [401, 200]);
  });

  it('sends later calls of the client with the new token, without refreshing again', async () => {
    let fresh;
    const { refreshAccessToken, calls } = refresher(() => (fresh = mock.portal.issueToken()));
    const client = createClient({ ...expiredConnection(), refreshAccessToken });

    await within(10_000, client.bindTimeline({ ...DOCUMENTED_FIELDS }));
    const later = await within(
      10_000,
      client.bindTimeline({ ...DOCUMENTED_FIELDS, ENTITY_ID: 11 }),
    );

    assert.equal(later.result, true);
    assert.equal(calls.length, 1);
    assert.deepEqual(statusesSeen(mock.portal), [401, 200, 200]);
    assert.equal(tokensSent()[2], fresh);
  });

  const REFRESH_SPEEDS = [
    ['answers at once', 0],
    ['takes 200 ms', 200],
  ];

  for (const [label, delayMs] of REFRESH_SPEEDS) {
    it(`shares one refresh among five calls that find the token expired together, when the refresh ${label}`, async () => {
      const connection = expiredConnection();
      let fresh;
      const { refreshAccessToken, calls } = refresher(
        () => (fresh = mock.portal.issueToken()),
        delayMs,
      );
      const client = createClient({ ...connection, refreshAccessToken });

      const answers = await within(
        10_000,
        Promise.all(
          [1, 2, 3, 4, 5].map((ENTITY_ID) =>
            client.bindTimeline({ ...DOCUMENTED_FIELDS, ENTITY_ID }),
          ),
        ),
      );

      assert.deepEqual(
        answers.map((answer) => answer.result),
        [true, true, true, true, true],
      );
      assert.equal(calls.length, 1, `refreshAccessToken ran ${calls.length} times`);
      const tokens = tokensSent();
      assert.equal(tokens.filter((token) => token === connection.accessToken).length, 5);
      assert.equal(tokens.filter((token) => token === fresh).length, 5);
      assert.equal(mock.portal.requests.length, 10);
    });
  }

  const EXPIRED_ERROR = { code: 'expired_token', kind: 'auth', status: 401, retryable: false };

  const FAILED_REFRESHES = [
    ['there is no refreshAccessToken', undefined, 1, 0],
    [
      'the new token is expired too',
      () => {
        const token = mock.portal.issueToken();
        mock.portal.expireToken(token);
        return token;
      },
      2,
      1,
    ],
    [
      'refreshAccessToken rejects',
      () => {
        throw new Error('the authorization server is down');
      },
      1,
      1,
    ],
    ['refreshAccessToken resolves something that is not a token', () => 42, 1, 1],
  ];

  for (const [label, produce, requests, refreshes] of FAILED_REFRESHES) {
    it(`rejects with the portal's expired_token when ${label}`, async () => {
      const recorded = produce ? refresher(produce) : { calls: [] };
      const options = { ...expiredConnection(), maxAttempts: FEW };
      if (recorded.refreshAccessToken) options.refreshAccessToken = recorded.refreshAccessToken;

      await expectRejection(within(10_000, bind({ ...DOCUMENTED_FIELDS }, options)), EXPIRED_ERROR);
      await sleep(50);

      assert.equal(recorded.calls.length, refreshes);
      assert.equal(mock.portal.requests.length, requests);
    });
  }

  it('rejects with the portal error when refreshAccessToken throws synchronously', async () => {
    let calls = 0;
    const refreshAccessToken = () => {
      calls += 1;
      throw new Error('no refresh token stored');
    };

    await expectRejection(
      within(
        10_000,
        bind({ ...DOCUMENTED_FIELDS }, { ...expiredConnection(), refreshAccessToken }),
      ),
      EXPIRED_ERROR,
    );

    assert.equal(calls, 1);
    assert.equal(mock.portal.requests.length, 1);
  });

  it('rejects promptly with ABORTED when aborted while the refresh is pending, and sends nothing more', async () => {
    const { refreshAccessToken, calls } = refresher(() => mock.portal.issueToken(), 3000);
    const controller = new AbortController();
    const watched = watch(
      bind(
        { ...DOCUMENTED_FIELDS },
        {
          ...expiredConnection(),
          refreshAccessToken,
          signal: controller.signal,
        },
      ),
    );
    await waitUntil(() => calls.length === 1, 'the refresh');
    await sleep(100);

    const { error, after, abortedAt } = await abortAndSettle(controller, watched);

    await expectRejection(Promise.reject(error), { code: 'ABORTED', kind: 'aborted' });
    assert.ok(after < 500, `rejected ${after} ms after the abort`);
    await sleep(Math.max(0, 3300 - since(abortedAt)));
    assert.equal(mock.portal.requests.length, 1, 'the request was repeated after the abort');
  });
});
