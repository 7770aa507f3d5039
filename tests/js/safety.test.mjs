// Specification of what bindTimeline must never do: leak a secret, print, or break on a hostile
// fetch; and of createClient, which shares its behaviour.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { B24Error, TimelineClient, createClient } from '../../pkg/node.mjs';
import { startMockPortal } from '../../pkg-template/mock-portal/index.mjs';
import {
  BIND_METHOD,
  DOCUMENTED_BODY,
  DOCUMENTED_FIELDS,
  assertB24Error,
  bind,
  expectRejection,
  oauthOf,
  recordingFetch,
  rejectionOf,
  usePortal,
  webhookOf,
  within,
} from './support/portal.mjs';

const EXPIRED_TOKEN = 'e0e1e2e3e4e5e6e7e8e9eaebecedeeef';
const mock = usePortal({ expiredTokens: [EXPIRED_TOKEN] });

const ONCE = { maxAttempts: 1 };

/** Checks an ordinary webhook call still binds, as it must after any failure. */
async function assertNextCallWorks() {
  const answer = await bind({ ...DOCUMENTED_FIELDS }, webhookOf(mock.portal));
  assert.equal(answer.result, true, 'the call after the failure did not bind');
}

/** Every way a caller or a logger may turn an error into text. */
function renderingsOf(error) {
  return {
    message: error.message,
    description: error.description,
    stack: error.stack,
    'String(error)': String(error),
    'JSON.stringify(error)': JSON.stringify(error),
    'util.inspect(error)': inspect(error, { showHidden: true, depth: 10 }),
  };
}

/** Checks `error` is a B24Error and that none of its renderings holds `secret`. */
function assertKeepsSecret(error, secret) {
  assert.ok(error instanceof B24Error, `not a B24Error: ${inspect(error)}`);
  for (const [rendering, text] of Object.entries(renderingsOf(error))) {
    assert.ok(!String(text).includes(secret), `${rendering} holds the secret: ${text}`);
  }
}

/** A custom fetch that fails with an Error naming the URL and the body it was given. */
const fetchRejectingWithDetails = (url, init) =>
  Promise.reject(
    new Error(`POST ${url} failed; body was ${init?.body}`, { cause: new Error(String(url)) }),
  );

/** A custom fetch that throws a TypeError naming the URL and the body. */
const fetchThrowingWithDetails = (url, init) => {
  throw new TypeError(`cannot fetch ${url} with ${init?.body}`);
};

/** A custom fetch that answers an object full of what it was given, not a Response. */
const fetchAnsweringItsInput = async (url, init) => ({ status: 200, url: String(url), init });

/** A custom fetch whose response fails to read its body, with the URL in the message. */
const fetchFailingTheBody = async (url) => ({
  ok: true,
  status: 200,
  headers: new Headers({ 'content-type': 'application/json' }),
  text: () => Promise.reject(new Error(`reading ${url} failed`)),
});

// Failures that hit any connection; each arranges its failure and makes the call.
const FAILURES = [
  ['an invalid OWNER_ID', (connection) => bind({ ...DOCUMENTED_FIELDS, OWNER_ID: 0 }, connection)],
  ['fields that are not an object', (connection) => bind('fields', connection)],
  [
    'an invalid option',
    (connection) => bind({ ...DOCUMENTED_FIELDS }, { ...connection, timeoutMs: -1 }),
  ],
  [
    'an unknown timeline record',
    (connection) => bind({ ...DOCUMENTED_FIELDS, OWNER_ID: 9999 }, { ...connection, ...ONCE }),
  ],
  [
    'a denied deal',
    (connection) => bind({ ...DOCUMENTED_FIELDS, ENTITY_ID: 13 }, { ...connection, ...ONCE }),
  ],
  [
    'a system error',
    (connection) => {
      mock.portal.queueFault({
        status: 503,
        body: { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' },
      });
      return bind({ ...DOCUMENTED_FIELDS }, { ...connection, ...ONCE });
    },
  ],
  [
    'an HTML answer',
    (connection) => {
      mock.portal.queueFault({ status: 502, body: '<html><body>Bad Gateway</body></html>' });
      return bind({ ...DOCUMENTED_FIELDS }, { ...connection, ...ONCE });
    },
  ],
  [
    'truncated JSON',
    (connection) => {
      mock.portal.queueFault({
        status: 200,
        body: '{"result":',
        headers: { 'content-type': 'application/json' },
      });
      return bind({ ...DOCUMENTED_FIELDS }, { ...connection, ...ONCE });
    },
  ],
  [
    'a dropped connection',
    (connection) => {
      mock.portal.queueFault({ drop: true });
      return bind({ ...DOCUMENTED_FIELDS }, { ...connection, ...ONCE });
    },
  ],
  [
    'a timeout',
    (connection) => {
      mock.portal.queueFault({ delayMs: 2000, then: 'handle' });
      return bind({ ...DOCUMENTED_FIELDS }, { ...connection, ...ONCE, timeoutMs: 50 });
    },
  ],
  [
    'an abort during the request',
    (connection) => {
      mock.portal.queueFault({ delayMs: 2000, then: 'handle' });
      const controller = new AbortController();
      setTimeout(() => controller.abort('stopped'), 50);
      return bind({ ...DOCUMENTED_FIELDS }, { ...connection, ...ONCE, signal: controller.signal });
    },
  ],
  [
    'a custom fetch rejecting with an Error that names the URL and body',
    (connection) =>
      bind({ ...DOCUMENTED_FIELDS }, { ...connection, fetch: fetchRejectingWithDetails }),
  ],
  [
    'a custom fetch throwing a TypeError that names the URL and body',
    (connection) =>
      bind({ ...DOCUMENTED_FIELDS }, { ...connection, fetch: fetchThrowingWithDetails }),
  ],
  [
    'a custom fetch answering an object that holds the URL and body',
    (connection) =>
      bind({ ...DOCUMENTED_FIELDS }, { ...connection, fetch: fetchAnsweringItsInput }),
  ],
  [
    'a custom fetch whose body read fails naming the URL',
    (connection) => bind({ ...DOCUMENTED_FIELDS }, { ...connection, fetch: fetchFailingTheBody }),
  ],
];

const CONNECTIONS = [
  ['a webhook', (portal) => webhookOf(portal), (portal) => portal.webhookCode],
  ['OAuth', (portal) => oauthOf(portal), (portal) => portal.accessToken],
];

describe('keeping the webhook code and access token out of errors', () => {
  for (const [connectionLabel, connectionOf, secretOf] of CONNECTIONS) {
    for (const [label, call] of FAILURES) {
      it(`keeps the secret out of the error for ${label} over ${connectionLabel}`, async () => {
        const error = await rejectionOf(call(connectionOf(mock.portal)));

        assertKeepsSecret(error, secretOf(mock.portal));
      });
    }
  }

  it('keeps a wrong webhook code out of the NO_AUTH_FOUND error', async () => {
    const wrongCode = 'wrongcode1234567';
    const webhookUrl = `${mock.portal.url}/rest/${mock.portal.userId}/${wrongCode}/`;

    const error = await expectRejection(bind({ ...DOCUMENTED_FIELDS }, { webhookUrl, ...ONCE }), {
      code: 'NO_AUTH_FOUND',
    });

    assertKeepsSecret(error, wrongCode);
  });

  it('keeps an unknown token out of the invalid_token error', async () => {
    const token = '0123456789abcdef0123456789abcdef';
    const connection = { ...oauthOf(mock.portal), accessToken: token };

    const error = await expectRejection(
      bind({ ...DOCUMENTED_FIELDS }, { ...connection, ...ONCE }),
      {
        code: 'invalid_token',
      },
    );

    assertKeepsSecret(error, token);
  });

  it('keeps an expired token out of the expired_token error', async () => {
    const connection = { ...oauthOf(mock.portal), accessToken: EXPIRED_TOKEN };

    const error = await expectRejection(
      bind({ ...DOCUMENTED_FIELDS }, { ...connection, ...ONCE }),
      {
        code: 'expired_token',
      },
    );

    assertKeepsSecret(error, EXPIRED_TOKEN);
  });

  it('keeps the webhook code and token out of refused-connection errors', async () => {
    const closed = await startMockPortal();
    await closed.close();

    const overWebhook = await rejectionOf(
      bind({ ...DOCUMENTED_FIELDS }, { ...webhookOf(closed), ...ONCE }),
    );
    const overOauth = await rejectionOf(
      bind({ ...DOCUMENTED_FIELDS }, { ...oauthOf(closed), ...ONCE }),
    );

    assertB24Error(overWebhook, { code: 'NETWORK_ERROR' });
    assertKeepsSecret(overWebhook, closed.webhookCode);
    assertB24Error(overOauth, { code: 'NETWORK_ERROR' });
    assertKeepsSecret(overOauth, closed.accessToken);
  });

  const SECRET = 'k3epMeQuietCode9';
  const TOKEN = '9f8e7d6c5b4a39281706f5e4d3c2b1a0';
  const BAD_CONNECTIONS = [
    [
      'an HTTP webhook off loopback',
      { webhookUrl: `http://portal.example/rest/1/${SECRET}/` },
      SECRET,
    ],
    [
      'a webhook with a query string',
      { webhookUrl: `https://portal.example/rest/1/${SECRET}/?a=1` },
      SECRET,
    ],
    [
      'a webhook with user info',
      { webhookUrl: `https://u:${SECRET}@portal.example/rest/1/${SECRET}/` },
      SECRET,
    ],
    [
      'a webhook with a non-digit user id',
      { webhookUrl: `https://portal.example/rest/me/${SECRET}/` },
      SECRET,
    ],
    ['a malformed webhook URL', { webhookUrl: `https://[portal/rest/1/${SECRET}/` }, SECRET],
    [
      'a webhook and a portal together',
      {
        webhookUrl: `https://portal.example/rest/1/${SECRET}/`,
        portalUrl: 'https://portal.example',
        accessToken: TOKEN,
      },
      TOKEN,
    ],
    [
      'an HTTP portal off loopback',
      { portalUrl: 'http://portal.example', accessToken: TOKEN },
      TOKEN,
    ],
    [
      'a portal with the token in its query',
      { portalUrl: `https://portal.example/?auth=${TOKEN}`, accessToken: TOKEN },
      TOKEN,
    ],
    ['a token without a portal', { accessToken: TOKEN }, TOKEN],
  ];

  for (const [label, connection, secret] of BAD_CONNECTIONS) {
    it(`keeps the secret out of the INVALID_CONNECTION error for ${label}`, async () => {
      const rejected = await expectRejection(bind({ ...DOCUMENTED_FIELDS }, connection), {
        code: 'INVALID_CONNECTION',
      });
      let thrown;
      try {
        createClient(connection);
      } catch (error) {
        thrown = error;
      }

      assertKeepsSecret(rejected, secret);
      assertB24Error(thrown, { code: 'INVALID_CONNECTION' });
      assertKeepsSecret(thrown, secret);
    });
  }
});

describe('printing nothing', () => {
  it('calls no console method and emits no warning during successes and failures', async (t) => {
    const consoleMethods = Object.getOwnPropertyNames(console).filter(
      (name) => typeof console[name] === 'function' && name !== 'Console',
    );
    const spies = consoleMethods.map((name) => [name, t.mock.method(console, name, () => {})]);
    const warnings = [];
    const onWarning = (warning) => warnings.push(warning);
    process.on('warning', onWarning);
    t.after(() => process.off('warning', onWarning));

    try {
      await bind({ ...DOCUMENTED_FIELDS }, webhookOf(mock.portal));
      await bind({ ...DOCUMENTED_FIELDS }, oauthOf(mock.portal));
      for (const [connectionLabel, connectionOf] of CONNECTIONS) {
        for (const [label, call] of FAILURES) {
          await rejectionOf(call(connectionOf(mock.portal))).catch((error) => {
            throw new Error(`${label} over ${connectionLabel}: ${error.message}`);
          });
        }
      }
      await rejectionOf(
        bind({ ...DOCUMENTED_FIELDS }, { webhookUrl: 'http://portal.example/rest/1/x/' }),
      );
      assert.throws(() => createClient({}), B24Error);
      const client = createClient(webhookOf(mock.portal));
      await client.bindTimeline({ ...DOCUMENTED_FIELDS });
      await rejectionOf(client.bindTimeline({ ...DOCUMENTED_FIELDS, OWNER_ID: 9999 }));
      // Give anything deferred a chance to print.
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      for (const [, spy] of spies) spy.mock.restore();
    }

    const printed = spies
      .filter(([, spy]) => spy.mock.callCount() > 0)
      .map(
        ([name, spy]) =>
          `console.${name} ×${spy.mock.callCount()}: ${inspect(spy.mock.calls[0].arguments)}`,
      );
    assert.deepEqual(printed, []);
    assert.deepEqual(warnings.map(String), []);
  });
});

describe('surviving a hostile custom fetch', () => {
  const asJson = new Headers({ 'content-type': 'application/json' });
  const responseLike = (text) => ({ ok: true, status: 200, headers: asJson, text });

  // Each fetch misbehaves in one way; `codes` lists what the failure may be reported as.
  const HOSTILE_FETCHES = [
    [
      'throws synchronously',
      () => {
        throw new TypeError('fetch exploded');
      },
      ['NETWORK_ERROR'],
    ],
    [
      'throws a string synchronously',
      () => {
        throw 'fetch exploded';
      },
      ['NETWORK_ERROR'],
    ],
    ['rejects with a string', () => Promise.reject('offline'), ['NETWORK_ERROR']],
    ['rejects with undefined', () => Promise.reject(undefined), ['NETWORK_ERROR']],
    ['rejects with null', () => Promise.reject(null), ['NETWORK_ERROR']],
    [
      'rejects with a plain object',
      () => Promise.reject({ message: 'offline' }),
      ['NETWORK_ERROR'],
    ],
    ['rejects with a number', () => Promise.reject(42), ['NETWORK_ERROR']],
    ['resolves null', async () => null, ['INVALID_RESPONSE']],
    ['resolves undefined', async () => undefined, ['INVALID_RESPONSE']],
    ['resolves 42', async () => 42, ['INVALID_RESPONSE']],
    ['resolves a string', async () => '{"result":true}', ['INVALID_RESPONSE']],
    ['resolves an empty object', async () => ({}), ['INVALID_RESPONSE']],
    [
      'resolves an object whose status is the string "200"',
      async () => ({ status: '200' }),
      ['INVALID_RESPONSE'],
    ],
    ['returns a value that is not a promise', () => ({ status: 200 }), ['INVALID_RESPONSE']],
    [
      'resolves an object whose text() throws',
      async () =>
        responseLike(() => {
          throw new Error('text exploded');
        }),
      ['NETWORK_ERROR', 'INVALID_RESPONSE'],
    ],
    [
      'resolves an object whose text() rejects',
      async () => responseLike(() => Promise.reject(new Error('text failed'))),
      ['NETWORK_ERROR', 'INVALID_RESPONSE'],
    ],
    [
      'resolves an object whose text() rejects with a non-Error',
      async () => responseLike(() => Promise.reject('text failed')),
      ['NETWORK_ERROR', 'INVALID_RESPONSE'],
    ],
    [
      'resolves an object whose text() resolves a number',
      async () => responseLike(async () => 42),
      ['INVALID_RESPONSE'],
    ],
    [
      'resolves an object whose text() resolves an object',
      async () => responseLike(async () => ({ result: true })),
      ['INVALID_RESPONSE'],
    ],
    [
      'resolves a Response whose body stream fails',
      async () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.error(new Error('connection reset'));
            },
          }),
          { status: 200, headers: asJson },
        ),
      ['NETWORK_ERROR'],
    ],
  ];

  for (const [label, fetch, codes] of HOSTILE_FETCHES) {
    it(`rejects with ${codes.join(' or ')} when the custom fetch ${label}, then binds again`, async () => {
      const error = await expectRejection(
        bind({ ...DOCUMENTED_FIELDS }, { ...webhookOf(mock.portal), ...ONCE, fetch }),
      );

      assert.ok(codes.includes(error.code), `code ${error.code}, expected ${codes.join(' or ')}`);
      await assertNextCallWorks();
    });
  }

  it('rejects with TIMEOUT when the custom fetch never settles', async () => {
    const fetch = () => new Promise(() => {});

    const pending = bind(
      { ...DOCUMENTED_FIELDS },
      { ...webhookOf(mock.portal), ...ONCE, fetch, timeoutMs: 100 },
    );

    await expectRejection(within(2000, pending), { code: 'TIMEOUT', kind: 'network' });
  });

  it('rejects with ABORTED when aborted while the custom fetch ignores its signal', async () => {
    const fetch = () => new Promise(() => {});
    const controller = new AbortController();
    const pending = bind(
      { ...DOCUMENTED_FIELDS },
      { ...webhookOf(mock.portal), ...ONCE, fetch, signal: controller.signal },
    );

    setTimeout(() => controller.abort('stop'), 50);

    await expectRejection(within(2000, pending), { code: 'ABORTED', kind: 'aborted' });
  });
});

describe('createClient', () => {
  it('returns a TimelineClient whose bindTimeline binds over the webhook', async () => {
    const client = createClient(webhookOf(mock.portal));

    assert.ok(client instanceof TimelineClient);
    const answer = await client.bindTimeline({ ...DOCUMENTED_FIELDS });

    assert.equal(answer.result, true);
    assert.equal(Object.getPrototypeOf(answer), Object.prototype);
    assert.equal(mock.portal.requests[0].rawBody, DOCUMENTED_BODY);
    assert.equal(
      mock.portal.requests[0].path,
      `/rest/${mock.portal.userId}/${mock.portal.webhookCode}/${BIND_METHOD}`,
    );
  });

  it('binds over OAuth with the token in the body', async () => {
    const client = createClient(oauthOf(mock.portal));

    const answer = await client.bindTimeline({ ...DOCUMENTED_FIELDS });

    assert.equal(answer.result, true);
    assert.deepEqual(JSON.parse(mock.portal.requests[0].rawBody), {
      fields: DOCUMENTED_FIELDS,
      auth: mock.portal.accessToken,
    });
  });

  it('binds many times with one client', async () => {
    const client = createClient(webhookOf(mock.portal));

    const answers = await Promise.all(
      [1110, 1111, 1112].map((OWNER_ID) => client.bindTimeline({ ...DOCUMENTED_FIELDS, OWNER_ID })),
    );

    assert.deepEqual(
      answers.map((answer) => answer.result),
      [true, true, true],
    );
    assert.equal(mock.portal.bindings.length, 3);
  });

  it('rejects invalid fields before sending, without throwing', async () => {
    const client = createClient(webhookOf(mock.portal));

    let pending;
    assert.doesNotThrow(() => {
      pending = client.bindTimeline({ ...DOCUMENTED_FIELDS, OWNER_ID: 0 });
    });
    await expectRejection(pending, {
      code: 'OWNER_ID_INVALID',
      kind: 'validation',
      field: 'OWNER_ID',
    });
    assert.equal(mock.portal.requests.length, 0);
  });

  it('rejects not-object fields with ERROR_ARGUMENT, without throwing', async () => {
    const client = createClient(webhookOf(mock.portal));

    let pending;
    assert.doesNotThrow(() => {
      pending = client.bindTimeline(null);
    });
    await expectRejection(pending, { code: 'ERROR_ARGUMENT', kind: 'validation' });
  });

  it('rejects portal errors as the standalone call does', async () => {
    const client = createClient({ ...webhookOf(mock.portal), ...ONCE });

    await expectRejection(client.bindTimeline({ ...DOCUMENTED_FIELDS, OWNER_ID: 9999 }), {
      code: 'OWNER_ID_INVALID',
      status: 400,
      field: 'OWNER_ID',
      description: 'OWNER_ID is not defined or invalid.',
    });
  });

  it('sends through the client fetch when the call gives none', async () => {
    const { fetch, calls } = recordingFetch();
    const client = createClient({ ...webhookOf(mock.portal), fetch });

    assert.equal((await client.bindTimeline({ ...DOCUMENTED_FIELDS })).result, true);
    assert.equal(calls.length, 1);
    assert.equal(mock.portal.requests.length, 0);
  });

  it('sends through the call fetch in place of the client fetch', async () => {
    const clientFetch = recordingFetch();
    const callFetch = recordingFetch();
    const client = createClient({ ...webhookOf(mock.portal), fetch: clientFetch.fetch });

    await client.bindTimeline({ ...DOCUMENTED_FIELDS }, { fetch: callFetch.fetch });

    assert.equal(callFetch.calls.length, 1);
    assert.equal(clientFetch.calls.length, 0);
    assert.equal(callFetch.calls[0].init.body, DOCUMENTED_BODY);
  });

  it('times out by the client timeoutMs when the call gives none', async () => {
    const client = createClient({ ...webhookOf(mock.portal), ...ONCE, timeoutMs: 100 });
    mock.portal.queueFault({ delayMs: 1500, then: 'handle' });

    await expectRejection(client.bindTimeline({ ...DOCUMENTED_FIELDS }), { code: 'TIMEOUT' });
  });

  it('lets the call timeoutMs outlast a short client timeoutMs', async () => {
    const client = createClient({ ...webhookOf(mock.portal), ...ONCE, timeoutMs: 100 });
    mock.portal.queueFault({ delayMs: 300, then: 'handle' });

    const answer = await client.bindTimeline({ ...DOCUMENTED_FIELDS }, { timeoutMs: 5000 });

    assert.equal(answer.result, true);
  });

  it('rejects a bad call option with INVALID_OPTION, without throwing', async () => {
    const client = createClient(webhookOf(mock.portal));

    let pending;
    assert.doesNotThrow(() => {
      pending = client.bindTimeline({ ...DOCUMENTED_FIELDS }, { maxAttempts: 0 });
    });
    await expectRejection(pending, { code: 'INVALID_OPTION' });
    assert.equal(mock.portal.requests.length, 0);
  });

  it('rejects with ABORTED before sending when the client signal is already aborted', async () => {
    const client = createClient({ ...webhookOf(mock.portal), signal: AbortSignal.abort() });

    await expectRejection(client.bindTimeline({ ...DOCUMENTED_FIELDS }), {
      code: 'ABORTED',
      kind: 'aborted',
    });
    assert.equal(mock.portal.requests.length, 0);
  });

  const BAD_CONNECTIONS = [
    ['no options', undefined],
    ['no connection', {}],
    ['an HTTP webhook off loopback', { webhookUrl: 'http://portal.example/rest/1/code/' }],
    ['a webhook with a non-digit user id', { webhookUrl: 'https://portal.example/rest/me/code/' }],
    ['a portal without a token', { portalUrl: 'https://portal.example' }],
  ];

  for (const [label, options] of BAD_CONNECTIONS) {
    it(`throws INVALID_CONNECTION synchronously for ${label}`, () => {
      assert.throws(
        () => createClient(options),
        (error) =>
          assertB24Error(error, { code: 'INVALID_CONNECTION', kind: 'validation' }) instanceof
          B24Error,
      );
    });
  }

  const BAD_OPTIONS = [
    ['a fetch that is not a function', { fetch: 'fetch' }],
    ['a signal that is not an AbortSignal', { signal: {} }],
    ['a timeoutMs of zero', { timeoutMs: 0 }],
    ['a maxAttempts of 101', { maxAttempts: 101 }],
  ];

  for (const [label, options] of BAD_OPTIONS) {
    it(`throws INVALID_OPTION synchronously for ${label}`, () => {
      assert.throws(
        () => createClient({ ...webhookOf(mock.portal), ...options }),
        (error) => assertB24Error(error, { code: 'INVALID_OPTION' }) instanceof B24Error,
      );
    });
  }
});
