// Specification of the BX24 stand-in: the REST surface of the portal's BX24.js, quirks included,
// exercised against the mock portal over real sockets, and against a custom fetch where the mock
// cannot give the answer.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, beforeEach, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startMockPortal } from '../../pkg-template/mock-portal/index.mjs';
import { createBX24 } from './support/bx24-stand-in.mjs';

const BIND = 'crm.timeline.bindings.bind';
const LIST = 'crm.timeline.bindings.list';
const DOCUMENTED_FIELDS = { OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' };
const DOCUMENTED_FORM = 'fields[OWNER_ID]=1110&fields[ENTITY_ID]=10&fields[ENTITY_TYPE]=deal';
const SCOPE_DESCRIPTION =
  'The request requires higher privileges than provided by the webhook token';
const NETWORK_FAILURE = {
  error: 'ERROR_NETWORK',
  error_description: 'A network error occurred while the request was being executed.',
};

// A broken stand-in would never call back; this turns such a hang into a failure.
const DEADLINE_MS = 5000;

let portal;
before(async () => {
  portal = await startMockPortal();
});
beforeEach(() => portal.reset());
after(() => portal.close());

const sleep = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Resolves as `executor` does, or rejects once the deadline has passed. */
function withDeadline(what, executor) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no callback`)), DEADLINE_MS);
  });
  return Promise.race([new Promise(executor), deadline]).finally(() => clearTimeout(timer));
}

/** A stand-in for the mock portal, already through `init`; `options` override the defaults. */
async function readyBX24(options = {}) {
  const bx24 = createBX24({
    portalUrl: portal.portalUrl,
    accessToken: portal.accessToken,
    ...options,
  });
  await withDeadline('init', (resolve) => bx24.init(resolve));
  return bx24;
}

function callMethod(bx24, method, params) {
  return withDeadline(method, (resolve) => bx24.callMethod(method, params, resolve));
}

function callBatch(bx24, calls, haltOnError) {
  return withDeadline('batch', (resolve) => bx24.callBatch(calls, resolve, haltOnError));
}

/** A fetch that records each request and answers the next of `answers` (`[status, body]`). */
function scriptedFetch(...answers) {
  const sent = [];
  const fetch = async (url, init) => {
    const [status, body] = answers[Math.min(sent.length, answers.length - 1)];
    sent.push({ url, init });
    return new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json' },
    });
  };
  return { fetch, sent };
}

/** Sends one call meant to make BX24.js throw; answers what reached onThrow and the callback. */
async function callExpectingThrow(method, params) {
  const thrown = [];
  const calledBack = [];
  const bx24 = await readyBX24({ onThrow: (error) => thrown.push(error) });

  bx24.callMethod(method, params, (result) => calledBack.push(result));
  await sleep(300);

  return { thrown, calledBack };
}

describe('callMethod on success', () => {
  it('hands the callback the result and the time block, with no error', async () => {
    const bx24 = await readyBX24();
    let returned = 'not yet';

    const result = await withDeadline(BIND, (resolve) => {
      returned = bx24.callMethod(BIND, { fields: DOCUMENTED_FIELDS }, resolve);
    });

    assert.equal(returned, undefined);
    assert.equal(result.data(), true);
    assert.equal(result.error(), undefined);
    assert.equal(result.error_description(), undefined);
    assert.equal(typeof result.time().start, 'number');
    assert.equal(typeof result.time().finish, 'number');
    assert.match(result.time().date_start, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(portal.bindings, [{ OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' }]);
  });

  it("reads a list answer's total and, without a next page, sends nothing on next()", async () => {
    const bx24 = await readyBX24();
    await callMethod(bx24, BIND, { fields: DOCUMENTED_FIELDS });

    const result = await callMethod(bx24, LIST, { filter: { OWNER_ID: 1110 } });

    assert.deepEqual(result.data().items, [
      { OWNER_ID: '1110', ENTITY_ID: '10', ENTITY_TYPE: 'deal' },
    ]);
    assert.equal(result.total(), 1);
    assert.equal(result.more(), false);
    assert.equal(result.next(), false);
    await sleep(50);
    assert.equal(portal.requests.length, 2);
  });

  it("asks for the next page with start set to the answer's next, calling back again", async () => {
    const { fetch, sent } = scriptedFetch(
      [200, { result: [{ ID: '1' }], next: 1, total: 2 }],
      [200, { result: [{ ID: '2' }], total: 2 }],
    );
    // The assertion below runs inside the callback; onThrow carries its failure to the test.
    let failTest;
    const bx24 = await readyBX24({ fetch, accessToken: 'token', onThrow: (e) => failTest(e) });
    const pages = [];

    await withDeadline('two pages', (resolve, reject) => {
      failTest = reject;
      bx24.callMethod(LIST, { filter: { OWNER_ID: 1110 } }, (page) => {
        pages.push(page);
        if (page.more()) assert.equal(page.next(), true);
        else resolve();
      });
    });

    assert.deepEqual(
      pages.map((page) => page.data()),
      [[{ ID: '1' }], [{ ID: '2' }]],
    );
    assert.equal(pages[0].total(), 2);
    assert.equal(pages[1].next(), false);
    assert.equal(sent[1].init.body, 'filter[OWNER_ID]=1110&start=1&auth=token');
  });
});

describe('callMethod on a method error, whose code is empty', () => {
  const cases = [
    ['OWNER_ID is not defined or invalid.', { ...DOCUMENTED_FIELDS, OWNER_ID: 999 }],
    ['ENTITY_ID is not defined or invalid.', { ...DOCUMENTED_FIELDS, ENTITY_ID: 999 }],
    ['Access denied.', { ...DOCUMENTED_FIELDS, ENTITY_ID: 13 }],
  ];

  for (const [description, fields] of cases) {
    it(`counts "${description}" as an error with status 400 and code ""`, async () => {
      const bx24 = await readyBX24();

      const result = await callMethod(bx24, BIND, { fields });
      const error = result.error();

      assert.notEqual(error, undefined);
      assert.equal(result.error(), error);
      assert.equal(error.status, 400);
      assert.equal(error.getStatus(), 400);
      assert.deepEqual(error.ex, { error: '', error_description: description });
      assert.equal(error.getError(), error.ex);
      assert.equal(String(error), `: ${description} (400)`);
      assert.equal(result.error_description(), description);
      assert.equal(result.data(), undefined);
    });
  }
});

describe('callMethod on a system error', () => {
  const cases = [
    {
      name: 'a 401 for a token the portal does not know',
      options: { accessToken: 'not-the-token' },
      status: 401,
      code: 'invalid_token',
      description: 'The access token provided is invalid.',
    },
    {
      name: 'a 403 for a missing scope',
      fault: {
        status: 403,
        body: { error: 'insufficient_scope', error_description: SCOPE_DESCRIPTION },
      },
      status: 403,
      code: 'insufficient_scope',
      description: SCOPE_DESCRIPTION,
    },
  ];

  for (const { name, options, fault, status, code, description } of cases) {
    it(`passes ${name} to the callback with its code and status`, async () => {
      if (fault) portal.queueFault(fault);
      const bx24 = await readyBX24(options);

      const error = (await callMethod(bx24, BIND, { fields: DOCUMENTED_FIELDS })).error();

      assert.equal(error.status, status);
      assert.deepEqual(error.ex, { error: code, error_description: description });
      assert.equal(String(error), `${code}: ${description} (${status})`);
    });
  }
});

describe('callMethod when no answer comes', () => {
  it('calls back with status 0 and ERROR_NETWORK when the portal is closed', async () => {
    const closed = await startMockPortal();
    await closed.close();
    const bx24 = await readyBX24({ portalUrl: closed.portalUrl });

    const result = await callMethod(bx24, BIND, { fields: DOCUMENTED_FIELDS });

    assert.deepEqual({ ...result.error() }, { status: 0, ex: NETWORK_FAILURE });
    assert.equal(result.data(), undefined);
    assert.equal(
      String(result.error()),
      'ERROR_NETWORK: A network error occurred while the request was being executed. (0)',
    );
  });

  it('calls back with the same ERROR_NETWORK when the portal drops the connection', async () => {
    portal.queueFault({ drop: true });
    const bx24 = await readyBX24();

    const result = await callMethod(bx24, BIND, { fields: DOCUMENTED_FIELDS });

    assert.deepEqual({ ...result.error() }, { status: 0, ex: NETWORK_FAILURE });
    assert.equal(portal.requests[0].status, 0);
  });
});

describe('callMethod on answers BX24.js throws on', () => {
  const statusCases = [
    [500, { error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' }],
    [503, { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' }],
  ];

  for (const [status, body] of statusCases) {
    it(`throws on a ${status} JSON answer and never calls back`, async () => {
      portal.queueFault({ status, body });

      const { thrown, calledBack } = await callExpectingThrow(BIND, { fields: DOCUMENTED_FIELDS });

      assert.equal(calledBack.length, 0);
      assert.equal(thrown.length, 1);
      assert.ok(thrown[0] instanceof Error);
      assert.equal(thrown[0].status, status);
      assert.equal(portal.requests[0].status, status);
    });
  }

  const bodyCases = [
    ['an HTML page', '<html><body>Bitrix24 is updating</body></html>'],
    ['a JSON null', 'null'],
  ];

  for (const [label, body] of bodyCases) {
    it(`throws on a 200 answer whose body is ${label} and never calls back`, async () => {
      portal.queueFault({ status: 200, body });

      const { thrown, calledBack } = await callExpectingThrow(BIND, { fields: DOCUMENTED_FIELDS });

      assert.equal(calledBack.length, 0);
      assert.equal(thrown.length, 1);
      assert.ok(thrown[0] instanceof Error);
      assert.equal(thrown[0].status, 200);
    });
  }

  it('throws a TypeError when a custom fetch resolves to a non-Response', async () => {
    const thrown = [];
    const calledBack = [];
    const bx24 = await readyBX24({ fetch: async () => undefined, onThrow: (e) => thrown.push(e) });

    bx24.callMethod(BIND, { fields: DOCUMENTED_FIELDS }, (result) => calledBack.push(result));
    await sleep(100);

    assert.equal(calledBack.length, 0);
    assert.equal(thrown.length, 1);
    assert.ok(thrown[0] instanceof TypeError);
  });

  it('hands an error thrown by the callback to onThrow, as BX24.js lets it out', async () => {
    const thrown = [];
    const bx24 = await readyBX24({ onThrow: (error) => thrown.push(error) });
    const failure = new Error('callback failed');

    bx24.callMethod(BIND, { fields: DOCUMENTED_FIELDS }, () => {
      throw failure;
    });
    await sleep(300);

    assert.deepEqual(thrown, [failure]);
  });

  it('without onThrow, leaves the error uncaught, which ends a Node process', async () => {
    const standIn = new URL('./support/bx24-stand-in.mjs', import.meta.url).href;
    const script = `
      import { createBX24 } from ${JSON.stringify(standIn)};
      const fetch = async () => new Response('<html></html>', { status: 200 });
      const bx24 = createBX24({ portalUrl: 'http://portal.invalid', accessToken: 't', fetch });
      bx24.init(() => bx24.callMethod('${BIND}', {}, () => console.log('called back')));
    `;

    const run = promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);

    await assert.rejects(run, (error) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, /is not JSON/);
      assert.equal(error.stdout, '');
      return true;
    });
  });
});

describe('init', () => {
  it('holds calls made before init and sends them once init has run', async () => {
    const bx24 = createBX24({ portalUrl: portal.portalUrl, accessToken: portal.accessToken });
    const answered = withDeadline(BIND, (resolve) => {
      bx24.callMethod(BIND, { fields: DOCUMENTED_FIELDS }, resolve);
    });
    await sleep(100);
    assert.equal(portal.requests.length, 0);

    let initialized = false;
    bx24.init(() => {
      initialized = true;
    });
    assert.equal(initialized, false, 'init calls back later, not during the call');
    const result = await answered;

    assert.equal(initialized, true);
    assert.equal(result.data(), true);
    assert.equal(portal.requests.length, 1);
  });
});

describe('the request callMethod sends', () => {
  it('posts the documented fields as a bracket-notation form with auth last', async () => {
    const bx24 = await readyBX24();

    await callMethod(bx24, BIND, { fields: DOCUMENTED_FIELDS });
    const [request] = portal.requests;

    assert.equal(request.httpMethod, 'POST');
    assert.equal(request.path, `/rest/${BIND}.json`);
    assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(request.auth, 'oauth');
    assert.equal(request.rawBody, `${DOCUMENTED_FORM}&auth=${portal.accessToken}`);
  });

  it('writes nested objects as a[b][c], arrays as a[0], booleans as 1 and 0', async () => {
    const bx24 = await readyBX24();
    const params = {
      filter: { OWNER_ID: 1110, '>ID': 5 },
      select: ['ID', 'NAME'],
      flags: { on: true, off: false },
      deep: { a: { b: { c: 'x y&z' } } },
    };

    await callMethod(bx24, LIST, params);
    const [request] = portal.requests;

    assert.equal(
      request.rawBody,
      'filter[OWNER_ID]=1110&filter[%3EID]=5&select[0]=ID&select[1]=NAME' +
        '&flags[on]=1&flags[off]=0&deep[a][b][c]=x%20y%26z' +
        `&auth=${portal.accessToken}`,
    );
    assert.deepEqual(request.params, {
      filter: { OWNER_ID: '1110', '>ID': '5' },
      select: { 0: 'ID', 1: 'NAME' },
      flags: { on: '1', off: '0' },
      deep: { a: { b: { c: 'x y&z' } } },
      auth: portal.accessToken,
    });
  });

  it('throws a TypeError, sending nothing, for a method name that is not a string', async () => {
    const bx24 = await readyBX24();

    assert.throws(() => bx24.callMethod(undefined, {}, () => {}), TypeError);
    await sleep(50);
    assert.equal(portal.requests.length, 0);
  });
});

describe('callBatch', () => {
  it('sends halt and each call as a method?query command in bracket notation', async () => {
    const bx24 = await readyBX24();
    const calls = {
      first: [BIND, { fields: DOCUMENTED_FIELDS }],
      second: { method: BIND, params: { fields: { ...DOCUMENTED_FIELDS, ENTITY_ID: 11 } } },
    };

    await callBatch(bx24, calls, true);
    const [request] = portal.requests;

    assert.equal(request.path, '/rest/batch.json');
    assert.deepEqual(request.params, {
      halt: '1',
      cmd: {
        first: `${BIND}?${DOCUMENTED_FORM}`,
        second: `${BIND}?${DOCUMENTED_FORM.replace('=10', '=11')}`,
      },
      auth: portal.accessToken,
    });
    assert.ok(
      request.rawBody.startsWith(
        'halt=1&cmd[first]=crm.timeline.bindings.bind%3Ffields%5BOWNER_ID%5D%3D1110%26',
      ),
    );
  });

  it('numbers the commands of an array and sends halt=0 without haltOnError', async () => {
    const { fetch, sent } = scriptedFetch([200, { result: { result: [true] } }]);
    const bx24 = await readyBX24({ fetch, accessToken: 'token' });

    await callBatch(bx24, [['crm.timeline.bindings.fields', {}]]);

    assert.equal(sent[0].init.body, 'halt=0&cmd[0]=crm.timeline.bindings.fields&auth=token');
  });

  it("maps each call's result, error and time by its key", async () => {
    const firstTime = { start: 1, finish: 2, duration: 1 };
    const secondTime = { start: 2, finish: 3, duration: 1 };
    const { fetch } = scriptedFetch([
      200,
      {
        result: {
          result: { first: true },
          result_error: { second: { error: '', error_description: 'Access denied.' } },
          result_total: [],
          result_next: [],
          result_time: { first: firstTime, second: secondTime },
        },
        time: { start: 1, finish: 3 },
      },
    ]);
    const bx24 = await readyBX24({ fetch });

    const results = await callBatch(bx24, {
      first: [BIND, { fields: DOCUMENTED_FIELDS }],
      second: [BIND, { fields: { ...DOCUMENTED_FIELDS, ENTITY_ID: 13 } }],
    });

    assert.deepEqual(Object.keys(results), ['first', 'second']);
    assert.equal(results.first.data(), true);
    assert.equal(results.first.error(), undefined);
    assert.deepEqual(results.first.time(), firstTime);
    assert.equal(results.second.data(), undefined);
    assert.equal(results.second.error().status, 200);
    assert.equal(results.second.error().ex.error, '');
    assert.equal(results.second.error_description(), 'Access denied.');
    assert.equal(String(results.second.error()), ': Access denied. (200)');
    assert.deepEqual(results.second.time(), secondTime);
  });

  it('answers an array for an array of calls, reading sections that came back as []', async () => {
    const { fetch } = scriptedFetch([
      200,
      { result: { result: [true, false], result_error: [], result_time: [] } },
    ]);
    const bx24 = await readyBX24({ fetch });

    const results = await callBatch(bx24, [
      [BIND, { fields: DOCUMENTED_FIELDS }],
      [BIND, { fields: { ...DOCUMENTED_FIELDS, ENTITY_ID: 11 } }],
    ]);

    assert.ok(Array.isArray(results));
    assert.deepEqual(
      results.map((result) => [result.data(), result.error(), result.time()]),
      [
        [true, undefined, undefined],
        [false, undefined, undefined],
      ],
    );
  });

  it('gives every call the refusal of a batch the portal refuses as a whole', async () => {
    const bx24 = await readyBX24({ accessToken: 'not-the-token' });

    const results = await callBatch(bx24, { first: [BIND, {}], second: [LIST, {}] });

    for (const key of ['first', 'second']) {
      assert.equal(results[key].error().status, 401, key);
      assert.equal(results[key].error().ex.error, 'invalid_token', key);
    }
  });
});

describe('the placement surface besides REST', () => {
  it('reports the token and portal host, a non-admin user and the DEFAULT placement', async () => {
    const bx24 = await readyBX24();

    assert.deepEqual(bx24.getAuth(), {
      access_token: portal.accessToken,
      domain: new URL(portal.portalUrl).host,
    });
    assert.equal(bx24.isAdmin(), false);
    assert.deepEqual(bx24.placement.info(), { placement: 'DEFAULT', options: {} });
  });
});
