// Specification of the mock Bitrix24 portal, exercised over real sockets with the global fetch.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { startMockPortal } from '../../pkg-template/mock-portal/index.mjs';
import { JSON_TYPE, call, postJson, postForm } from './support/http.mjs';

const MOCK_DIRECTORY = fileURLToPath(new URL('../../pkg-template/mock-portal/', import.meta.url));
const CLI = join(MOCK_DIRECTORY, 'cli.mjs');

const BIND = 'crm.timeline.bindings.bind';
const LIST = 'crm.timeline.bindings.list';
const UNBIND = 'crm.timeline.bindings.unbind';
const DOCUMENTED_FIELDS = { OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' };

/** Sends a request over HTTPS trusting `ca`; answers `{ status, headers, text, json }`. */
function httpsCall(url, { ca, method = 'POST', headers = {}, body, servername } = {}) {
  return new Promise((resolve, reject) => {
    const request = https.request(
      url,
      { method, headers, ca, servername, agent: false },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode,
            headers: response.headers,
            text,
            json: JSON.parse(text),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function temporaryDirectory(t) {
  const directory = await mkdtemp(join(tmpdir(), 'mock-portal-test-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

async function startForTest(t, options) {
  const portal = await startMockPortal(options);
  t.after(() => portal.close());
  return portal;
}

function assertError(answer, status, code, description) {
  assert.equal(answer.status, status);
  assert.equal(answer.headers.get('content-type'), JSON_TYPE);
  assert.deepEqual(answer.json, { error: code, error_description: description });
}

function assertTimeBlock(time) {
  const isoWithOffset = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/;
  for (const field of ['start', 'finish', 'duration', 'processing', 'operating']) {
    assert.equal(typeof time[field], 'number', field);
  }
  assert.ok(time.finish >= time.start);
  assert.match(time.date_start, isoWithOffset);
  assert.match(time.date_finish, isoWithOffset);
  assert.ok(Number.isInteger(time.operating_reset_at));
  assert.equal(Object.keys(time).length, 8);
}

describe('starting the mock portal', () => {
  it('listens on 127.0.0.1 and builds the webhook URL from user id and code', async (t) => {
    const portal = await startForTest(t);

    assert.match(portal.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(portal.portalUrl, portal.url);
    assert.equal(portal.userId, 1);
    assert.equal(portal.webhookUrl, `${portal.url}/rest/1/${portal.webhookCode}/`);
    assert.deepEqual(portal.requests, []);
    assert.deepEqual(portal.bindings, []);
  });

  it('leaves every HTTPS field undefined unless HTTPS is asked for', async (t) => {
    const portal = await startForTest(t);

    for (const field of ['httpsUrl', 'httpsWebhookUrl', 'httpsPortalUrl', 'caCert']) {
      assert.equal(portal[field], undefined, field);
    }
  });

  it('makes up a webhook code of 16 lower-case alphanumerics and a 32-hex-digit token', async (t) => {
    const first = await startForTest(t);
    const second = await startForTest(t);

    assert.match(first.webhookCode, /^[a-z0-9]{16}$/);
    assert.match(first.accessToken, /^[0-9a-f]{32}$/);
    assert.notEqual(first.webhookCode, second.webhookCode);
    assert.notEqual(first.accessToken, second.accessToken);
  });

  it('uses the user id, webhook code and access token it is given', async (t) => {
    const portal = await startForTest(t, {
      userId: 7,
      webhookCode: 'abc123',
      accessToken: 'token-1',
    });

    assert.equal(portal.webhookUrl, `${portal.url}/rest/7/abc123/`);
    assert.equal(portal.accessToken, 'token-1');
    assert.equal(
      (await postJson(`${portal.webhookUrl}${BIND}`, { fields: DOCUMENTED_FIELDS })).status,
      200,
    );
    const oauth = await postJson(`${portal.url}/rest/${BIND}`, {
      fields: DOCUMENTED_FIELDS,
      auth: 'token-1',
    });
    assert.equal(oauth.status, 200);
  });

  it('rejects with EADDRINUSE when the HTTP port is taken', async (t) => {
    const first = await startForTest(t);
    const port = Number(new URL(first.url).port);

    await assert.rejects(startMockPortal({ port }), { code: 'EADDRINUSE' });
  });
});

describe('closing the mock portal', () => {
  it('resolves promptly even while the client keeps its connection alive', async () => {
    const portal = await startMockPortal();
    assert.equal(
      (await postJson(`${portal.webhookUrl}${BIND}`, { fields: DOCUMENTED_FIELDS })).status,
      200,
    );

    const started = Date.now();
    await portal.close();

    assert.ok(Date.now() - started < 1000);
    await assert.rejects(fetch(`${portal.webhookUrl}${BIND}`), TypeError);
  });

  it('cuts a delayed fault short instead of waiting for it', async () => {
    const portal = await startMockPortal();
    portal.queueFault({ delayMs: 60_000 });
    const pending = fetch(`${portal.webhookUrl}${BIND}`, { method: 'POST' });
    while (portal.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));

    const started = Date.now();
    await portal.close();

    assert.ok(Date.now() - started < 1000);
    await assert.rejects(pending, TypeError);
  });

  it(
    'closes the connection of a client still sending its request',
    { timeout: 5000 },
    async (t) => {
      const portal = await startMockPortal();
      const socket = connect(Number(new URL(portal.url).port), '127.0.0.1');
      socket.on('error', () => {});
      // Should close() leave the connection open, the test fails instead of hanging.
      t.after(() => socket.destroy());
      await once(socket, 'connect');
      socket.write(`POST /rest/${BIND} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"fie`);
      const closed = once(socket, 'close');
      // The request must reach the server before it closes; no event tells the test when it has.
      await new Promise((resolve) => setTimeout(resolve, 50));

      const started = Date.now();
      await portal.close();

      assert.ok(Date.now() - started < 1000);
      await closed;
    },
  );

  it('can be called twice', async () => {
    const portal = await startMockPortal();

    await Promise.all([portal.close(), portal.close()]);
    await portal.close();
  });
});

describe('crm.timeline.bindings.bind', () => {
  let portal;
  before(async () => (portal = await startMockPortal()));
  after(() => portal.close());
  beforeEach(() => portal.reset());

  it('binds with the documented JSON request and answers result true with a time block', async () => {
    const answer = await postJson(`${portal.webhookUrl}${BIND}`, { fields: DOCUMENTED_FIELDS });

    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('content-type'), JSON_TYPE);
    assert.equal(answer.json.result, true);
    assertTimeBlock(answer.json.time);
    assert.deepEqual(portal.bindings, [DOCUMENTED_FIELDS]);
  });

  it('reads a form body in bracket notation, ids arriving as strings of digits', async () => {
    const form = 'fields[OWNER_ID]=1111&fields[ENTITY_TYPE]=contact&fields[ENTITY_ID]=3';
    const answer = await postForm(`${portal.webhookUrl}${BIND}`, form);

    assert.equal(answer.status, 200);
    assert.deepEqual(portal.bindings, [{ OWNER_ID: 1111, ENTITY_ID: 3, ENTITY_TYPE: 'contact' }]);
  });

  it('reads query parameters in bracket notation on a GET without a body', async () => {
    const query = 'fields[OWNER_ID]=1112&fields[ENTITY_TYPE]=lead&fields[ENTITY_ID]=4';
    const answer = await call(`${portal.webhookUrl}${BIND}?${query}`, { method: 'GET' });

    assert.equal(answer.status, 200);
    assert.deepEqual(portal.bindings, [{ OWNER_ID: 1112, ENTITY_ID: 4, ENTITY_TYPE: 'lead' }]);
  });

  it('matches the method name in any case and with a .json suffix', async () => {
    for (const name of [
      'CRM.Timeline.Bindings.Bind',
      `${BIND}.json`,
      'crm.timeline.bindings.BIND.JSON',
    ]) {
      const answer = await postJson(`${portal.webhookUrl}${name}`, { fields: DOCUMENTED_FIELDS });
      assert.equal(answer.status, 200, name);
    }
  });

  it('accepts ENTITY_TYPE in upper case and stores it in lower case', async () => {
    const fields = { ...DOCUMENTED_FIELDS, ENTITY_TYPE: 'DEAL' };
    const answer = await postJson(`${portal.webhookUrl}${BIND}`, { fields });

    assert.equal(answer.status, 200);
    assert.deepEqual(portal.bindings, [DOCUMENTED_FIELDS]);
  });

  it('answers true for a pair bound twice and stores it once', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const answer = await postJson(`${portal.webhookUrl}${BIND}`, { fields: DOCUMENTED_FIELDS });
      assert.equal(answer.json.result, true);
    }
    assert.equal(portal.bindings.length, 1);
  });

  it('exposes bindings as a frozen copy that callers cannot change', async () => {
    await postJson(`${portal.webhookUrl}${BIND}`, { fields: DOCUMENTED_FIELDS });

    assert.ok(Object.isFrozen(portal.bindings));
    assert.throws(() => portal.bindings.push({}), TypeError);
    assert.throws(() => (portal.bindings[0].OWNER_ID = 1), TypeError);
  });

  const owner = 'OWNER_ID is not defined or invalid.';
  const type = 'ENTITY_TYPE is not defined or invalid.';
  const entity = 'ENTITY_ID is not defined or invalid.';
  const noFields = "Argument 'fields' is null or empty";
  const withFields = (changes) => ({ fields: { ...DOCUMENTED_FIELDS, ...changes } });
  const refusals = [
    ['fields is missing', {}, 'ERROR_ARGUMENT', noFields],
    ['fields is an array', { fields: [1110, 10, 'deal'] }, 'ERROR_ARGUMENT', noFields],
    ['fields is a string', { fields: 'OWNER_ID=1110' }, 'ERROR_ARGUMENT', noFields],
    ['fields is null', { fields: null }, 'ERROR_ARGUMENT', noFields],
    ['OWNER_ID is missing', { fields: { ENTITY_ID: 10, ENTITY_TYPE: 'deal' } }, '', owner],
    ['OWNER_ID is zero', withFields({ OWNER_ID: 0 }), '', owner],
    ['OWNER_ID is negative', withFields({ OWNER_ID: -1110 }), '', owner],
    ['OWNER_ID is a fraction', withFields({ OWNER_ID: 1110.5 }), '', owner],
    ['OWNER_ID is not all digits', withFields({ OWNER_ID: '1110abc' }), '', owner],
    ['OWNER_ID names no timeline record', withFields({ OWNER_ID: 9999 }), '', owner],
    [
      'both OWNER_ID and ENTITY_TYPE are invalid',
      withFields({ OWNER_ID: 0, ENTITY_TYPE: 'x' }),
      '',
      owner,
    ],
    ['ENTITY_TYPE is missing', { fields: { OWNER_ID: 1110, ENTITY_ID: 10 } }, '', type],
    ['ENTITY_TYPE is not one of the five types', withFields({ ENTITY_TYPE: 'invoice' }), '', type],
    ['ENTITY_TYPE is not a string', withFields({ ENTITY_TYPE: 2 }), '', type],
    [
      'both ENTITY_TYPE and ENTITY_ID are invalid',
      withFields({ ENTITY_TYPE: 'x', ENTITY_ID: 0 }),
      '',
      type,
    ],
    ['ENTITY_ID is missing', { fields: { OWNER_ID: 1110, ENTITY_TYPE: 'deal' } }, '', entity],
    ['ENTITY_ID is zero', withFields({ ENTITY_ID: 0 }), '', entity],
    ['ENTITY_ID is not all digits', withFields({ ENTITY_ID: 'ten' }), '', entity],
    ['ENTITY_ID names no deal', withFields({ ENTITY_ID: 21 }), '', entity],
    ['the deal is one the user may not edit', withFields({ ENTITY_ID: 13 }), '', 'Access denied.'],
  ];
  for (const [when, body, code, description] of refusals) {
    it(`answers 400 ${JSON.stringify(code)} "${description}" when ${when}`, async () => {
      const answer = await postJson(`${portal.webhookUrl}${BIND}`, body);

      assertError(answer, 400, code, description);
      assert.deepEqual(portal.bindings, []);
    });
  }
});

describe('portal data options', () => {
  it('replaces the default records, entities and denied entities', async (t) => {
    const portal = await startForTest(t, {
      records: [5],
      entities: { deal: [7, 13] },
      deniedEntities: [{ ENTITY_TYPE: 'DEAL', ENTITY_ID: '7' }],
    });
    const bind = (fields) => postJson(`${portal.webhookUrl}${BIND}`, { fields });

    assert.equal((await bind({ OWNER_ID: 5, ENTITY_ID: 13, ENTITY_TYPE: 'deal' })).status, 200);
    assert.equal(
      (await bind({ OWNER_ID: 5, ENTITY_ID: 7, ENTITY_TYPE: 'deal' })).json.error_description,
      'Access denied.',
    );
    assert.equal(
      (await bind({ OWNER_ID: 5, ENTITY_ID: 1, ENTITY_TYPE: 'lead' })).json.error_description,
      'ENTITY_ID is not defined or invalid.',
    );
    assert.equal(
      (await bind({ OWNER_ID: 1110, ENTITY_ID: 13, ENTITY_TYPE: 'deal' })).json.error_description,
      'OWNER_ID is not defined or invalid.',
    );
  });
});

describe('crm.timeline.bindings.list and unbind', () => {
  let portal;
  before(async () => (portal = await startMockPortal()));
  after(() => portal.close());
  beforeEach(() => portal.reset());

  const bind = (fields) => postJson(`${portal.webhookUrl}${BIND}`, { fields });

  it('lists the bindings of one record with every value a string, and their total', async () => {
    await bind(DOCUMENTED_FIELDS);
    await bind({ OWNER_ID: 1110, ENTITY_ID: 2, ENTITY_TYPE: 'company' });
    await bind({ OWNER_ID: 1111, ENTITY_ID: 3, ENTITY_TYPE: 'lead' });

    const answer = await postJson(`${portal.webhookUrl}${LIST}`, { filter: { OWNER_ID: 1110 } });

    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json.result, {
      items: [
        { OWNER_ID: '1110', ENTITY_ID: '10', ENTITY_TYPE: 'deal' },
        { OWNER_ID: '1110', ENTITY_ID: '2', ENTITY_TYPE: 'company' },
      ],
    });
    assert.equal(answer.json.total, 2);
    assertTimeBlock(answer.json.time);
  });

  it('lists by filter[OWNER_ID] in the query string', async () => {
    await bind(DOCUMENTED_FIELDS);

    const answer = await call(`${portal.webhookUrl}${LIST}?filter[OWNER_ID]=1110`, {
      method: 'GET',
    });

    assert.equal(answer.json.total, 1);
  });

  it('answers the OWNER_ID error when the list filter has no OWNER_ID', async () => {
    for (const body of [{}, { filter: {} }, { filter: { OWNER_ID: 'x' } }]) {
      const answer = await postJson(`${portal.webhookUrl}${LIST}`, body);
      assertError(answer, 400, '', 'OWNER_ID is not defined or invalid.');
    }
  });

  it('unbinds an existing binding', async () => {
    await bind(DOCUMENTED_FIELDS);

    const answer = await postJson(`${portal.webhookUrl}${UNBIND}`, { fields: DOCUMENTED_FIELDS });

    assert.equal(answer.status, 200);
    assert.equal(answer.json.result, true);
    assert.deepEqual(portal.bindings, []);
  });

  it('answers 400 "Not found." when unbinding a binding that does not exist', async () => {
    const answer = await postJson(`${portal.webhookUrl}${UNBIND}`, { fields: DOCUMENTED_FIELDS });

    assertError(answer, 400, '', 'Not found.');
  });

  it('validates unbind fields like bind', async () => {
    const answer = await postJson(`${portal.webhookUrl}${UNBIND}`, {
      fields: { ...DOCUMENTED_FIELDS, ENTITY_TYPE: 'x' },
    });

    assertError(answer, 400, '', 'ENTITY_TYPE is not defined or invalid.');
  });
});

describe('authorization and request errors', () => {
  let portal;
  before(async () => (portal = await startMockPortal({ expiredTokens: ['old-token'] })));
  after(() => portal.close());
  beforeEach(() => portal.reset());

  const oauthUrl = () => `${portal.url}/rest/${BIND}`;
  const noAuth = [401, 'NO_AUTH_FOUND', 'Wrong authorization data'];

  it('answers 401 NO_AUTH_FOUND for a webhook with the wrong user id', async () => {
    const answer = await postJson(`${portal.url}/rest/2/${portal.webhookCode}/${BIND}`, {
      fields: DOCUMENTED_FIELDS,
    });
    assertError(answer, ...noAuth);
  });

  it('answers 401 NO_AUTH_FOUND for a webhook with the wrong code', async () => {
    const answer = await postJson(`${portal.url}/rest/1/wrongcode1234567/${BIND}`, {
      fields: DOCUMENTED_FIELDS,
    });
    assertError(answer, ...noAuth);
  });

  it('answers 401 NO_AUTH_FOUND for an OAuth call without a token', async () => {
    assertError(await postJson(oauthUrl(), { fields: DOCUMENTED_FIELDS }), ...noAuth);
  });

  it('answers 401 invalid_token for an unknown token', async () => {
    const answer = await postJson(oauthUrl(), { fields: DOCUMENTED_FIELDS, auth: 'not-the-token' });
    assertError(answer, 401, 'invalid_token', 'The access token provided is invalid.');
  });

  it('answers 401 expired_token for a token listed as expired', async () => {
    const answer = await postJson(oauthUrl(), { fields: DOCUMENTED_FIELDS, auth: 'old-token' });
    assertError(answer, 401, 'expired_token', 'The access token provided has expired.');
  });

  it('accepts the access token in the JSON body, the form body or the query string', async () => {
    const token = portal.accessToken;
    const inJson = await postJson(oauthUrl(), { fields: DOCUMENTED_FIELDS, auth: token });
    const inForm = await postForm(
      oauthUrl(),
      `auth=${token}&fields[OWNER_ID]=1110&fields[ENTITY_ID]=10&fields[ENTITY_TYPE]=deal`,
    );
    const inQuery = await postJson(`${oauthUrl()}?auth=${token}`, { fields: DOCUMENTED_FIELDS });

    assert.deepEqual([inJson.status, inForm.status, inQuery.status], [200, 200, 200]);
    assert.deepEqual(
      portal.requests.map((entry) => entry.auth),
      ['oauth', 'oauth', 'oauth'],
    );
  });

  it('checks authorization before looking the method up', async () => {
    const answer = await postJson(`${portal.url}/rest/1/wrongcode1234567/no.such.method`, {});
    assertError(answer, ...noAuth);
  });

  it('answers 404 ERROR_METHOD_NOT_FOUND for an unknown method', async () => {
    const answer = await postJson(`${portal.webhookUrl}crm.timeline.bindings.nothing`, {});
    assertError(answer, 404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!');
  });

  it('answers 404 ERROR_METHOD_NOT_FOUND for a path outside /rest/{method}', async () => {
    assertError(
      await call(`${portal.url}/`, { method: 'GET' }),
      404,
      'ERROR_METHOD_NOT_FOUND',
      'Method not found!',
    );
    assertError(
      await call(`${portal.webhookUrl}`, { method: 'GET' }),
      404,
      'ERROR_METHOD_NOT_FOUND',
      'Method not found!',
    );
  });

  it('answers 400 INVALID_REQUEST for a malformed JSON body', async () => {
    const answer = await call(`${portal.webhookUrl}${BIND}`, {
      headers: { 'content-type': 'application/json' },
      body: '{"fields": {"OWNER_ID": 1110,',
    });
    assertError(answer, 400, 'INVALID_REQUEST', 'Invalid JSON in request body.');
    assert.equal(portal.requests[0].params, undefined);
  });

  it('answers 413 INVALID_REQUEST for a body over 1 MiB', async () => {
    const body = JSON.stringify({ fields: DOCUMENTED_FIELDS, padding: 'x'.repeat(1024 * 1024) });
    const answer = await call(`${portal.webhookUrl}${BIND}`, {
      headers: { 'content-type': 'application/json' },
      body,
    });

    assertError(answer, 413, 'INVALID_REQUEST', 'Request body too large.');
    assert.deepEqual(portal.bindings, []);
  });
});

describe('requireHttps', () => {
  it('answers plain HTTP with 400 "Https required." and HTTPS normally', async (t) => {
    const portal = await startForTest(t, { https: true, requireHttps: true });

    const overHttp = await postJson(`${portal.webhookUrl}${BIND}`, { fields: DOCUMENTED_FIELDS });
    const overHttps = await httpsCall(`${portal.httpsWebhookUrl}${BIND}`, {
      ca: portal.caCert,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fields: DOCUMENTED_FIELDS }),
    });

    assertError(overHttp, 400, 'INVALID_REQUEST', 'Https required.');
    assert.equal(overHttps.status, 200);
    assert.equal(overHttps.json.result, true);
  });
});

describe('HTTPS', () => {
  let portal;
  before(async () => (portal = await startMockPortal({ https: true })));
  after(() => portal.close());
  beforeEach(() => portal.reset());

  const bindOverHttps = (options = {}) =>
    httpsCall(`${portal.httpsWebhookUrl}${BIND}`, {
      ca: portal.caCert,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fields: DOCUMENTED_FIELDS }),
      ...options,
    });

  it('reports HTTPS URLs next to the HTTP ones and the certificate as PEM', () => {
    assert.match(portal.httpsUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(portal.httpsUrl.split(':')[2], portal.url.split(':')[2]);
    assert.equal(portal.httpsPortalUrl, portal.httpsUrl);
    assert.equal(portal.httpsWebhookUrl, `${portal.httpsUrl}/rest/1/${portal.webhookCode}/`);
    assert.match(
      portal.caCert,
      /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\s*$/,
    );
  });

  it('serves a certificate valid for 127.0.0.1 to a client trusting it as its CA', async () => {
    const answer = await bindOverHttps();

    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], JSON_TYPE);
    assert.equal(portal.requests[0].transport, 'https');
  });

  it('serves a certificate valid for the name localhost', async () => {
    const answer = await bindOverHttps({ servername: 'localhost' });
    assert.equal(answer.status, 200);
  });

  it('is refused by a client that does not trust the certificate', async () => {
    await assert.rejects(bindOverHttps({ ca: undefined }), /self-signed|self signed/);
  });

  it('shares bindings and the request log between HTTP and HTTPS', async () => {
    await bindOverHttps();

    const answer = await postJson(`${portal.webhookUrl}${LIST}`, { filter: { OWNER_ID: 1110 } });

    assert.equal(answer.json.total, 1);
    assert.deepEqual(
      portal.requests.map((entry) => entry.transport),
      ['https', 'http'],
    );
  });

  it('is trusted by a Node process given the PEM through NODE_EXTRA_CA_CERTS', async (t) => {
    const directory = await temporaryDirectory(t);
    const caFile = join(directory, 'ca.pem');
    await writeFile(caFile, portal.caCert);
    const script = `
      const response = await fetch(process.argv[1], {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ fields: { OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' } }),
      });
      console.log(response.status, await response.text());`;

    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', script, `${portal.httpsWebhookUrl}${BIND}`],
      { env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile } },
    );

    assert.match(stdout, /^200 \{"result":true,/);
  });
});

describe('the optional selfsigned package', () => {
  // A copy outside this project cannot resolve the project's node_modules.
  let directory;
  let moduleUrl;
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'mock-portal-copy-'));
    await cp(MOCK_DIRECTORY, directory, { recursive: true });
    moduleUrl = pathToFileURL(join(directory, 'index.mjs')).href;
  });
  after(() => rm(directory, { recursive: true, force: true }));

  it('is not needed for plain HTTP', async (t) => {
    const { startMockPortal: start } = await import(moduleUrl);
    const portal = await start();
    t.after(() => portal.close());

    assert.equal(
      (await postJson(`${portal.webhookUrl}${BIND}`, { fields: DOCUMENTED_FIELDS })).status,
      200,
    );
  });

  it('when missing, makes an HTTPS start reject with the npm install command', async () => {
    const { startMockPortal: start } = await import(moduleUrl);

    await assert.rejects(start({ https: true }), /npm install selfsigned/);
  });
});

describe('the request log', () => {
  let portal;
  before(async () => (portal = await startMockPortal()));
  after(() => portal.close());
  beforeEach(() => portal.reset());

  it('records what was sent and what was answered', async () => {
    await postJson(
      `${portal.webhookUrl}${BIND}.json?x[y]=1`,
      { fields: DOCUMENTED_FIELDS },
      { 'X-Trace': 'abc' },
    );

    const [entry] = portal.requests;
    assert.ok(!Number.isNaN(Date.parse(entry.time)));
    assert.equal(entry.transport, 'http');
    assert.equal(entry.httpMethod, 'POST');
    assert.equal(entry.path, `/rest/1/${portal.webhookCode}/${BIND}.json`);
    assert.deepEqual(entry.query, { x: { y: '1' } });
    assert.equal(entry.headers['x-trace'], 'abc');
    assert.equal(entry.rawBody, JSON.stringify({ fields: DOCUMENTED_FIELDS }));
    assert.deepEqual(entry.params, { x: { y: '1' }, fields: DOCUMENTED_FIELDS });
    assert.equal(entry.restMethod, BIND);
    assert.equal(entry.auth, 'webhook');
    assert.equal(entry.status, 200);
    assert.equal(entry.fault, false);
  });

  it('records the status of failed calls and marks calls without credentials as auth none', async () => {
    await postJson(`${portal.url}/rest/${BIND}`, {});

    assert.equal(portal.requests[0].status, 401);
    assert.equal(portal.requests[0].auth, 'none');
  });

  it('reads nested and repeated bracket names from a form body', async () => {
    await postForm(`${portal.webhookUrl}${BIND}`, 'a[b][c]=1&list[]=x&list[]=y&plain=two+words');

    assert.deepEqual(portal.requests[0].params, {
      a: { b: { c: '1' } },
      list: ['x', 'y'],
      plain: 'two words',
    });
  });

  it('is the same array before and after reset', async () => {
    const log = portal.requests;
    await postJson(`${portal.webhookUrl}${BIND}`, { fields: DOCUMENTED_FIELDS });
    portal.reset();

    assert.equal(portal.requests, log);
    assert.equal(log.length, 0);
  });

  it('reset forgets requests, queued faults and bindings', async () => {
    await postJson(`${portal.webhookUrl}${BIND}`, { fields: DOCUMENTED_FIELDS });
    portal.queueFault({ status: 500 });

    portal.reset();

    assert.deepEqual(portal.requests, []);
    assert.deepEqual(portal.bindings, []);
    assert.equal(
      (await postJson(`${portal.webhookUrl}${BIND}`, { fields: DOCUMENTED_FIELDS })).status,
      200,
    );
  });
});

describe('the log option', () => {
  it('receives a short line per request that never holds the webhook code or token', async (t) => {
    const lines = [];
    const portal = await startForTest(t, { log: (line) => lines.push(line) });

    await postJson(`${portal.webhookUrl}${BIND}`, { fields: DOCUMENTED_FIELDS });
    await postJson(`${portal.url}/rest/${BIND}?auth=${portal.accessToken}`, {
      fields: DOCUMENTED_FIELDS,
    });

    assert.equal(lines.length, 2);
    assert.match(lines[0], /POST \/rest\/1\/\*\*\*\/crm\.timeline\.bindings\.bind 200/);
    for (const line of lines) {
      assert.ok(line.length < 120);
      assert.ok(!line.includes(portal.webhookCode) && !line.includes(portal.accessToken), line);
    }
  });
});

describe('CORS', () => {
  let portal;
  before(async () => (portal = await startMockPortal()));
  after(() => portal.close());
  beforeEach(() => portal.reset());

  const preflight = (path, headers = {}) =>
    call(`${portal.url}${path}`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://example.test',
        'access-control-request-method': 'POST',
        ...headers,
      },
    });

  it('allows any origin and exposes every header on successes, errors and faults', async () => {
    portal.queueFault({ status: 503, body: 'busy' });
    const answers = [
      await postJson(`${portal.webhookUrl}${BIND}`, {}),
      await postJson(`${portal.webhookUrl}${BIND}`, { fields: DOCUMENTED_FIELDS }),
      await postJson(`${portal.webhookUrl}${BIND}`, {}),
      await postJson(`${portal.url}/rest/${BIND}`, {}),
      await call(`${portal.url}/__mock/requests`, { method: 'GET' }),
    ];

    assert.deepEqual(
      answers.map((answer) => answer.status),
      [503, 200, 400, 401, 200],
    );
    for (const answer of answers) {
      assert.equal(answer.headers.get('access-control-allow-origin'), '*');
      assert.equal(answer.headers.get('access-control-expose-headers'), '*');
    }
  });

  it('answers a preflight with 204, the allowed methods and the requested headers echoed', async () => {
    const answer = await preflight(`/rest/1/x/${BIND}`, {
      'access-control-request-headers': 'content-type,x-custom',
    });

    assert.equal(answer.status, 204);
    assert.equal(answer.headers.get('access-control-allow-origin'), '*');
    assert.equal(answer.headers.get('access-control-allow-methods'), 'GET, POST, OPTIONS');
    assert.equal(answer.headers.get('access-control-allow-headers'), 'content-type,x-custom');
    assert.equal(answer.headers.get('access-control-max-age'), '600');
  });

  it('allows Content-Type and Accept when a preflight names no headers', async () => {
    const answer = await preflight('/anything');
    assert.equal(answer.headers.get('access-control-allow-headers'), 'Content-Type, Accept');
  });

  it('allows DELETE in a preflight for the control endpoints', async () => {
    const answer = await preflight('/__mock/faults', { 'access-control-request-method': 'DELETE' });
    assert.match(answer.headers.get('access-control-allow-methods'), /DELETE/);
  });

  it('neither logs a preflight nor lets it take a queued fault', async () => {
    portal.queueFault({ status: 500, body: 'fault' });

    await preflight(`/rest/1/${portal.webhookCode}/${BIND}`);

    assert.deepEqual(portal.requests, []);
    assert.equal(
      (await postJson(`${portal.webhookUrl}${BIND}`, { fields: DOCUMENTED_FIELDS })).status,
      500,
    );
  });
});

describe('faults', () => {
  let portal;
  before(async () => (portal = await startMockPortal()));
  after(() => portal.close());
  beforeEach(() => portal.reset());

  const bind = () => postJson(`${portal.webhookUrl}${BIND}`, { fields: DOCUMENTED_FIELDS });

  it('answers a string body as is, as text/html, with the given status', async () => {
    portal.queueFault({ status: 502, body: '<html>Bad Gateway</html>' });

    const answer = await bind();

    assert.equal(answer.status, 502);
    assert.equal(answer.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(answer.text, '<html>Bad Gateway</html>');
    assert.deepEqual(portal.bindings, []);
  });

  it('answers an object body as JSON', async () => {
    const body = { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' };
    portal.queueFault({ status: 503, body });

    const answer = await bind();

    assertError(answer, 503, body.error, body.error_description);
  });

  it('answers 200 with an empty body when only a fault object is given', async () => {
    portal.queueFault({});

    const answer = await bind();

    assert.equal(answer.status, 200);
    assert.equal(answer.text, '');
  });

  it('sends the fault headers over the defaults, whatever their case', async () => {
    portal.queueFault({
      body: 'plain',
      headers: { 'Content-Type': 'text/plain', 'Retry-After': '3' },
    });

    const answer = await bind();

    assert.equal(answer.headers.get('content-type'), 'text/plain');
    assert.equal(answer.headers.get('retry-after'), '3');
  });

  it('uses faults first in, first out, each for its number of times', async () => {
    portal.queueFault({ status: 503, body: {}, times: 2 });
    portal.queueFault({ status: 500, body: 'oops' });

    const statuses = [];
    for (let attempt = 0; attempt < 4; attempt++) statuses.push((await bind()).status);

    assert.deepEqual(statuses, [503, 503, 500, 200]);
    assert.deepEqual(
      portal.requests.map((entry) => entry.fault),
      [true, true, true, false],
    );
    assert.deepEqual(
      portal.requests.map((entry) => entry.status),
      [503, 503, 500, 200],
    );
  });

  it('waits delayMs before answering', async () => {
    portal.queueFault({ status: 500, body: 'late', delayMs: 200 });

    const started = Date.now();
    const answer = await bind();

    assert.ok(Date.now() - started >= 190);
    assert.equal(answer.status, 500);
  });

  it('drops the connection without an answer', async () => {
    portal.queueFault({ drop: true });

    await assert.rejects(bind(), TypeError);
    assert.equal(portal.requests[0].status, 0);
    assert.equal(portal.requests[0].fault, true);
    assert.equal((await bind()).status, 200);
  });

  it('drops the connection after the delay', async () => {
    portal.queueFault({ drop: true, delayMs: 150 });

    const started = Date.now();
    await assert.rejects(bind(), TypeError);

    assert.ok(Date.now() - started >= 140);
  });

  it("handles the request normally after the delay when then is 'handle'", async () => {
    portal.queueFault({ delayMs: 150, then: 'handle' });

    const started = Date.now();
    const answer = await bind();

    assert.ok(Date.now() - started >= 140);
    assert.equal(answer.status, 200);
    assert.equal(answer.json.result, true);
    assert.deepEqual(portal.bindings, [DOCUMENTED_FIELDS]);
    assert.equal(portal.requests[0].fault, true);
  });

  it('takes no fault for a path outside /rest/', async () => {
    portal.queueFault({ status: 500 });

    await call(`${portal.url}/favicon.ico`, { method: 'GET' });

    assert.equal((await bind()).status, 500);
  });

  it('clearFaults empties the queue', async () => {
    portal.queueFault({ status: 500 });
    portal.queueFault({ status: 501 });

    portal.clearFaults();

    assert.equal((await bind()).status, 200);
  });

  it('refuses a fault that is not an object or has an impossible status', () => {
    assert.throws(() => portal.queueFault('500'), TypeError);
    assert.throws(() => portal.queueFault([{ status: 500 }]), TypeError);
    assert.throws(() => portal.queueFault({ status: 42 }), TypeError);
  });
});

describe('control endpoints', () => {
  let portal;
  before(async () => (portal = await startMockPortal()));
  after(() => portal.close());
  beforeEach(() => portal.reset());

  const control = (method, path, body) =>
    call(`${portal.url}/__mock/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const bind = () => postJson(`${portal.webhookUrl}${BIND}`, { fields: DOCUMENTED_FIELDS });

  it('POST /__mock/faults queues one fault and answers 204', async () => {
    const answer = await control('POST', 'faults', {
      status: 503,
      body: { error: 'QUERY_LIMIT_EXCEEDED' },
    });

    assert.equal(answer.status, 204);
    assert.equal((await bind()).status, 503);
    assert.equal((await bind()).status, 200);
  });

  it('POST /__mock/faults queues an array of faults in order', async () => {
    await control('POST', 'faults', [{ status: 500 }, { status: 502 }]);

    assert.deepEqual(
      [(await bind()).status, (await bind()).status, (await bind()).status],
      [500, 502, 200],
    );
  });

  it('POST /__mock/faults answers 400 for malformed JSON or a fault that is not an object', async () => {
    const malformed = await call(`${portal.url}/__mock/faults`, {
      body: '{',
      headers: { 'content-type': 'application/json' },
    });
    const notObject = await control('POST', 'faults', [{ status: 500 }, 'drop']);

    assert.equal(malformed.status, 400);
    assert.equal(notObject.status, 400);
    assert.equal((await bind()).status, 200, 'no fault of a refused list is queued');
  });

  it('DELETE /__mock/faults clears the queue and answers 204', async () => {
    portal.queueFault({ status: 500 });

    assert.equal((await control('DELETE', 'faults')).status, 204);
    assert.equal((await bind()).status, 200);
  });

  it('POST /__mock/reset forgets requests, faults and bindings and answers 204', async () => {
    await bind();
    portal.queueFault({ status: 500 });

    assert.equal((await control('POST', 'reset')).status, 204);
    assert.deepEqual(portal.requests, []);
    assert.deepEqual(portal.bindings, []);
    assert.equal((await bind()).status, 200);
  });

  it('GET /__mock/requests returns the log without the webhook code or any auth token', async () => {
    const token = portal.accessToken;
    await bind();
    await postJson(`${portal.url}/rest/${BIND}?auth=${token}`, {
      fields: DOCUMENTED_FIELDS,
      auth: token,
    });
    await postForm(`${portal.url}/rest/${BIND}`, `auth=${token}&fields[OWNER_ID]=1110`);

    const answer = await control('GET', 'requests');

    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('content-type'), JSON_TYPE);
    assert.ok(!answer.text.includes(portal.webhookCode), 'webhook code leaked');
    assert.ok(!answer.text.includes(token), 'token leaked');
    const [webhook, json, form] = answer.json;
    assert.equal(webhook.path, `/rest/1/***/${BIND}`);
    assert.deepEqual(json.query, {});
    assert.deepEqual(json.params, { fields: DOCUMENTED_FIELDS });
    assert.deepEqual(JSON.parse(json.rawBody), { fields: DOCUMENTED_FIELDS });
    assert.equal(form.rawBody, 'fields%5BOWNER_ID%5D=1110');
    assert.equal(form.auth, 'oauth');
  });

  it('leaves the in-process log untouched and records no control call', async () => {
    await bind();
    await control('GET', 'requests');
    await control('DELETE', 'faults');

    assert.equal(portal.requests.length, 1);
    assert.equal(portal.requests[0].path, `/rest/1/${portal.webhookCode}/${BIND}`);
  });

  it('answers 404 for an unknown control endpoint', async () => {
    assert.equal((await control('GET', 'nothing')).status, 404);
  });
});

describe('command line', () => {
  const children = new Set();
  afterEach(() => {
    for (const child of children) child.kill('SIGKILL');
    children.clear();
  });

  /** Spawns the CLI; `ready` resolves with its startup lines once it says how to stop it. */
  function startCli(args) {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const exited = once(child, 'exit').then(([code, signal]) => {
      children.delete(child);
      return { code, signal };
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    const ready = new Promise((resolve, reject) => {
      child.stdout.on(
        'data',
        () => stdout.includes('Ctrl+C') && resolve(stdout.trim().split('\n')),
      );
      exited.then(() => reject(new Error(`CLI exited early: ${stderr}`)));
    });
    // Tests of flags that make it exit at once never wait for it to be ready.
    ready.catch(() => {});
    return { child, ready, exited, output: () => ({ stdout, stderr }) };
  }

  const field = (lines, name) => lines.find((line) => line.startsWith(`${name}:`))?.split(/\s+/)[1];

  it('prints its URL and webhook URL on a few lines, serves, and exits 0 on SIGINT', async () => {
    const cli = startCli([]);
    const lines = await cli.ready;

    assert.ok(lines.length <= 5, lines.join('\n'));
    assert.match(field(lines, 'http'), /^http:\/\/127\.0\.0\.1:\d+$/);
    const webhook = field(lines, 'webhook');
    assert.match(webhook, /^http:\/\/127\.0\.0\.1:\d+\/rest\/1\/[a-z0-9]{16}\/$/);
    assert.equal((await postJson(`${webhook}${BIND}`, { fields: DOCUMENTED_FIELDS })).status, 200);

    cli.child.kill('SIGINT');
    assert.deepEqual(await cli.exited, { code: 0, signal: null });
    assert.match(cli.output().stdout, /stopped/);
  });

  it('listens on --port and uses --webhook-code and --access-token', async () => {
    const probe = await startMockPortal();
    const port = new URL(probe.url).port;
    await probe.close();

    const cli = startCli([
      '--port',
      port,
      '--webhook-code',
      'code1234',
      '--access-token',
      'tok5678',
    ]);
    const lines = await cli.ready;

    assert.equal(field(lines, 'webhook'), `http://127.0.0.1:${port}/rest/1/code1234/`);
    const oauth = await postJson(`http://127.0.0.1:${port}/rest/${BIND}`, {
      fields: DOCUMENTED_FIELDS,
      auth: 'tok5678',
    });
    assert.equal(oauth.status, 200);
    assert.ok(!cli.output().stdout.includes('tok5678'), 'the token is not printed');

    cli.child.kill('SIGINT');
    assert.equal((await cli.exited).code, 0);
  });

  it('with --https and --ca-file writes the certificate, serves HTTPS, and exits 0 on SIGTERM', async (t) => {
    const directory = await temporaryDirectory(t);
    const caFile = join(directory, 'ca.pem');
    const cli = startCli(['--https', '--ca-file', caFile]);
    const lines = await cli.ready;

    assert.match(field(lines, 'https'), /^https:\/\/127\.0\.0\.1:\d+$/);
    const webhook = field(lines, 'webhook');
    assert.ok(webhook.startsWith(field(lines, 'https')), 'the webhook URL is the HTTPS one');
    const ca = await readFile(caFile, 'utf8');
    assert.match(ca, /^-----BEGIN CERTIFICATE-----/);
    const answer = await httpsCall(`${webhook}${BIND}`, {
      ca,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fields: DOCUMENTED_FIELDS }),
    });
    assert.equal(answer.status, 200);

    cli.child.kill('SIGTERM');
    assert.deepEqual(await cli.exited, { code: 0, signal: null });
  });

  it('refuses requests over --rate-limit BURST:DRAIN and says so in its startup lines', async () => {
    const cli = startCli(['--rate-limit', '2:0']);
    const lines = await cli.ready;
    const bind = () => postJson(`${field(lines, 'webhook')}${BIND}`, { fields: DOCUMENTED_FIELDS });

    const statuses = [(await bind()).status, (await bind()).status, (await bind()).status];

    assert.ok(lines.includes('limit:   burst 2, drains 0/s'), lines.join('\n'));
    assert.deepEqual(statuses, [200, 200, 503]);
    cli.child.kill('SIGINT');
    assert.equal((await cli.exited).code, 0);
  });

  it('takes a plan name for --rate-limit and reports --time-scale with it', async () => {
    const cli = startCli(['--rate-limit', 'enterprise', '--time-scale', '20']);
    const lines = await cli.ready;

    assert.ok(lines.includes('limit:   burst 250, drains 5/s, portal clock x20'), lines.join('\n'));
    cli.child.kill('SIGINT');
    assert.equal((await cli.exited).code, 0);
  });

  it('prints usage and exits 0 on --help', async () => {
    const cli = startCli(['--help']);
    const { code } = await cli.exited;

    assert.equal(code, 0);
    for (const flag of [
      '--port',
      '--https',
      '--https-port',
      '--webhook-code',
      '--access-token',
      '--ca-file',
      '--rate-limit',
      '--time-scale',
      '--help',
    ]) {
      assert.ok(cli.output().stdout.includes(flag), flag);
    }
  });

  const badArguments = [
    [['--bogus'], '--bogus'],
    [['--port', 'abc'], '--port'],
    [['--port'], '--port'],
    [['--https-port', '70000'], '--https-port'],
    [['--webhook-code', ''], '--webhook-code'],
    [['--rate-limit', 'premium'], '--rate-limit'],
    [['--rate-limit', '10'], '--rate-limit'],
    [['--rate-limit', '0:2'], '--rate-limit'],
    [['--rate-limit', '10:-1'], '--rate-limit'],
    [['--time-scale', '0'], '--time-scale'],
    [['--time-scale', 'fast'], '--time-scale'],
    [['stray'], 'stray'],
  ];
  for (const [args, flag] of badArguments) {
    it(`exits 2 with one line naming ${flag} for ${JSON.stringify(args)}`, async () => {
      const cli = startCli(args);
      const { code } = await cli.exited;
      const { stdout, stderr } = cli.output();

      assert.equal(code, 2);
      assert.equal(stdout, '');
      assert.equal(stderr.trim().split('\n').length, 1);
      assert.ok(stderr.includes(flag), stderr);
    });
  }
});
