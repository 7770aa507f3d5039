// Specification of what hostile answers and hostile fields cannot do to bindTimeline: crash the
// module, hang a call, pollute a prototype, or get a request sent. Answers come from a custom
// fetch; fields are built to break a careless reader.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { B24Error, createClient, validateBindFields } from '../../pkg/node.mjs';
import {
  DOCUMENTED_BODY,
  DOCUMENTED_FIELDS,
  assertB24Error,
  bind,
  expectRejection,
  recordingFetch,
  usePortal,
  webhookOf,
  within,
} from './support/portal.mjs';

const mock = usePortal();

// Taken before any test ran: no hostile input may add to or change Object.prototype.
const PROTOTYPE_KEYS = Reflect.ownKeys(Object.prototype);

const MEBIBYTE = 1024 * 1024;
const HUGE = 20 * MEBIBYTE;
const DEEP = 10_000;
const asJson = { 'content-type': 'application/json' };
const HTML_PAGE = '<!DOCTYPE html><html><head><title>500</title></head><body>Oops</body></html>';

/** Checks that nothing was added to Object.prototype and `{}` inherits no `polluted`. */
function assertPrototypesUntouched() {
  assert.deepEqual(Reflect.ownKeys(Object.prototype), PROTOTYPE_KEYS);
  assert.equal({}.polluted, undefined, 'Object.prototype was polluted');
  assert.equal(Object.prototype.polluted, undefined);
}

/** A value `depth` levels deep: each level an object (or array) holding the next. */
function nested(depth, asArray = false) {
  const root = asArray ? [] : {};
  let level = root;
  for (let index = 0; index < depth; index++) {
    const next = asArray ? [] : {};
    if (asArray) level.push(next);
    else level.inner = next;
    level = next;
  }
  return root;
}

/** `bytes` bytes of binary noise: neither JSON nor valid UTF-8. */
function garbage(bytes) {
  const buffer = new Uint8Array(bytes);
  for (let index = 0; index < bytes; index++) buffer[index] = (index * 7919 + 0x80) & 0xff;
  return buffer;
}

/**
 * A fetch whose first call answers what `first()` gives; later calls go to the global fetch, so
 * the call after a hostile answer reaches the mock portal.
 */
function firstCallHostile(first) {
  let calls = 0;
  return (url, init) => {
    calls += 1;
    return calls === 1 ? first(url, init) : globalThis.fetch(url, init);
  };
}

/**
 * Makes one call through a client whose fetch gives the hostile answer, then a second call through
 * the same client; answers the first call's outcome after checking that the second one bound.
 */
async function callThenRecover(hostileFetch) {
  const client = createClient({
    ...webhookOf(mock.portal),
    maxAttempts: 1,
    fetch: firstCallHostile(hostileFetch),
  });

  const outcome = await within(
    20_000,
    client.bindTimeline({ ...DOCUMENTED_FIELDS }).then(
      (value) => ({ value }),
      (error) => ({ error }),
    ),
  );
  const next = await within(10_000, client.bindTimeline({ ...DOCUMENTED_FIELDS }));

  assert.equal(next.result, true, 'the call after the hostile answer did not bind');
  assert.equal(mock.portal.requests.length, 1, 'the hostile answer reached the portal');
  assertPrototypesUntouched();
  return outcome;
}

/** An answer of `status` carrying `body` (a string, bytes, or null for none). */
const answer =
  (body, status = 200, headers = asJson) =>
  async () =>
    new Response(body, { status, headers });

const INVALID = { code: 'INVALID_RESPONSE', kind: 'protocol' };

describe('answers that are not what the method returns', () => {
  const HOSTILE_ANSWERS = [
    ['a body that is not JSON', answer('result=true', 200, { 'content-type': 'text/plain' }), {}],
    ['JSON cut off inside the time block', answer('{"result":true,"time":{"start":1712132'), {}],
    ["another method's answer", answer('{"result":{"items":[],"total":0}}'), {}],
    ['the result nested one level down', answer('{"data":{"result":true}}'), {}],
    ['a bare JSON true', answer('true'), {}],
    ['a result of null', answer('{"result":null}'), {}],
    ['a result of [true]', answer('{"result":[true]}'), {}],
    ['a result of "false"', answer('{"result":"false"}'), {}],
    [
      'an HTML error page with HTTP 500',
      answer(HTML_PAGE, 500, {}),
      { status: 500, retryable: true },
    ],
    ['an HTML login page with HTTP 200', answer(HTML_PAGE, 200, {}), {}],
    ['an empty body with HTTP 200', answer(null), {}],
    ['an empty body with HTTP 204', answer(null, 204, {}), { status: 204 }],
    ['a body of NUL bytes', answer('\0\0\0\0'), {}],
    ['20 MB of garbage bytes', answer(garbage(HUGE), 200, {}), {}],
  ];

  for (const [label, hostileFetch, expected] of HOSTILE_ANSWERS) {
    it(`rejects ${label} with INVALID_RESPONSE, then binds on the next call`, async () => {
      const { error } = await callThenRecover(hostileFetch);

      assertB24Error(error, { ...INVALID, status: 200, retryable: false, ...expected });
    });
  }

  it('rejects a 20 MB error description with HTTP 500 as the portal error, then binds', async () => {
    const description = 'x'.repeat(HUGE);
    const body = JSON.stringify({ error: 'INTERNAL_SERVER_ERROR', error_description: description });

    const { error } = await callThenRecover(answer(body, 500));

    assertB24Error(error, { code: 'INTERNAL_SERVER_ERROR', kind: 'server', status: 500 });
  });
});

describe('answers that hold the result among hostile extras', () => {
  const TIME_TYPES = {
    start: 'number',
    finish: 'number',
    duration: 'number',
    processing: 'number',
    date_start: 'string',
    date_finish: 'string',
    operating_reset_at: 'number',
    operating: 'number',
  };

  const EXTRAS = [
    ['20 MB of JSON under an unrelated key', () => `{"result":true,"junk":"${'x'.repeat(HUGE)}"}`],
    [
      'a time block nested 100,000 arrays deep',
      () => `{"result":true,"time":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
    ],
    [
      '__proto__ keys in the answer and in its time block',
      () => '{"__proto__":{"polluted":1},"result":true,"time":{"__proto__":{"polluted":2}}}',
    ],
    [
      'time fields of the wrong types',
      () => '{"result":true,"time":{"start":"yesterday","date_start":42,"operating":[1]}}',
    ],
  ];

  for (const [label, body] of EXTRAS) {
    it(`resolves result true from an answer with ${label}, keeping only documented time fields`, async () => {
      const { value, error } = await callThenRecover(answer(body()));

      assert.equal(error, undefined, `rejected with ${error?.code}`);
      assert.equal(value.result, true);
      assert.deepEqual(
        Object.keys(value).filter((key) => key !== 'time'),
        ['result'],
      );
      assert.equal(Object.getPrototypeOf(value), Object.prototype);
      assert.equal(value.polluted, undefined);
      for (const [field, fieldValue] of Object.entries(value.time ?? {})) {
        assert.equal(typeof fieldValue, TIME_TYPES[field], `time.${field} is ${fieldValue}`);
      }
    });
  }
});

describe('a custom fetch that breaks its contract', () => {
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const explodingError = {
    get message() {
      throw new Error('message getter exploded');
    },
    get cause() {
      throw new Error('cause getter exploded');
    },
  };
  const ownCause = new Error('loops');
  ownCause.cause = ownCause;

  // `codes` lists what the failure may be reported as.
  const BROKEN_FETCHES = [
    ['rejects with a Symbol', () => Promise.reject(Symbol('offline')), ['NETWORK_ERROR']],
    ['rejects with a revoked Proxy', () => Promise.reject(revoked.proxy), ['NETWORK_ERROR']],
    [
      'rejects with an object whose message and cause getters throw',
      () => Promise.reject(explodingError),
      ['NETWORK_ERROR'],
    ],
    [
      'rejects with an Error that is its own cause',
      () => Promise.reject(ownCause),
      ['NETWORK_ERROR'],
    ],
    [
      'returns a thenable whose then throws',
      () => ({
        then() {
          throw new Error('then exploded');
        },
      }),
      ['NETWORK_ERROR'],
    ],
    ['resolves a revoked Proxy', async () => revoked.proxy, ['INVALID_RESPONSE', 'NETWORK_ERROR']],
    [
      'resolves an object whose status getter throws',
      async () => ({
        get status() {
          throw new Error('status exploded');
        },
        text: async () => '{"result":true}',
      }),
      ['INVALID_RESPONSE', 'NETWORK_ERROR'],
    ],
    [
      'resolves an object whose status is NaN',
      async () => ({ status: NaN, text: async () => '{"result":true}' }),
      ['INVALID_RESPONSE'],
    ],
    [
      'resolves a Response whose body stream yields strings instead of bytes',
      async () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue('{"result":true}');
              controller.close();
            },
          }),
          { status: 200, headers: asJson },
        ),
      ['INVALID_RESPONSE', 'NETWORK_ERROR'],
    ],
  ];

  for (const [label, hostileFetch, codes] of BROKEN_FETCHES) {
    it(`rejects with ${codes.join(' or ')} when the fetch ${label}, then binds on the next call`, async () => {
      const { error } = await callThenRecover(hostileFetch);

      assertB24Error(error);
      assert.ok(codes.includes(error.code), `code ${error.code}, expected ${codes.join(' or ')}`);
    });
  }
});

/** An object holding the documented fields and a `key` whose getter throws `thrown`. */
function withThrowingGetter(key, thrown = new Error(`${key} getter exploded`)) {
  return Object.defineProperty({ ...DOCUMENTED_FIELDS }, key, {
    enumerable: true,
    get() {
      throw thrown;
    },
  });
}

/** A Proxy around the documented fields whose `traps` each throw. */
function proxyThrowingIn(...traps) {
  const handler = {};
  for (const trap of traps) {
    handler[trap] = () => {
      throw new Error(`${trap} trap exploded`);
    };
  }
  return new Proxy({ ...DOCUMENTED_FIELDS }, handler);
}

const EVERY_TRAP = [
  'get',
  'has',
  'ownKeys',
  'getOwnPropertyDescriptor',
  'getPrototypeOf',
  'defineProperty',
  'set',
  'deleteProperty',
  'isExtensible',
  'preventExtensions',
];

/**
 * Checks that `fields` is refused with `code` of kind validation, by bindTimeline before anything
 * is sent and by validateBindFields with a thrown B24Error, and that no prototype changed.
 */
async function expectRefusedBeforeSending(fields, code) {
  const { fetch, calls } = recordingFetch();

  await expectRejection(within(10_000, bind(fields, { ...webhookOf(mock.portal), fetch })), {
    code,
    kind: 'validation',
    retryable: false,
    status: undefined,
  });
  assert.throws(
    () => validateBindFields(fields),
    (error) => assertB24Error(error, { code, kind: 'validation' }) instanceof B24Error,
  );

  assert.equal(calls.length, 0, 'fetch was called');
  assert.equal(mock.portal.requests.length, 0);
  assertPrototypesUntouched();
}

/**
 * Checks that `fields` is accepted and that exactly the three documented fields are sent, and that
 * no prototype changed.
 */
async function expectSentAsDocumented(fields) {
  const { fetch, calls } = recordingFetch();

  const answer = await within(10_000, bind(fields, { ...webhookOf(mock.portal), fetch }));

  assert.equal(answer.result, true);
  assert.equal(calls.length, 1);
  assert.equal(calls[0].init.body, DOCUMENTED_BODY);
  assert.deepEqual(validateBindFields(fields), DOCUMENTED_FIELDS);
  assertPrototypesUntouched();
}

describe('hostile fields, refused before sending', () => {
  // Values no field may take; each is refused with its field's own code.
  const HOSTILE_VALUES = [
    ['OWNER_ID', 'nested 10,000 objects deep', nested(DEEP)],
    ['ENTITY_ID', 'nested 10,000 arrays deep', nested(DEEP, true)],
    ['ENTITY_TYPE', 'nested 10,000 objects deep', nested(DEEP)],
    ['OWNER_ID', "of '1\\0'", '1\0'],
    ['OWNER_ID', "of '\\u00001110'", '\u00001110'],
    ['OWNER_ID', "of '../1'", '../1'],
    ['OWNER_ID', "of '1/2'", '1/2'],
    ['OWNER_ID', "of '1%2F2'", '1%2F2'],
    ['OWNER_ID', "of '1110?auth=x'", '1110?auth=x'],
    ['ENTITY_ID', "of '10/../11'", '10/../11'],
    ['ENTITY_TYPE', "of 'deal\\0'", 'deal\0'],
    ['ENTITY_TYPE', "of '../deal'", '../deal'],
    ['ENTITY_TYPE', "of 'deal/../lead'", 'deal/../lead'],
    // 2^53 - 1 and 2^53, as numbers and as strings, are in bind.test.mjs.
    ['OWNER_ID', 'of 2^53 + 2', 2 ** 53 + 2],
    ['OWNER_ID', "of '9007199254740993'", '9007199254740993'],
    ['ENTITY_ID', 'of 1e21', 1e21],
    ['ENTITY_ID', 'of Number.MAX_VALUE', Number.MAX_VALUE],
    ['ENTITY_ID', 'of Number.MIN_VALUE', Number.MIN_VALUE],
    ['ENTITY_ID', 'of 400 nines', '9'.repeat(400)],
  ];

  for (const [field, label, value] of HOSTILE_VALUES) {
    it(`refuses an ${field} ${label} with ${field}_INVALID before sending`, async () => {
      await expectRefusedBeforeSending(
        { ...DOCUMENTED_FIELDS, [field]: value },
        `${field}_INVALID`,
      );
    });
  }

  const revoked = Proxy.revocable({ ...DOCUMENTED_FIELDS }, {});
  revoked.revoke();

  // Objects that break when read; built per test, since a getter or a trap may count its calls.
  const HOSTILE_OBJECTS = [
    ['an ENTITY_ID getter that throws', () => withThrowingGetter('ENTITY_ID'), 'ENTITY_ID_INVALID'],
    [
      'an ENTITY_TYPE getter that throws',
      () => withThrowingGetter('ENTITY_TYPE'),
      'ENTITY_TYPE_INVALID',
    ],
    [
      'an OWNER_ID getter that throws undefined',
      () => withThrowingGetter('OWNER_ID', undefined),
      'OWNER_ID_INVALID',
    ],
    ['a Proxy whose get trap throws', () => proxyThrowingIn('get'), 'OWNER_ID_INVALID'],
    [
      'a Proxy whose getPrototypeOf trap throws',
      () => proxyThrowingIn('getPrototypeOf'),
      'ERROR_ARGUMENT',
    ],
    ['a Proxy whose every trap throws', () => proxyThrowingIn(...EVERY_TRAP), 'ERROR_ARGUMENT'],
    ['a revoked Proxy', () => revoked.proxy, 'ERROR_ARGUMENT'],
  ];

  for (const [label, fieldsOf, code] of HOSTILE_OBJECTS) {
    it(`refuses ${label} with ${code} before sending`, async () => {
      await expectRefusedBeforeSending(fieldsOf(), code);
    });
  }
});

describe('hostile fields that hold the three valid ones', () => {
  const withManyKeys = () => {
    const fields = {};
    for (let index = 0; index < 100_000; index++) fields[`KEY_${index}`] = index;
    return Object.assign(fields, DOCUMENTED_FIELDS);
  };

  const ACCEPTED = [
    ['100,000 keys with the three fields among them', withManyKeys],
    [
      'an extra key nested 10,000 levels deep',
      () => ({ ...DOCUMENTED_FIELDS, EXTRA: nested(DEEP) }),
    ],
    ['an extra key whose getter throws', () => withThrowingGetter('EXTRA')],
    ['a Proxy around the fields', () => new Proxy({ ...DOCUMENTED_FIELDS }, {})],
    [
      'a Proxy whose ownKeys, has and getOwnPropertyDescriptor traps throw',
      () => proxyThrowingIn('ownKeys', 'has', 'getOwnPropertyDescriptor'),
    ],
    [
      'JSON.parse output with a __proto__ key',
      () =>
        JSON.parse(
          '{"__proto__":{"polluted":1},"OWNER_ID":1110,"ENTITY_ID":10,"ENTITY_TYPE":"deal"}',
        ),
    ],
  ];

  for (const [label, fieldsOf] of ACCEPTED) {
    it(`accepts ${label} and sends only the three fields`, async () => {
      await expectSentAsDocumented(fieldsOf());
    });
  }
});

describe('options that are a revoked Proxy', () => {
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();

  it('makes bindTimeline reject with INVALID_CONNECTION instead of throwing', async () => {
    await expectRejection(within(10_000, bind({ ...DOCUMENTED_FIELDS }, revoked.proxy)), {
      code: 'INVALID_CONNECTION',
      kind: 'validation',
    });
  });

  it("makes a client's bindTimeline reject with INVALID_OPTION instead of throwing", async () => {
    const client = createClient(webhookOf(mock.portal));
    let pending;
    assert.doesNotThrow(() => {
      pending = client.bindTimeline({ ...DOCUMENTED_FIELDS }, revoked.proxy);
    });

    await expectRejection(within(10_000, pending), { code: 'INVALID_OPTION', kind: 'validation' });
    assert.equal(mock.portal.requests.length, 0);
  });

  const CLIENT_OPTIONS = [
    ['its options are', () => revoked.proxy, 'INVALID_CONNECTION'],
    [
      'its rateLimit is',
      () => ({ ...webhookOf(mock.portal), rateLimit: revoked.proxy }),
      'INVALID_OPTION',
    ],
  ];

  for (const [label, optionsOf, code] of CLIENT_OPTIONS) {
    it(`makes createClient throw a B24Error ${code} when ${label} a revoked Proxy`, () => {
      assert.throws(
        () => createClient(optionsOf()),
        (error) => assertB24Error(error, { code, kind: 'validation' }) instanceof B24Error,
      );
    });
  }
});
