// Specification of the mock portal's `batch` method, exercised over real sockets with the
// global fetch: command strings, per-command errors, halt, the length limit, the two limits,
// command faults and the request log.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startMockPortal } from '../../pkg-template/mock-portal/index.mjs';
import { JSON_TYPE, call, postJson, postForm } from './support/http.mjs';

const BIND = 'crm.timeline.bindings.bind';
const UNBIND = 'crm.timeline.bindings.unbind';
const LIST = 'crm.timeline.bindings.list';
const ENTITY_TYPES = ['lead', 'deal', 'contact', 'company', 'order'];
const TIME_FIELDS = [
  'start',
  'finish',
  'duration',
  'processing',
  'date_start',
  'date_finish',
  'operating_reset_at',
  'operating',
];

async function startForTest(t, options) {
  const portal = await startMockPortal(options);
  t.after(() => portal.close());
  return portal;
}

/** A bind command in plain bracket notation; a field left undefined is left out. */
function bindCommand({ OWNER_ID, ENTITY_ID, ENTITY_TYPE }, method = BIND) {
  const fields = Object.entries({ OWNER_ID, ENTITY_ID, ENTITY_TYPE })
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `fields[${name}]=${value}`);
  return `${method}?${fields.join('&')}`;
}

const DOCUMENTED = bindCommand({ OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' });

/** `count` bind commands for `ownerId`, each to a different entity, keyed "0", "1", ... */
function distinctBinds(ownerId, count) {
  return Array.from({ length: count }, (_, index) =>
    bindCommand({
      OWNER_ID: ownerId,
      ENTITY_ID: 1 + Math.floor(index / ENTITY_TYPES.length),
      ENTITY_TYPE: ENTITY_TYPES[index % ENTITY_TYPES.length],
    }),
  );
}

const batch = (portal, body) => postJson(`${portal.webhookUrl}batch`, body);

function assertTimeBlock(time, label) {
  assert.deepEqual(Object.keys(time), TIME_FIELDS, label);
  assert.ok(time.finish >= time.start, label);
}

describe('a batch request', () => {
  let portal;
  before(async () => (portal = await startMockPortal()));
  after(() => portal.close());
  beforeEach(() => portal.reset());

  it('runs a JSON cmd object and answers each result by key, with 200 and a time block', async () => {
    const answer = await batch(portal, {
      halt: 0,
      cmd: {
        first: DOCUMENTED,
        second: bindCommand({ OWNER_ID: 1110, ENTITY_ID: 3, ENTITY_TYPE: 'lead' }),
        listed: `${LIST}?filter[OWNER_ID]=1110`,
      },
    });

    assert.equal(answer.status, 200);
    assert.deepEqual(Object.keys(answer.json), ['result', 'time']);
    assertTimeBlock(answer.json.time, 'the batch');
    const { result } = answer.json;
    assert.deepEqual(Object.keys(result), [
      'result',
      'result_error',
      'result_total',
      'result_next',
      'result_time',
    ]);
    assert.deepEqual(result.result, {
      first: true,
      second: true,
      listed: {
        items: [
          { OWNER_ID: '1110', ENTITY_ID: '10', ENTITY_TYPE: 'deal' },
          { OWNER_ID: '1110', ENTITY_ID: '3', ENTITY_TYPE: 'lead' },
        ],
      },
    });
    assert.deepEqual(result.result_total, { listed: 2 });
    assert.deepEqual(Object.keys(result.result_time), ['first', 'second', 'listed']);
    for (const [key, time] of Object.entries(result.result_time)) assertTimeBlock(time, key);
  });

  it('stores the bindings its commands make', async () => {
    await batch(portal, {
      cmd: {
        a: DOCUMENTED,
        b: bindCommand({ OWNER_ID: 1111, ENTITY_ID: 7, ENTITY_TYPE: 'COMPANY' }),
      },
    });

    assert.deepEqual(portal.bindings, [
      { OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' },
      { OWNER_ID: 1111, ENTITY_ID: 7, ENTITY_TYPE: 'company' },
    ]);
  });

  it('runs unbind like a call of its own', async () => {
    await batch(portal, { cmd: { bound: DOCUMENTED } });
    const answer = await batch(portal, {
      cmd: { unbound: bindCommand({ OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' }, UNBIND) },
    });

    assert.deepEqual(answer.json.result.result, { unbound: true });
    assert.deepEqual(portal.bindings, []);
  });

  it('reads a form body in bracket notation, the command strings encoded within it', async () => {
    const form = new URLSearchParams({
      halt: '0',
      'cmd[deal]': DOCUMENTED,
      'cmd[lead]': bindCommand({ OWNER_ID: 1112, ENTITY_ID: 2, ENTITY_TYPE: 'lead' }),
    });

    const answer = await postForm(`${portal.webhookUrl}batch`, form.toString());

    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json.result.result, { deal: true, lead: true });
    assert.deepEqual(answer.json.result.result_error, []);
    assert.equal(portal.bindings.length, 2);
  });

  it('reads a form body whose cmd is a bracket list, keyed by index', async () => {
    const form = new URLSearchParams([
      ['cmd[]', DOCUMENTED],
      ['cmd[]', `${LIST}?filter[OWNER_ID]=1110`],
    ]);

    const answer = await postForm(`${portal.webhookUrl}batch`, form.toString());

    assert.deepEqual(answer.json.result.result, [
      true,
      { items: [{ OWNER_ID: '1110', ENTITY_ID: '10', ENTITY_TYPE: 'deal' }] },
    ]);
    // Only the list has a total, so that section's keys do not run from 0: an object.
    assert.deepEqual(answer.json.result.result_total, { 1: 1 });
  });

  it('answers in the order of the keys sent, not sorted', async () => {
    const answer = await batch(portal, {
      cmd: {
        zulu: DOCUMENTED,
        alpha: bindCommand({ OWNER_ID: 1110, ENTITY_ID: 1, ENTITY_TYPE: 'lead' }),
        mike: bindCommand({ OWNER_ID: 1110, ENTITY_ID: 2, ENTITY_TYPE: 'lead' }),
      },
    });

    assert.deepEqual(Object.keys(answer.json.result.result), ['zulu', 'alpha', 'mike']);
    assert.deepEqual(Object.keys(answer.json.result.result_time), ['zulu', 'alpha', 'mike']);
  });

  it('answers lists by index when cmd is an array and every command succeeds', async () => {
    const answer = await batch(portal, { cmd: distinctBinds(1110, 3) });

    assert.deepEqual(answer.json.result.result, [true, true, true]);
    assert.equal(Array.isArray(answer.json.result.result_time), true);
    assert.equal(answer.json.result.result_time.length, 3);
    assert.deepEqual(answer.json.result.result_error, []);
  });

  it('answers objects by index, as the portal does, when a command of a cmd array fails', async () => {
    const answer = await batch(portal, {
      cmd: [
        DOCUMENTED,
        bindCommand({ OWNER_ID: 9999, ENTITY_ID: 1, ENTITY_TYPE: 'deal' }),
        DOCUMENTED,
      ],
    });

    assert.deepEqual(answer.json.result.result, { 0: true, 2: true });
    assert.deepEqual(Object.keys(answer.json.result.result_time), ['0', '2']);
    assert.deepEqual(answer.json.result.result_error, {
      1: { error: '', error_description: 'OWNER_ID is not defined or invalid.' },
    });
  });

  it('answers every section as [] when cmd is empty or missing', async () => {
    const empty = {
      result: [],
      result_error: [],
      result_total: [],
      result_next: [],
      result_time: [],
    };

    for (const body of [{ cmd: {} }, { cmd: [] }, {}]) {
      const answer = await batch(portal, body);
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.json.result, empty, JSON.stringify(body));
    }
  });

  it('matches command method names in any case and with a .json suffix', async () => {
    const answer = await batch(portal, {
      cmd: { shouting: DOCUMENTED.replace(BIND, 'CRM.Timeline.Bindings.Bind.json') },
    });

    assert.deepEqual(answer.json.result.result, { shouting: true });
  });

  it('answers over OAuth with the token in the body, and 401 without one, running nothing', async () => {
    const url = `${portal.url}/rest/batch`;

    const allowed = await postJson(url, { auth: portal.accessToken, cmd: { a: DOCUMENTED } });
    const refused = await postJson(url, { cmd: { b: DOCUMENTED.replace('=10', '=11') } });

    assert.deepEqual(allowed.json.result.result, { a: true });
    assert.equal(refused.status, 401);
    assert.deepEqual(refused.json, {
      error: 'NO_AUTH_FOUND',
      error_description: 'Wrong authorization data',
    });
    assert.equal(portal.bindings.length, 1);
  });
});

describe('command strings', () => {
  let portal;
  before(async () => (portal = await startMockPortal()));
  after(() => portal.close());
  beforeEach(() => portal.reset());

  /** Runs one list command with `query` appended and answers the params the method saw. */
  async function paramsOf(query) {
    const answer = await batch(portal, {
      cmd: { probe: `${LIST}?filter[OWNER_ID]=1110&${query}` },
    });
    assert.deepEqual(answer.json.result.result, { probe: { items: [] } });
    const [command] = portal.requests.at(-1).commands;
    return command.params;
  }

  it('decode percent-escaped brackets in names and escaped characters in values', async () => {
    const answer = await batch(portal, {
      cmd: {
        escaped:
          `${BIND}?fields%5BOWNER_ID%5D=1110` +
          '&fields%5BENTITY_ID%5D=%31%30&fields%5BENTITY_TYPE%5D=de%61l',
      },
    });

    assert.deepEqual(answer.json.result.result, { escaped: true });
    assert.deepEqual(portal.bindings, [{ OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' }]);
  });

  it('keep an escaped & and = inside a value instead of splitting there', async () => {
    const params = await paramsOf('note=a%26b%3Dc&key%3Dname=1');

    assert.equal(params.note, 'a&b=c');
    assert.equal(params['key=name'], '1');
  });

  it('fail on the escaped value, not on a field smuggled in by an escaped &', async () => {
    const answer = await batch(portal, {
      cmd: { smuggled: `${DOCUMENTED}%26fields%5BENTITY_ID%5D%3D13` },
    });

    assert.deepEqual(answer.json.result.result_error, {
      smuggled: { error: '', error_description: 'ENTITY_TYPE is not defined or invalid.' },
    });
  });

  it('read + as a space and an escaped + as a plus', async () => {
    const params = await paramsOf('note=two+words&sum=1%2B1');

    assert.equal(params.note, 'two words');
    assert.equal(params.sum, '1+1');
  });

  it('decode UTF-8, escaped or sent as is', async () => {
    const params = await paramsOf('escaped=%D0%A1%D0%B4%D0%B5%D0%BB%D0%BA%D0%B0&plain=Сделка ✓');

    assert.equal(params.escaped, 'Сделка');
    assert.equal(params.plain, 'Сделка ✓');
  });

  it('in a form body are decoded once for the body and once more for the command', async () => {
    const form = new URLSearchParams({
      'cmd[probe]': `${LIST}?filter[OWNER_ID]=1110&note=a%26b+c%2Bd`,
    });

    await postForm(`${portal.webhookUrl}batch`, form.toString());

    const [command] = portal.requests.at(-1).commands;
    assert.deepEqual(command.params, { filter: { OWNER_ID: '1110' }, note: 'a&b c+d' });
  });

  it('may carry no query at all', async () => {
    const answer = await batch(portal, { cmd: { bare: BIND } });

    assert.deepEqual(answer.json.result.result_error, {
      bare: { error: 'ERROR_ARGUMENT', error_description: "Argument 'fields' is null or empty" },
    });
  });
});

describe('failing commands', () => {
  let portal;
  before(async () => (portal = await startMockPortal()));
  after(() => portal.close());
  beforeEach(() => portal.reset());

  // Each command's own failure, as a call of its own would answer it, minus the HTTP status.
  const FAILURES = [
    {
      key: 'unknownRecord',
      command: bindCommand({ OWNER_ID: 9999, ENTITY_ID: 10, ENTITY_TYPE: 'deal' }),
      error: '',
      description: 'OWNER_ID is not defined or invalid.',
    },
    {
      key: 'unknownType',
      command: bindCommand({ OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'invoice' }),
      error: '',
      description: 'ENTITY_TYPE is not defined or invalid.',
    },
    {
      key: 'unknownEntity',
      command: bindCommand({ OWNER_ID: 1110, ENTITY_ID: 9999, ENTITY_TYPE: 'deal' }),
      error: '',
      description: 'ENTITY_ID is not defined or invalid.',
    },
    {
      key: 'deniedDeal',
      command: bindCommand({ OWNER_ID: 1110, ENTITY_ID: 13, ENTITY_TYPE: 'deal' }),
      error: '',
      description: 'Access denied.',
    },
    {
      key: 'noFields',
      command: `${BIND}?OWNER_ID=1110`,
      error: 'ERROR_ARGUMENT',
      description: "Argument 'fields' is null or empty",
    },
    {
      key: 'unbindMissing',
      command: bindCommand({ OWNER_ID: 1110, ENTITY_ID: 11, ENTITY_TYPE: 'deal' }, UNBIND),
      error: '',
      description: 'Not found.',
    },
    {
      key: 'listWithoutOwner',
      command: `${LIST}?filter[ENTITY_TYPE]=deal`,
      error: '',
      description: 'OWNER_ID is not defined or invalid.',
    },
    {
      key: 'unknownMethod',
      command: 'crm.deal.fly?ID=1',
      error: 'ERROR_METHOD_NOT_FOUND',
      description: 'Method not found!',
    },
    {
      key: 'nestedBatch',
      command: `batch?cmd[inner]=${encodeURIComponent(DOCUMENTED)}`,
      error: 'ERROR_BATCH_METHOD_NOT_ALLOWED',
      description: 'Method is not allowed for batch usage',
    },
    {
      key: 'notAString',
      command: 42,
      error: 'ERROR_METHOD_NOT_FOUND',
      description: 'Method not found!',
    },
  ];

  it('answer 200 with each failure in result_error and the successes in result', async () => {
    const cmd = { ok: DOCUMENTED };
    for (const { key, command } of FAILURES) cmd[key] = command;

    const answer = await batch(portal, { halt: 0, cmd });

    assert.equal(answer.status, 200);
    const { result } = answer.json;
    assert.deepEqual(result.result, { ok: true });
    assert.deepEqual(Object.keys(result.result_time), ['ok']);
    assert.deepEqual(
      result.result_error,
      Object.fromEntries(
        FAILURES.map(({ key, error, description }) => [
          key,
          { error, error_description: description },
        ]),
      ),
    );
  });

  it("store nothing, not even the nested batch's own command", async () => {
    const cmd = Object.fromEntries(FAILURES.map(({ key, command }) => [key, command]));

    await batch(portal, { cmd });

    assert.deepEqual(portal.bindings, []);
  });

  it('answer result [] and result_time [] when every command failed', async () => {
    const answer = await batch(portal, {
      cmd: { a: FAILURES[0].command, b: FAILURES[3].command },
    });

    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json.result.result, []);
    assert.deepEqual(answer.json.result.result_time, []);
    assert.deepEqual(answer.json.result.result_total, []);
    assert.deepEqual(Object.keys(answer.json.result.result_error), ['a', 'b']);
  });

  it('leave result_error [] when every command succeeded', async () => {
    const answer = await batch(portal, { cmd: { a: DOCUMENTED } });

    assert.deepEqual(answer.json.result.result_error, []);
    assert.deepEqual(answer.json.result.result_next, []);
  });
});

describe('halt', () => {
  let portal;
  before(async () => (portal = await startMockPortal()));
  after(() => portal.close());
  beforeEach(() => portal.reset());

  const cmd = {
    before: bindCommand({ OWNER_ID: 1110, ENTITY_ID: 1, ENTITY_TYPE: 'lead' }),
    failing: bindCommand({ OWNER_ID: 9999, ENTITY_ID: 1, ENTITY_TYPE: 'lead' }),
    after: bindCommand({ OWNER_ID: 1110, ENTITY_ID: 2, ENTITY_TYPE: 'lead' }),
  };
  const FAILED = {
    failing: { error: '', error_description: 'OWNER_ID is not defined or invalid.' },
  };

  it('1 stops at the first failing command: later ones neither run nor appear', async () => {
    const answer = await batch(portal, { halt: 1, cmd });

    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json.result.result, { before: true });
    assert.deepEqual(answer.json.result.result_error, FAILED);
    assert.deepEqual(Object.keys(answer.json.result.result_time), ['before']);
    assert.deepEqual(portal.bindings, [{ OWNER_ID: 1110, ENTITY_ID: 1, ENTITY_TYPE: 'lead' }]);
    assert.equal(portal.stats.batchCommands, 2);
  });

  it('0 runs every command after a failure', async () => {
    const answer = await batch(portal, { halt: 0, cmd });

    assert.deepEqual(answer.json.result.result, { before: true, after: true });
    assert.deepEqual(answer.json.result.result_error, FAILED);
    assert.equal(portal.bindings.length, 2);
    assert.equal(portal.stats.batchCommands, 3);
  });

  it('true halts like 1, and leaving it out runs everything', async () => {
    const halted = await batch(portal, { halt: true, cmd });
    portal.reset();
    const unhalted = await batch(portal, { cmd });

    assert.deepEqual(Object.keys(halted.json.result.result), ['before']);
    assert.deepEqual(Object.keys(unhalted.json.result.result), ['before', 'after']);
  });

  it('is read from a form as PHP reads it: "1" halts, "0" does not', async () => {
    const form = (halt) => {
      const fields = new URLSearchParams({ halt });
      for (const [key, command] of Object.entries(cmd)) fields.append(`cmd[${key}]`, command);
      return fields.toString();
    };

    const halted = await postForm(`${portal.webhookUrl}batch`, form('1'));
    portal.reset();
    const unhalted = await postForm(`${portal.webhookUrl}batch`, form('0'));

    assert.deepEqual(Object.keys(halted.json.result.result), ['before']);
    assert.deepEqual(Object.keys(unhalted.json.result.result), ['before', 'after']);
  });
});

describe('the batch length', () => {
  let portal;
  before(async () => (portal = await startMockPortal()));
  after(() => portal.close());
  beforeEach(() => portal.reset());

  it('allows 50 commands', async () => {
    const answer = await batch(portal, { cmd: distinctBinds(1110, 50) });

    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json.result.result, Array(50).fill(true));
    assert.equal(portal.bindings.length, 50);
  });

  it('refuses 51 commands with 400 ERROR_BATCH_LENGTH_EXCEEDED, running none', async () => {
    const answer = await batch(portal, { cmd: distinctBinds(1110, 51) });

    assert.equal(answer.status, 400);
    assert.equal(answer.headers.get('content-type'), JSON_TYPE);
    assert.deepEqual(answer.json, {
      error: 'ERROR_BATCH_LENGTH_EXCEEDED',
      error_description: 'Max batch length exceeded',
    });
    assert.deepEqual(portal.bindings, []);
    assert.equal(portal.stats.batchCommands, 0);
    assert.equal(portal.requests[0].status, 400);
  });

  it('counts the keys of a cmd object the same way', async () => {
    const cmd = Object.fromEntries(
      distinctBinds(1110, 51).map((command, index) => [`k${index}`, command]),
    );

    const answer = await batch(portal, { cmd });

    assert.equal(answer.status, 400);
    assert.equal(answer.json.error, 'ERROR_BATCH_LENGTH_EXCEEDED');
  });
});

describe('the limits', () => {
  it('count a whole batch once against the leaky bucket and refuse the next one whole', async (t) => {
    const portal = await startForTest(t, { rateLimit: { burst: 2, drainPerSecond: 0.001 } });

    const first = await batch(portal, { cmd: distinctBinds(1110, 50) });
    const second = await batch(portal, { cmd: distinctBinds(1111, 50) });
    const third = await batch(portal, { cmd: distinctBinds(1112, 50) });

    assert.deepEqual([first.status, second.status, third.status], [200, 200, 503]);
    assert.deepEqual(first.json.result.result, Array(50).fill(true));
    assert.deepEqual(second.json.result.result, Array(50).fill(true));
    assert.deepEqual(third.json, {
      error: 'QUERY_LIMIT_EXCEEDED',
      error_description: 'Too many requests',
    });
    assert.equal(portal.bindings.length, 100, 'the refused batch bound nothing');
    assert.equal(portal.stats.queryLimitExceeded, 1);
    assert.equal(portal.stats.batchCommands, 100);
    const level = portal.rateLimit.level();
    assert.ok(level > 1.9 && level <= 2, `level ${level}`);
  });

  it("count each command toward its own method's operating time", async (t) => {
    const portal = await startForTest(t, { operatingLimit: { budgetSeconds: 2 } });

    const answer = await batch(portal, {
      cmd: {
        a: bindCommand({ OWNER_ID: 1110, ENTITY_ID: 1, ENTITY_TYPE: 'lead' }),
        b: bindCommand({ OWNER_ID: 1110, ENTITY_ID: 2, ENTITY_TYPE: 'lead' }),
        c: bindCommand({ OWNER_ID: 1110, ENTITY_ID: 3, ENTITY_TYPE: 'lead' }),
        listed: `${LIST}?filter[OWNER_ID]=1110`,
      },
    });
    const alone = await postJson(`${portal.webhookUrl}${BIND}`, {
      fields: { OWNER_ID: 1110, ENTITY_ID: 4, ENTITY_TYPE: 'lead' },
    });

    const { result } = answer.json;
    assert.equal(answer.status, 200);
    assert.deepEqual(Object.keys(result.result), ['a', 'b', 'listed']);
    assert.deepEqual(result.result_error, {
      c: {
        error: 'OPERATION_TIME_LIMIT',
        error_description: 'Method is blocked due to operation time limit.',
      },
    });
    assert.deepEqual(
      [result.result_time.a.operating, result.result_time.b.operating],
      [1, 2],
      "the bind's sum grows per command",
    );
    assert.equal(result.result_time.listed.operating, 1, 'the list has a budget of its own');
    assert.equal(alone.status, 429, 'the commands spent the budget of a call of its own');
    assert.equal(portal.stats.operationTimeLimit, 2);
    assert.equal(portal.bindings.length, 2);
  });

  it('spend no operating time on the batch itself', async (t) => {
    const portal = await startForTest(t, { operatingLimit: { budgetSeconds: 1 } });

    const answers = [];
    for (let round = 0; round < 3; round++) answers.push(await batch(portal, { cmd: {} }));

    assert.deepEqual(
      answers.map((answer) => answer.status),
      [200, 200, 200],
    );
    assert.equal(portal.stats.operationTimeLimit, 0);
  });
});

describe('faults', () => {
  let portal;
  before(async () => (portal = await startMockPortal()));
  after(() => portal.close());
  beforeEach(() => portal.reset());

  const SERVER_FAILURE = {
    error: 'INTERNAL_SERVER_ERROR',
    error_description: 'Internal server error',
  };
  const threeBinds = () => ({
    cmd: {
      a: bindCommand({ OWNER_ID: 1110, ENTITY_ID: 1, ENTITY_TYPE: 'lead' }),
      b: bindCommand({ OWNER_ID: 1110, ENTITY_ID: 2, ENTITY_TYPE: 'lead' }),
      c: bindCommand({ OWNER_ID: 1110, ENTITY_ID: 3, ENTITY_TYPE: 'lead' }),
    },
  });

  it('a queued fault answers the whole batch, which then runs nothing', async () => {
    const body = { error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' };
    portal.queueFault({ status: 500, body });

    const answer = await batch(portal, threeBinds());

    assert.equal(answer.status, 500);
    assert.deepEqual(answer.json, body);
    assert.deepEqual(portal.bindings, []);
    assert.equal(portal.stats.batchCommands, 0);
    assert.equal(portal.requests[0].fault, true);
  });

  it('queueCommandFault fails the next commands with its body, without running them', async () => {
    portal.queueCommandFault({ times: 2, ...SERVER_FAILURE });

    const answer = await batch(portal, threeBinds());
    const next = await batch(portal, threeBinds());

    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json.result.result, { c: true });
    assert.deepEqual(answer.json.result.result_error, { a: SERVER_FAILURE, b: SERVER_FAILURE });
    assert.deepEqual(next.json.result.result_error, [], 'the fault was used up');
    assert.equal(portal.stats.batchCommands, 6);
  });

  it('a command fault carries any error body, an empty code included', async () => {
    const emptyCode = { error: '', error_description: 'Access denied.' };
    portal.queueCommandFault(emptyCode);

    const answer = await batch(portal, threeBinds());

    assert.deepEqual(answer.json.result.result_error, { a: emptyCode });
  });

  it('a command fault defaults to one INTERNAL_SERVER_ERROR', async () => {
    portal.queueCommandFault({});

    const answer = await batch(portal, threeBinds());

    assert.deepEqual(answer.json.result.result_error, { a: SERVER_FAILURE });
    assert.deepEqual(Object.keys(answer.json.result.result), ['b', 'c']);
  });

  it('command faults are taken first in, first out', async () => {
    portal.queueCommandFault({ error: 'FIRST', error_description: 'first' });
    portal.queueCommandFault({ error: 'SECOND', error_description: 'second' });

    const answer = await batch(portal, threeBinds());

    assert.deepEqual(answer.json.result.result_error, {
      a: { error: 'FIRST', error_description: 'first' },
      b: { error: 'SECOND', error_description: 'second' },
    });
  });

  it('a command fault stops a halting batch like any failure', async () => {
    portal.queueCommandFault(SERVER_FAILURE);

    const answer = await batch(portal, { halt: 1, ...threeBinds() });

    assert.deepEqual(answer.json.result.result, []);
    assert.deepEqual(answer.json.result.result_error, { a: SERVER_FAILURE });
    assert.deepEqual(portal.bindings, []);
  });

  it('a command fault waits for a batch: calls of their own do not take it', async () => {
    portal.queueCommandFault(SERVER_FAILURE);

    const alone = await postJson(`${portal.webhookUrl}${BIND}`, {
      fields: { OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' },
    });
    const answer = await batch(portal, threeBinds());

    assert.equal(alone.status, 200);
    assert.deepEqual(answer.json.result.result_error, { a: SERVER_FAILURE });
  });

  it('queueCommandFault refuses a fault that is not shaped as documented', () => {
    for (const fault of [
      'boom',
      null,
      { error: 500 },
      { error_description: null },
      { times: 0 },
      { times: 1.5 },
    ]) {
      assert.throws(() => portal.queueCommandFault(fault), TypeError, JSON.stringify(fault));
    }
  });

  it('clearFaults and reset forget command faults', async () => {
    portal.queueCommandFault(SERVER_FAILURE);
    portal.clearFaults();
    const afterClear = await batch(portal, threeBinds());
    portal.queueCommandFault(SERVER_FAILURE);
    portal.reset();
    const afterReset = await batch(portal, threeBinds());

    assert.deepEqual(afterClear.json.result.result_error, []);
    assert.deepEqual(afterReset.json.result.result_error, []);
  });

  it('POST /__mock/command-faults queues one for another process; DELETE /__mock/faults clears it', async () => {
    const control = (method, body) =>
      call(`${portal.url}/__mock/${method === 'POST' ? 'command-faults' : 'faults'}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    const queued = await control('POST', { times: 1, ...SERVER_FAILURE });
    const failed = await batch(portal, threeBinds());
    const refused = await control('POST', { times: -1 });
    await control('POST', SERVER_FAILURE);
    const cleared = await control('DELETE');
    const clean = await batch(portal, threeBinds());

    assert.equal(queued.status, 204);
    assert.deepEqual(failed.json.result.result_error, { a: SERVER_FAILURE });
    assert.equal(refused.status, 400);
    assert.equal(refused.json.error, 'INVALID_REQUEST');
    assert.equal(cleared.status, 204);
    assert.deepEqual(clean.json.result.result_error, []);
  });
});

describe('the request log and stats', () => {
  let portal;
  before(async () => (portal = await startMockPortal()));
  after(() => portal.close());
  beforeEach(() => portal.reset());

  it('record a batch as one request, with restMethod batch and the commands it ran', async () => {
    await batch(portal, {
      cmd: { good: DOCUMENTED, bad: 'crm.deal.fly?ID=1' },
    });

    assert.equal(portal.requests.length, 1);
    const [entry] = portal.requests;
    assert.equal(entry.restMethod, 'batch');
    assert.equal(entry.status, 200);
    assert.deepEqual(entry.commands, [
      {
        key: 'good',
        method: BIND,
        params: { fields: { OWNER_ID: '1110', ENTITY_ID: '10', ENTITY_TYPE: 'deal' } },
        ok: true,
      },
      { key: 'bad', method: 'crm.deal.fly', params: { ID: '1' }, ok: false },
    ]);
  });

  it('leave commands undefined for a call that is not a batch', async () => {
    await postJson(`${portal.webhookUrl}${BIND}`, {
      fields: { OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' },
    });

    assert.equal(portal.requests[0].commands, undefined);
  });

  it('leave auth out of command params in GET /__mock/requests', async () => {
    await batch(portal, { cmd: { a: `${DOCUMENTED}&auth=secret-token` } });

    const log = await call(`${portal.url}/__mock/requests`, { method: 'GET' });

    assert.equal(log.json[0].commands[0].params.auth, undefined);
    assert.deepEqual(log.json[0].commands[0].params.fields, {
      OWNER_ID: '1110',
      ENTITY_ID: '10',
      ENTITY_TYPE: 'deal',
    });
  });

  it('count the commands batches ran in stats.batchCommands, which reset zeroes', async () => {
    await batch(portal, { cmd: distinctBinds(1110, 3) });
    await batch(portal, { cmd: ['crm.deal.fly'] });
    const counted = portal.stats.batchCommands;
    portal.reset();

    assert.equal(counted, 4);
    assert.equal(portal.stats.batchCommands, 0);
  });

  it('report the commands beside the refusal counts in one frozen stats object', async () => {
    await batch(portal, { cmd: distinctBinds(1110, 2) });

    assert.deepEqual(portal.stats, { queryLimitExceeded: 0, operationTimeLimit: 0, batchCommands: 2 });
    assert.equal(Object.isFrozen(portal.stats), true);
  });
});
