// Specification of bindTimeline's input checks, the request it sends and the answers it resolves.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { B24Error, createClient, validateBindFields } from '../../pkg/node.mjs';
import { startMockPortal } from '../../pkg-template/mock-portal/index.mjs';
import {
  BIND_METHOD,
  DOCUMENTED_ANSWER,
  DOCUMENTED_BODY,
  DOCUMENTED_FIELDS,
  assertB24Error,
  bind,
  countingFetch,
  expectRejection,
  oauthOf,
  recordingFetch,
  usePortal,
  webhookOf,
} from './support/portal.mjs';

const mock = usePortal();

const SENTENCES = {
  OWNER_ID: 'OWNER_ID is not defined or invalid.',
  ENTITY_ID: 'ENTITY_ID is not defined or invalid.',
  ENTITY_TYPE: 'ENTITY_TYPE is not defined or invalid.',
};

/** What a validation error says about one invalid field. */
const issue = (field) => ({ field, code: `${field}_INVALID`, description: SENTENCES[field] });

/** The B24Error properties of a validation failure whose invalid fields are `fields`, in order. */
const fieldFailure = (...fields) => ({
  code: `${fields[0]}_INVALID`,
  kind: 'validation',
  description: SENTENCES[fields[0]],
  retryable: false,
  status: undefined,
  field: fields[0],
  details: fields.map(issue),
});

class FieldsHolder {
  constructor() {
    Object.assign(this, DOCUMENTED_FIELDS);
  }
}

/**
 * Calls with a counting fetch, checks the rejection, and checks that neither the fetch nor the
 * portal saw a request.
 */
async function expectRejectedBeforeSending(fields, expected) {
  const { fetch, calls } = countingFetch();
  const error = await expectRejection(bind(fields, { ...webhookOf(mock.portal), fetch }), expected);
  assert.equal(calls.length, 0, 'fetch was called');
  assert.equal(mock.portal.requests.length, 0, 'the portal received a request');
  return error;
}

// Values no id may take; the same list serves OWNER_ID and ENTITY_ID.
const INVALID_IDS = [
  ['zero', 0],
  ['a negative number', -1],
  ['a fraction', 1.5],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['true', true],
  ['false', false],
  ['null', null],
  ['undefined', undefined],
  ['an object', { id: 1110 }],
  ['a Number object', new Number(1110)],
  ['an array', [1110]],
  ['an empty array', []],
  ['an empty string', ''],
  ['a string with a leading space', ' 1'],
  ['a string with a trailing space', '1 '],
  ['the string "0"', '0'],
  ['a decimal string', '1.5'],
  ['a string in exponent notation', '1e3'],
  ['a negative string', '-1'],
  ['a string with a plus sign', '+1'],
  ['a hexadecimal string', '0x10'],
  ['a string of non-ASCII digits', '١٢'],
  ['2^53', 2 ** 53],
  ['2^53 as a string', '9007199254740992'],
  ['a BigInt', 10n],
];

// Accepted ids and the number each is sent as.
const VALID_IDS = [
  ['1', 1, 1],
  ['the string "1"', '1', 1],
  ['2^53 - 1', 2 ** 53 - 1, 2 ** 53 - 1],
  ['2^53 - 1 as a string', '9007199254740991', 2 ** 53 - 1],
  ['a string with leading zeros', '0010', 10],
];

const ENTITY_TYPES = ['lead', 'deal', 'contact', 'company', 'order'];

const INVALID_ENTITY_TYPES = [
  ['an empty string', ''],
  ['a plural', 'deals'],
  ['a prefix', 'dea'],
  ['a type with a leading space', ' deal'],
  ['a type with a trailing space', 'deal '],
  ['a type with a trailing newline', 'deal\n'],
  ['two types in one string', 'lead,deal'],
  ['an undocumented type', 'quote'],
  ['a smart-process type', 'smart_invoice'],
  ['a number', 2],
  ['true', true],
  ['null', null],
  ['undefined', undefined],
  ['an object', { type: 'deal' }],
  ['an array', ['deal']],
];

describe('validating OWNER_ID and ENTITY_ID before sending', () => {
  for (const field of ['OWNER_ID', 'ENTITY_ID']) {
    for (const [label, value] of INVALID_IDS) {
      it(`rejects an ${field} of ${label} before sending`, async () => {
        await expectRejectedBeforeSending(
          { ...DOCUMENTED_FIELDS, [field]: value },
          fieldFailure(field),
        );
      });
    }

    it(`rejects a missing ${field} before sending`, async () => {
      const fields = { ...DOCUMENTED_FIELDS };
      delete fields[field];

      await expectRejectedBeforeSending(fields, fieldFailure(field));
    });

    for (const [label, value, sent] of VALID_IDS) {
      it(`accepts an ${field} of ${label} and sends it as the JSON number ${sent}`, async () => {
        const { fetch, calls } = recordingFetch();

        const answer = await bind(
          { ...DOCUMENTED_FIELDS, [field]: value },
          { ...webhookOf(mock.portal), fetch },
        );

        assert.equal(answer.result, true);
        assert.equal(calls.length, 1);
        const body = calls[0].init.body;
        assert.match(body, new RegExp(`"${field}":${sent}[,}]`));
        assert.equal(JSON.parse(body).fields[field], sent);
      });
    }
  }

  it('sends ids given as strings of digits as JSON numbers', async () => {
    const answer = await bind(
      { OWNER_ID: '1110', ENTITY_ID: '10', ENTITY_TYPE: 'deal' },
      webhookOf(mock.portal),
    );

    assert.equal(answer.result, true);
    assert.equal(mock.portal.requests[0].rawBody, DOCUMENTED_BODY);
  });
});

describe('validating ENTITY_TYPE before sending', () => {
  for (const [label, value] of INVALID_ENTITY_TYPES) {
    it(`rejects an ENTITY_TYPE of ${label} before sending`, async () => {
      await expectRejectedBeforeSending(
        { ...DOCUMENTED_FIELDS, ENTITY_TYPE: value },
        fieldFailure('ENTITY_TYPE'),
      );
    });
  }

  it('rejects a missing ENTITY_TYPE before sending', async () => {
    await expectRejectedBeforeSending(
      { OWNER_ID: 1110, ENTITY_ID: 10 },
      fieldFailure('ENTITY_TYPE'),
    );
  });

  for (const type of ENTITY_TYPES) {
    const upper = type.toUpperCase();
    it(`binds to a ${type} named ${upper} and sends the type in lower case`, async () => {
      const answer = await bind(
        { OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: upper },
        webhookOf(mock.portal),
      );

      assert.equal(answer.result, true);
      assert.equal(
        mock.portal.requests[0].rawBody,
        `{"fields":{"OWNER_ID":1110,"ENTITY_ID":10,"ENTITY_TYPE":"${type}"}}`,
      );
    });
  }
});

describe('reporting several invalid fields', () => {
  it('names OWNER_ID first and lists all three when every field is invalid', async () => {
    const error = await expectRejectedBeforeSending(
      { OWNER_ID: 0, ENTITY_ID: 'ten', ENTITY_TYPE: 'quote' },
      fieldFailure('OWNER_ID', 'ENTITY_ID', 'ENTITY_TYPE'),
    );

    assert.equal(error.message, 'OWNER_ID_INVALID: OWNER_ID is not defined or invalid.');
  });

  it('names ENTITY_ID before ENTITY_TYPE and leaves the valid OWNER_ID out', async () => {
    await expectRejectedBeforeSending(
      { OWNER_ID: 1110, ENTITY_ID: -3, ENTITY_TYPE: '' },
      fieldFailure('ENTITY_ID', 'ENTITY_TYPE'),
    );
  });

  it('names OWNER_ID and ENTITY_TYPE and leaves the valid ENTITY_ID out', async () => {
    await expectRejectedBeforeSending(
      { OWNER_ID: '1.5', ENTITY_ID: 10, ENTITY_TYPE: 'deals' },
      fieldFailure('OWNER_ID', 'ENTITY_TYPE'),
    );
  });

  it('reports an empty fields object as all three fields missing', async () => {
    await expectRejectedBeforeSending({}, fieldFailure('OWNER_ID', 'ENTITY_ID', 'ENTITY_TYPE'));
  });
});

describe('rejecting fields that are not a plain object', () => {
  const NOT_PLAIN_OBJECTS = [
    ['null', null],
    ['undefined', undefined],
    ['an array', [DOCUMENTED_FIELDS]],
    ['a JSON string', JSON.stringify(DOCUMENTED_FIELDS)],
    ['a number', 1110],
    ['a boolean', true],
    ['a Map with the fields', new Map(Object.entries(DOCUMENTED_FIELDS))],
    ['a class instance with the fields', new FieldsHolder()],
    ['a function with the fields', Object.assign(() => {}, DOCUMENTED_FIELDS)],
    ['a Date', new Date()],
  ];

  for (const [label, fields] of NOT_PLAIN_OBJECTS) {
    it(`rejects ${label} as fields with ERROR_ARGUMENT before sending`, async () => {
      await expectRejectedBeforeSending(fields, {
        code: 'ERROR_ARGUMENT',
        kind: 'validation',
        retryable: false,
        status: undefined,
      });
    });
  }
});

describe('never throwing synchronously', () => {
  const throwingGetter = Object.defineProperty({ ...DOCUMENTED_FIELDS }, 'OWNER_ID', {
    enumerable: true,
    get() {
      throw new Error('getter exploded');
    },
  });
  const hostileProxy = new Proxy(
    {},
    {
      get() {
        throw new Error('trap exploded');
      },
      ownKeys() {
        throw new Error('trap exploded');
      },
      getOwnPropertyDescriptor() {
        throw new Error('trap exploded');
      },
      has() {
        throw new Error('trap exploded');
      },
      getPrototypeOf() {
        throw new Error('trap exploded');
      },
    },
  );

  const CALLS = [
    ['no arguments at all', () => []],
    ['fields but no options', () => [DOCUMENTED_FIELDS]],
    ['null options', () => [DOCUMENTED_FIELDS, null]],
    ['a string as options', () => [DOCUMENTED_FIELDS, mock.portal.webhookUrl]],
    ['fields whose OWNER_ID getter throws', () => [throwingGetter, webhookOf(mock.portal)]],
    ['fields that are a throwing proxy', () => [hostileProxy, webhookOf(mock.portal)]],
    ['options that are a throwing proxy', () => [DOCUMENTED_FIELDS, hostileProxy]],
  ];

  for (const [label, args] of CALLS) {
    it(`answers a promise rejected with a B24Error when called with ${label}`, async () => {
      await expectRejection(bind(...args()));
      assert.equal(mock.portal.requests.length, 0);
    });
  }
});

describe('validateBindFields', () => {
  it('returns the documented fields unchanged', () => {
    assert.deepEqual(validateBindFields({ ...DOCUMENTED_FIELDS }), DOCUMENTED_FIELDS);
  });

  it('returns string ids as numbers and the entity type in lower case', () => {
    assert.deepEqual(
      validateBindFields({ OWNER_ID: '1110', ENTITY_ID: '0010', ENTITY_TYPE: 'DeAl' }),
      { OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' },
    );
  });

  for (const type of ENTITY_TYPES) {
    for (const spelling of [type, type.toUpperCase(), type[0].toUpperCase() + type.slice(1)]) {
      it(`normalises an ENTITY_TYPE of ${spelling} to ${type}`, () => {
        const fields = validateBindFields({ OWNER_ID: 1, ENTITY_ID: 1, ENTITY_TYPE: spelling });

        assert.equal(fields.ENTITY_TYPE, type);
      });
    }
  }

  it('accepts the largest safe integer, as a number and as a string', () => {
    assert.deepEqual(
      validateBindFields({
        OWNER_ID: 9007199254740991,
        ENTITY_ID: '9007199254740991',
        ENTITY_TYPE: 'lead',
      }),
      { OWNER_ID: 9007199254740991, ENTITY_ID: 9007199254740991, ENTITY_TYPE: 'lead' },
    );
  });

  const FAILURES = [
    ['an OWNER_ID of zero', { ...DOCUMENTED_FIELDS, OWNER_ID: 0 }, fieldFailure('OWNER_ID')],
    [
      'an ENTITY_ID of 2^53',
      { ...DOCUMENTED_FIELDS, ENTITY_ID: 2 ** 53 },
      fieldFailure('ENTITY_ID'),
    ],
    [
      'an unknown ENTITY_TYPE',
      { ...DOCUMENTED_FIELDS, ENTITY_TYPE: 'quote' },
      fieldFailure('ENTITY_TYPE'),
    ],
    ['an empty object', {}, fieldFailure('OWNER_ID', 'ENTITY_ID', 'ENTITY_TYPE')],
    ['null', null, { code: 'ERROR_ARGUMENT', kind: 'validation', retryable: false }],
    ['an array', [], { code: 'ERROR_ARGUMENT', kind: 'validation', retryable: false }],
    [
      'a class instance',
      new FieldsHolder(),
      { code: 'ERROR_ARGUMENT', kind: 'validation', retryable: false },
    ],
  ];

  for (const [label, input, expected] of FAILURES) {
    it(`throws the same B24Error as bindTimeline for ${label}`, async () => {
      assert.throws(
        () => validateBindFields(input),
        (error) => assertB24Error(error, expected) instanceof B24Error,
      );
      await expectRejectedBeforeSending(input, expected);
    });
  }
});

describe('reading the fields once, at the call', () => {
  it('sends what the fields held at the call, though they change right after', async () => {
    const fields = { ...DOCUMENTED_FIELDS };

    const pending = bind(fields, webhookOf(mock.portal));
    fields.OWNER_ID = 1111;
    fields.ENTITY_ID = 0;
    fields.ENTITY_TYPE = 'lead';

    assert.equal((await pending).result, true);
    assert.equal(mock.portal.requests[0].rawBody, DOCUMENTED_BODY);
  });

  it('binds though the fields are emptied right after the call', async () => {
    const fields = { OWNER_ID: '1110', ENTITY_ID: '10', ENTITY_TYPE: 'DEAL' };

    const pending = bind(fields, webhookOf(mock.portal));
    for (const name of Object.keys(fields)) delete fields[name];

    assert.equal((await pending).result, true);
    assert.equal(mock.portal.requests[0].rawBody, DOCUMENTED_BODY);
  });
});

describe('checking the connection', () => {
  const SECRET = 'Zq7xSecretCode42';
  const TOKEN = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';

  // Connections that are accepted, and the URL each one posts to.
  const VALID_CONNECTIONS = [
    [
      'an HTTPS webhook with a trailing slash',
      { webhookUrl: `https://portal.example/rest/1/${SECRET}/` },
      `https://portal.example/rest/1/${SECRET}/${BIND_METHOD}`,
    ],
    [
      'an HTTPS webhook without a trailing slash',
      { webhookUrl: `https://portal.example/rest/1/${SECRET}` },
      `https://portal.example/rest/1/${SECRET}/${BIND_METHOD}`,
    ],
    [
      'an HTTPS webhook with a port and a longer user id',
      { webhookUrl: `https://portal.example:8443/rest/4207/${SECRET}/` },
      `https://portal.example:8443/rest/4207/${SECRET}/${BIND_METHOD}`,
    ],
    [
      'an HTTP webhook on localhost',
      { webhookUrl: `http://localhost:8080/rest/1/${SECRET}/` },
      `http://localhost:8080/rest/1/${SECRET}/${BIND_METHOD}`,
    ],
    [
      'an HTTP webhook on 127.0.0.1',
      { webhookUrl: `http://127.0.0.1:8080/rest/1/${SECRET}/` },
      `http://127.0.0.1:8080/rest/1/${SECRET}/${BIND_METHOD}`,
    ],
    [
      'an HTTP webhook elsewhere in 127.0.0.0/8',
      { webhookUrl: `http://127.45.6.7:8080/rest/1/${SECRET}/` },
      `http://127.45.6.7:8080/rest/1/${SECRET}/${BIND_METHOD}`,
    ],
    [
      'an HTTP webhook on [::1]',
      { webhookUrl: `http://[::1]:8080/rest/1/${SECRET}/` },
      `http://[::1]:8080/rest/1/${SECRET}/${BIND_METHOD}`,
    ],
    [
      'an HTTPS portal with a token',
      { portalUrl: 'https://portal.example', accessToken: TOKEN },
      `https://portal.example/rest/${BIND_METHOD}`,
    ],
    [
      'an HTTPS portal with a trailing slash',
      { portalUrl: 'https://portal.example/', accessToken: TOKEN },
      `https://portal.example/rest/${BIND_METHOD}`,
    ],
    [
      'an HTTPS portal ending in /rest',
      { portalUrl: 'https://portal.example/rest', accessToken: TOKEN },
      `https://portal.example/rest/${BIND_METHOD}`,
    ],
    [
      'an HTTPS portal ending in /rest/',
      { portalUrl: 'https://portal.example/rest/', accessToken: TOKEN },
      `https://portal.example/rest/${BIND_METHOD}`,
    ],
    [
      'an HTTP portal on localhost',
      { portalUrl: 'http://localhost:8080', accessToken: TOKEN },
      `http://localhost:8080/rest/${BIND_METHOD}`,
    ],
    [
      'an HTTP portal on [::1]',
      { portalUrl: 'http://[::1]:8080/', accessToken: TOKEN },
      `http://[::1]:8080/rest/${BIND_METHOD}`,
    ],
  ];

  for (const [label, connection, url] of VALID_CONNECTIONS) {
    it(`accepts ${label} and posts to the method under it`, async () => {
      const { fetch, calls } = recordingFetch();

      const answer = await bind({ ...DOCUMENTED_FIELDS }, { ...connection, fetch });

      assert.equal(answer.result, true);
      assert.equal(calls.length, 1);
      assert.equal(String(calls[0].url), url);
      assert.equal(calls[0].init.method, 'POST');
    });
  }

  const INVALID_CONNECTIONS = [
    ['no connection at all', {}],
    [
      'a webhook and a portal together',
      {
        webhookUrl: `https://portal.example/rest/1/${SECRET}/`,
        portalUrl: 'https://portal.example',
        accessToken: TOKEN,
      },
    ],
    ['a portal without a token', { portalUrl: 'https://portal.example' }],
    ['a token without a portal', { accessToken: TOKEN }],
    ['an empty webhook URL', { webhookUrl: '' }],
    ['a webhook URL that is not a string', { webhookUrl: 42 }],
    ['a webhook that is not a URL', { webhookUrl: `portal.example/rest/1/${SECRET}/` }],
    ['a malformed webhook URL', { webhookUrl: `https://portal example/rest/1/${SECRET}/` }],
    ['an FTP webhook', { webhookUrl: `ftp://portal.example/rest/1/${SECRET}/` }],
    ['an HTTP webhook off loopback', { webhookUrl: `http://portal.example/rest/1/${SECRET}/` }],
    [
      'an HTTP webhook on a host that only starts like localhost',
      { webhookUrl: `http://localhost.example.com/rest/1/${SECRET}/` },
    ],
    [
      'an HTTP webhook on a host that only starts like 127.0.0.1',
      { webhookUrl: `http://127.0.0.1.example.com/rest/1/${SECRET}/` },
    ],
    ['an HTTP webhook on 0.0.0.0', { webhookUrl: `http://0.0.0.0/rest/1/${SECRET}/` }],
    ['an HTTP webhook on 128.0.0.1', { webhookUrl: `http://128.0.0.1/rest/1/${SECRET}/` }],
    ['a webhook without /rest', { webhookUrl: `https://portal.example/1/${SECRET}/` }],
    ['a webhook without a code', { webhookUrl: 'https://portal.example/rest/1/' }],
    ['a webhook with an empty user id', { webhookUrl: `https://portal.example/rest//${SECRET}/` }],
    [
      'a webhook with a non-digit user id',
      { webhookUrl: `https://portal.example/rest/admin/${SECRET}/` },
    ],
    [
      'a webhook with the method already appended',
      { webhookUrl: `https://portal.example/rest/1/${SECRET}/${BIND_METHOD}` },
    ],
    [
      'a webhook with a query string',
      { webhookUrl: `https://portal.example/rest/1/${SECRET}/?debug=1` },
    ],
    [
      'a webhook with user info',
      { webhookUrl: `https://admin:${SECRET}@portal.example/rest/1/${SECRET}/` },
    ],
    ['an HTTP portal off loopback', { portalUrl: 'http://portal.example', accessToken: TOKEN }],
    ['a portal that is not a URL', { portalUrl: 'portal.example', accessToken: TOKEN }],
    ['a portal with another path', { portalUrl: 'https://portal.example/crm', accessToken: TOKEN }],
    [
      'a portal with a query string',
      { portalUrl: `https://portal.example/?auth=${TOKEN}`, accessToken: TOKEN },
    ],
    [
      'a portal with user info',
      { portalUrl: `https://user:${TOKEN}@portal.example`, accessToken: TOKEN },
    ],
  ];

  for (const [label, connection] of INVALID_CONNECTIONS) {
    it(`rejects ${label} with INVALID_CONNECTION before sending`, async () => {
      const { fetch, calls } = recordingFetch();

      const error = await expectRejection(
        bind({ ...DOCUMENTED_FIELDS }, { ...connection, fetch }),
        {
          code: 'INVALID_CONNECTION',
          kind: 'validation',
          retryable: false,
          status: undefined,
        },
      );

      assert.equal(calls.length, 0);
      for (const secret of [SECRET, TOKEN]) {
        assert.ok(!error.description.includes(secret), `description holds ${secret}`);
        assert.ok(!error.message.includes(secret), `message holds ${secret}`);
      }
    });

    it(`makes createClient throw INVALID_CONNECTION for ${label}`, () => {
      assert.throws(
        () => createClient(connection),
        (error) =>
          assertB24Error(error, { code: 'INVALID_CONNECTION', kind: 'validation' }) &&
          !error.description.includes(SECRET) &&
          !error.description.includes(TOKEN),
      );
    });
  }

  it('rejects missing options with INVALID_CONNECTION', async () => {
    await expectRejection(bind({ ...DOCUMENTED_FIELDS }), {
      code: 'INVALID_CONNECTION',
      kind: 'validation',
    });
  });
});

describe('checking the call options', () => {
  const INVALID_OPTIONS = [
    ['a fetch that is a string', { fetch: 'fetch' }],
    ['a fetch that is a number', { fetch: 42 }],
    ['a fetch that is a plain object', { fetch: {} }],
    ['a signal that is a plain object', { signal: {} }],
    ['an AbortController in place of its signal', { signal: new AbortController() }],
    ['a signal that is a string', { signal: 'abort' }],
    ['a timeoutMs of zero', { timeoutMs: 0 }],
    ['a negative timeoutMs', { timeoutMs: -100 }],
    ['a timeoutMs given as a string', { timeoutMs: '1000' }],
    ['a timeoutMs of NaN', { timeoutMs: NaN }],
    ['a timeoutMs that is a boolean', { timeoutMs: true }],
    ['a maxAttempts of zero', { maxAttempts: 0 }],
    ['a negative maxAttempts', { maxAttempts: -1 }],
    ['a maxAttempts of 101', { maxAttempts: 101 }],
    ['a fractional maxAttempts', { maxAttempts: 2.5 }],
    ['a maxAttempts given as a string', { maxAttempts: '3' }],
    ['a maxAttempts of NaN', { maxAttempts: NaN }],
  ];

  for (const [label, options] of INVALID_OPTIONS) {
    it(`rejects ${label} with INVALID_OPTION before sending`, async () => {
      await expectRejection(
        bind({ ...DOCUMENTED_FIELDS }, { ...webhookOf(mock.portal), ...options }),
        {
          code: 'INVALID_OPTION',
          kind: 'validation',
          retryable: false,
          status: undefined,
        },
      );
      assert.equal(mock.portal.requests.length, 0);
    });
  }

  const VALID_OPTIONS = [
    ['a timeoutMs of 5000', { timeoutMs: 5000 }],
    ['a maxAttempts of 1', { maxAttempts: 1 }],
    ['a maxAttempts of 100', { maxAttempts: 100 }],
    ['a signal that is never aborted', { signal: new AbortController().signal }],
    // Signals from another realm (an iframe) or a polyfill are not instances of
    // this realm's AbortSignal, so anything shaped like one is accepted.
    [
      'an object shaped like an AbortSignal',
      { signal: { aborted: false, addEventListener() {}, removeEventListener() {} } },
    ],
    ['a fetch that wraps the global one', { fetch: (url, init) => fetch(url, init) }],
  ];

  for (const [label, options] of VALID_OPTIONS) {
    it(`binds with ${label}`, async () => {
      const answer = await bind(
        { ...DOCUMENTED_FIELDS },
        { ...webhookOf(mock.portal), ...options },
      );

      assert.equal(answer.result, true);
      assert.equal(mock.portal.requests.length, 1);
    });
  }
});

describe('sending the request', () => {
  it('posts the documented JSON body to the webhook URL followed by the method', async () => {
    await bind({ ...DOCUMENTED_FIELDS }, webhookOf(mock.portal));

    const [request] = mock.portal.requests;
    assert.equal(mock.portal.requests.length, 1);
    assert.equal(request.httpMethod, 'POST');
    assert.equal(
      request.path,
      `/rest/${mock.portal.userId}/${mock.portal.webhookCode}/${BIND_METHOD}`,
    );
    assert.deepEqual(request.query, {});
    assert.equal(request.auth, 'webhook');
    assert.equal(request.rawBody, DOCUMENTED_BODY);
  });

  it('sends JSON content-type and accept headers', async () => {
    await bind({ ...DOCUMENTED_FIELDS }, webhookOf(mock.portal));

    const { headers } = mock.portal.requests[0];
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(headers.accept, 'application/json');
  });

  it('posts to the same URL when the webhook has no trailing slash', async () => {
    const webhookUrl = mock.portal.webhookUrl.replace(/\/$/, '');

    assert.equal((await bind({ ...DOCUMENTED_FIELDS }, { webhookUrl })).result, true);
    assert.equal(
      mock.portal.requests[0].path,
      `/rest/${mock.portal.userId}/${mock.portal.webhookCode}/${BIND_METHOD}`,
    );
  });

  it('posts to /rest/METHOD with the token in the body for OAuth', async () => {
    await bind({ ...DOCUMENTED_FIELDS }, oauthOf(mock.portal));

    const [request] = mock.portal.requests;
    assert.equal(request.httpMethod, 'POST');
    assert.equal(request.path, `/rest/${BIND_METHOD}`);
    assert.equal(request.auth, 'oauth');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers.accept, 'application/json');
    assert.deepEqual(JSON.parse(request.rawBody), {
      fields: DOCUMENTED_FIELDS,
      auth: mock.portal.accessToken,
    });
  });

  it('never puts the OAuth token in the URL', async () => {
    await bind({ ...DOCUMENTED_FIELDS }, oauthOf(mock.portal));

    const [request] = mock.portal.requests;
    assert.deepEqual(request.query, {});
    assert.ok(!request.path.includes(mock.portal.accessToken));
  });

  for (const portalUrl of ['/', '/rest', '/rest/']) {
    it(`posts OAuth calls to /rest/METHOD when the portal URL ends in ${portalUrl}`, async () => {
      const connection = { ...oauthOf(mock.portal), portalUrl: mock.portal.portalUrl + portalUrl };

      assert.equal((await bind({ ...DOCUMENTED_FIELDS }, connection)).result, true);
      assert.equal(mock.portal.requests[0].path, `/rest/${BIND_METHOD}`);
    });
  }

  it('sends through a custom fetch instead of the global one', async () => {
    const { fetch, calls } = recordingFetch();

    const answer = await bind({ ...DOCUMENTED_FIELDS }, { ...webhookOf(mock.portal), fetch });

    assert.deepEqual(answer, DOCUMENTED_ANSWER);
    assert.equal(mock.portal.requests.length, 0, 'the global fetch reached the portal');
    assert.equal(calls.length, 1);
    const { url, init } = calls[0];
    assert.equal(String(url), `${mock.portal.webhookUrl}${BIND_METHOD}`);
    assert.equal(init.method, 'POST');
    const headers = new Headers(init.headers);
    assert.equal(headers.get('content-type'), 'application/json');
    assert.equal(headers.get('accept'), 'application/json');
    assert.equal(init.body, DOCUMENTED_BODY);
    // Nothing can abort this call, so fetch gets no signal to watch.
    assert.equal(init.signal, undefined);
  });

  it('hands the custom fetch a signal when a timeout or the caller can cut the call short', async () => {
    for (const cutShort of [{ timeoutMs: 5_000 }, { signal: new AbortController().signal }]) {
      const { fetch, calls } = recordingFetch();
      await bind({ ...DOCUMENTED_FIELDS }, { ...webhookOf(mock.portal), fetch, ...cutShort });
      assert.ok(calls[0].init.signal instanceof AbortSignal, Object.keys(cutShort)[0]);
    }
  });
});

describe('resolving the portal answer', () => {
  it('resolves the documented answer as a plain object with time as the portal sent it', async () => {
    mock.portal.queueFault({ status: 200, body: DOCUMENTED_ANSWER });

    const answer = await bind({ ...DOCUMENTED_FIELDS }, webhookOf(mock.portal));

    assert.deepEqual(answer, DOCUMENTED_ANSWER);
    assert.equal(Object.getPrototypeOf(answer), Object.prototype);
  });

  it('resolves a real binding with result true and the portal timing', async () => {
    const answer = await bind({ ...DOCUMENTED_FIELDS }, webhookOf(mock.portal));

    assert.equal(answer.result, true);
    assert.equal(Object.getPrototypeOf(answer), Object.prototype);
    for (const field of ['start', 'finish', 'duration', 'processing', 'operating']) {
      assert.equal(typeof answer.time[field], 'number', field);
    }
    assert.deepEqual(mock.portal.bindings, [DOCUMENTED_FIELDS]);
  });

  it('binds over OAuth as over a webhook', async () => {
    const answer = await bind({ ...DOCUMENTED_FIELDS }, oauthOf(mock.portal));

    assert.equal(answer.result, true);
    assert.deepEqual(mock.portal.bindings, [DOCUMENTED_FIELDS]);
  });

  it('resolves result false, not a rejection, when the portal did not bind', async () => {
    const body = { result: false, time: DOCUMENTED_ANSWER.time };
    mock.portal.queueFault({ status: 200, body });

    const answer = await bind({ ...DOCUMENTED_FIELDS }, webhookOf(mock.portal));

    assert.deepEqual(answer, body);
    assert.equal(Object.getPrototypeOf(answer), Object.prototype);
  });

  it('resolves result false when the portal sent no time block', async () => {
    mock.portal.queueFault({ status: 200, body: { result: false } });

    const answer = await bind({ ...DOCUMENTED_FIELDS }, webhookOf(mock.portal));

    assert.equal(answer.result, false);
  });

  it('resolves result true when the portal sent no time block', async () => {
    mock.portal.queueFault({ status: 200, body: { result: true } });

    const answer = await bind({ ...DOCUMENTED_FIELDS }, webhookOf(mock.portal));

    assert.equal(answer.result, true);
  });

  it('keeps a partial time block as the portal sent it', async () => {
    const time = { duration: 0.25, date_start: '2024-04-03T10:26:32+02:00' };
    mock.portal.queueFault({ status: 200, body: { result: true, time } });

    const answer = await bind({ ...DOCUMENTED_FIELDS }, webhookOf(mock.portal));

    assert.deepEqual(answer.time, time);
  });

  it('resolves true when the same pair is bound twice', async () => {
    const first = await bind({ ...DOCUMENTED_FIELDS }, webhookOf(mock.portal));
    const second = await bind({ ...DOCUMENTED_FIELDS }, webhookOf(mock.portal));

    assert.equal(first.result, true);
    assert.equal(second.result, true);
  });
});

describe('binding over HTTPS', () => {
  it('binds with the global fetch in a process that trusts the portal through NODE_EXTRA_CA_CERTS', async (t) => {
    const portal = await startMockPortal({ https: true });
    t.after(() => portal.close());
    const directory = await mkdtemp(join(tmpdir(), 'b24-timeline-https-'));
    t.after(() => rm(directory, { recursive: true, force: true }));
    const caFile = join(directory, 'portal-ca.pem');
    await writeFile(caFile, portal.caCert);
    const script = `
      const { bindTimeline } = await import(process.argv[1]);
      const fields = { OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' };
      try {
        const answer = await bindTimeline(fields, { webhookUrl: process.argv[2] });
        process.stdout.write(JSON.stringify({ answer }));
      } catch (error) {
        process.stdout.write(JSON.stringify({ code: error.code, description: error.description }));
      }`;
    const packageUrl = new URL('../../pkg/node.mjs', import.meta.url).href;

    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '--eval', script, packageUrl, portal.httpsWebhookUrl],
      { env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile }, timeout: 20_000 },
    );

    const outcome = JSON.parse(stdout);
    assert.equal(outcome.code, undefined, `the child failed: ${stdout}`);
    assert.equal(outcome.answer.result, true);
    assert.equal(portal.requests.length, 1);
    assert.equal(portal.requests[0].transport, 'https');
    assert.equal(portal.requests[0].rawBody, DOCUMENTED_BODY);
  });
});
