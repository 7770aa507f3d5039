// Specification of the demo page (www/) in headless Chromium: served by the
// demo's own page server, calling a mock portal on another origin. Each state
// leaves a screenshot in tests/.tmp/screenshots/.
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startMockPortal } from '../../pkg-template/mock-portal/index.mjs';
import { startDemoServer } from '../../scripts/demo-server.mjs';
import { sharedBrowser } from './support/browser.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOTS = join(ROOT, 'tests', '.tmp', 'screenshots');
const STAND_IN = join(ROOT, 'tests', 'js', 'support', 'bx24-stand-in.mjs');
const DESKTOP = { width: 1024, height: 900 };
const PHONE = { width: 375, height: 740 };

let portal;
let server;

before(async () => {
  portal = await startMockPortal();
  server = await startDemoServer({
    config: { webhookUrl: portal.webhookUrl, portalUrl: portal.portalUrl, accessToken: portal.accessToken },
  });
  await mkdir(SCREENSHOTS, { recursive: true });
});

beforeEach(() => portal.reset());

after(async () => {
  await server?.close();
  await portal?.close();
});

/**
 * Opens the page in a fresh browser context and waits until it is ready.
 * `initScript` runs before any of the page's own scripts.
 */
async function openPage(t, { viewport = DESKTOP, initScript } = {}) {
  const browser = await sharedBrowser();
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  t.after(() => context.close());
  if (initScript) await context.addInitScript(initScript);

  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  t.after(() => assert.deepEqual(pageErrors, [], 'the page threw'));

  await page.goto(server.url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
  return page;
}

async function bind(page) {
  await page.click('#bind-form button[type="submit"]');
  await page.waitForSelector('#outcome:not([hidden])');
  await page.waitForSelector('#bind-form button[type="submit"]:not([disabled])', { timeout: 15_000 });
}

/** What the outcome panel says: its heading and each row by name. */
function outcomeOf(page) {
  return page.evaluate(() => {
    const outcome = document.getElementById('outcome');
    const rows = Object.fromEntries([...outcome.querySelectorAll('dd')].map((row) => [row.dataset.name, row.textContent]));
    return { tone: outcome.dataset.tone, title: outcome.querySelector('h3').textContent, rows, text: outcome.textContent };
  });
}

async function screenshot(page, state) {
  await page.screenshot({ path: join(SCREENSHOTS, `${state}.png`), fullPage: true });
}

/** Fails when the webhook code or token is in the page's address, storage or cookies. */
async function assertNoSecretKept(page) {
  const secrets = [portal.webhookCode, portal.accessToken];
  const kept = await page.evaluate(() =>
    JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie }),
  );
  for (const secret of secrets) {
    assert.ok(!page.url().includes(secret), 'the secret stays out of the page address');
    assert.ok(!kept.includes(secret), 'the secret stays out of storage and cookies');
  }
  assert.deepEqual(await page.context().cookies(), []);
}

/** A loopback address with nothing listening on it. */
async function closedPortUrl() {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}`;
}

// Defines window.BX24 before the page's module runs, as a placement's BX24.js
// library does: the stand-in, with its exports made local.
async function bx24InitScript() {
  const source = (await readFile(STAND_IN, 'utf8')).replace(/^export /gm, '');
  const connection = JSON.stringify({ portalUrl: portal.portalUrl, accessToken: portal.accessToken });
  return `(() => {\n${source}\nwindow.BX24 = createBX24(${connection});\n})();`;
}

describe('the demo page in Chromium', () => {
  it('binds through the form on a portal of another origin and shows the result and time', async (t) => {
    const page = await openPage(t);
    assert.equal(await page.inputValue('#webhook-url'), portal.webhookUrl, 'prefilled with the mock webhook');

    await bind(page);
    const outcome = await outcomeOf(page);
    await screenshot(page, 'bound');

    assert.equal(outcome.tone, 'success');
    assert.equal(outcome.title, 'Bound');
    assert.equal(outcome.rows.result, 'true');
    assert.match(outcome.rows['time.duration'], /^\d+\.\d{4}$/);
    assert.deepEqual(portal.bindings, [{ OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' }]);

    const [request] = portal.requests;
    assert.equal(request.headers.origin, new URL(server.url).origin, 'a cross-origin call');
    assert.match(request.headers['content-type'], /^application\/json/, 'a JSON POST, which needs a preflight');
    await assertNoSecretKept(page);
  });

  it('flags an invalid OWNER_ID and ENTITY_ID before sending anything', async (t) => {
    const page = await openPage(t);
    await page.fill('#owner-id', '0');
    await page.fill('#entity-id', 'ten');

    await bind(page);
    const outcome = await outcomeOf(page);
    await screenshot(page, 'invalid-owner');

    assert.equal(outcome.tone, 'failure');
    assert.equal(outcome.rows.code, 'OWNER_ID_INVALID');
    assert.equal(outcome.rows.kind, 'validation');
    assert.equal(outcome.rows.field, 'OWNER_ID');
    assert.equal(outcome.rows.retryable, 'no');
    assert.match(outcome.text, /Nothing was sent/);
    assert.equal(await page.getAttribute('#owner-id', 'aria-invalid'), 'true');
    assert.equal(await page.getAttribute('#entity-id', 'aria-invalid'), 'true');
    assert.equal(await page.getAttribute('#entity-type', 'aria-invalid'), null);
    assert.match(await page.textContent('#owner-id-message'), /OWNER_ID/);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'owner-id');
    assert.equal(portal.requests.length, 0, 'nothing reached the portal');

    await page.fill('#owner-id', '1110');
    assert.equal(await page.getAttribute('#owner-id', 'aria-invalid'), null, 'typing clears the mark');
  });

  it('shows a portal refusal with its code, kind and description', async (t) => {
    const page = await openPage(t);
    await page.fill('#entity-id', '13');

    await bind(page);
    const outcome = await outcomeOf(page);
    await screenshot(page, 'portal-error');

    assert.equal(outcome.title, 'Failed: ACCESS_DENIED');
    assert.equal(outcome.rows.code, 'ACCESS_DENIED');
    assert.equal(outcome.rows.kind, 'permission');
    assert.match(outcome.rows.description, /^Access denied/);
    assert.equal(outcome.rows.retryable, 'no');
    assert.equal(portal.requests.length, 1);
    assert.deepEqual(portal.bindings, []);
  });

  it('shows a network failure as retryable NETWORK_ERROR', async (t) => {
    const page = await openPage(t);
    const secret = 'pagesecretcode77';
    await page.fill('#webhook-url', `${await closedPortUrl()}/rest/1/${secret}/`);

    await bind(page);
    const outcome = await outcomeOf(page);
    await screenshot(page, 'network-failure');

    assert.equal(outcome.rows.code, 'NETWORK_ERROR');
    assert.equal(outcome.rows.kind, 'network');
    assert.match(outcome.rows.retryable, /^yes/);
    assert.ok(!outcome.text.includes(secret), 'the webhook code is not shown');
    assert.ok(!page.url().includes(secret));
  });

  it('marks the webhook field when the connection is unusable, sending nothing', async (t) => {
    const page = await openPage(t);
    await page.fill('#webhook-url', 'http://portal.example.com/rest/1/code/');

    await bind(page);
    const outcome = await outcomeOf(page);

    assert.equal(outcome.rows.code, 'INVALID_CONNECTION');
    assert.equal(await page.getAttribute('#webhook-url', 'aria-invalid'), 'true');
    assert.equal(portal.requests.length, 0);
  });

  it('binds with the portal URL and access token when that mode is chosen', async (t) => {
    const page = await openPage(t);
    await page.check('input[name="auth"][value="token"]');
    assert.ok(await page.isVisible('#access-token'));
    assert.ok(!(await page.isVisible('#webhook-url')));

    await bind(page);

    assert.equal((await outcomeOf(page)).rows.result, 'true');
    assert.equal(portal.requests[0].auth, 'oauth');
    await assertNoSecretKept(page);
  });

  it('in a placement, binds through BX24 and hides the credential fields', async (t) => {
    const page = await openPage(t, { initScript: await bx24InitScript() });
    assert.ok(!(await page.isVisible('#credentials')), 'no credential fields');
    assert.ok(await page.isVisible('#placement-notice'));

    await bind(page);
    const outcome = await outcomeOf(page);
    await screenshot(page, 'placement');

    assert.equal(outcome.rows.result, 'true');
    assert.deepEqual(portal.bindings, [{ OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' }]);
    const [request] = portal.requests;
    assert.equal(request.auth, 'oauth', 'the placement token, not the webhook');
    assert.match(request.headers['content-type'], /^application\/x-www-form-urlencoded/, 'sent by BX24');
  });

  it('binds a pasted CSV list with progress, a result per item and a failures download', async (t) => {
    const page = await openPage(t);
    const rows = Array.from({ length: 53 }, (_, at) => `deal,${1110 + (at % 6)},${1 + (at % 12)}`);
    rows.splice(20, 0, 'deal,x,5', 'deal,1111,13');
    await page.fill('#bulk-items', ['ENTITY_TYPE,OWNER_ID,ENTITY_ID', ...rows, ''].join('\n'));

    await page.click('#bulk-form button[type="submit"]');
    await page.waitForSelector('#bulk-download:not([hidden])', { timeout: 15_000 });
    await screenshot(page, 'bulk');

    assert.equal(await page.textContent('#bulk-summary'), '53 bound, 2 failed, of 55. Failures are listed first.');
    assert.deepEqual(await page.evaluate(() => [document.getElementById('bulk-progress').value, document.getElementById('bulk-progress').max]), [55, 55]);
    assert.equal(await page.textContent('#bulk-progress-text'), '55 / 55');
    assert.equal(await page.locator('#bulk-results tbody tr').count(), 55);
    const firstRows = await page.locator('#bulk-results tbody tr').evaluateAll((rows) =>
      rows.slice(0, 3).map((row) => [row.className, row.cells[0].textContent, row.cells[1].textContent]),
    );
    assert.deepEqual(firstRows, [
      ['failed', '20', 'OWNER_ID_INVALID: OWNER_ID is not defined or invalid.'],
      ['failed', '21', 'ACCESS_DENIED: Access denied.'],
      ['bound', '0', 'bound'],
    ]);
    assert.equal(portal.requests.length, 2, '54 valid items go out in two batches');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#bulk-download')]);
    assert.equal(download.suggestedFilename(), 'failures.csv');
    const csv = await readFile(await download.path(), 'utf8');
    const [header, first, second, ...rest] = csv.split('\r\n');
    assert.equal(header, 'index,OWNER_ID,ENTITY_ID,ENTITY_TYPE,code,description');
    assert.match(first, /^20,x,5,deal,OWNER_ID_INVALID,/);
    assert.match(second, /^21,1111,13,deal,ACCESS_DENIED,Access denied/);
    assert.deepEqual(rest, ['']);
  });

  it('reads an uploaded CSV with a byte order mark, CRLF and quoted cells', async (t) => {
    const page = await openPage(t);
    const csv = '\uFEFFnote,OWNER_ID,ENTITY_ID,ENTITY_TYPE\r\n"a ""quoted"", note\r\nover two lines",1112,7,Contact\r\n,1113,"8",lead\r\n';
    await page.setInputFiles('#bulk-file', { name: 'items.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.waitForFunction(() => document.getElementById('bulk-items').value !== '');

    await page.click('#bulk-form button[type="submit"]');
    await page.waitForFunction(() => document.getElementById('bulk-summary').textContent !== '');

    assert.equal(await page.textContent('#bulk-summary'), '2 bound, 0 failed, of 2.');
    assert.ok(!(await page.isVisible('#bulk-download')), 'no failures to download');
    assert.deepEqual(portal.bindings, [
      { OWNER_ID: 1112, ENTITY_ID: 7, ENTITY_TYPE: 'contact' },
      { OWNER_ID: 1113, ENTITY_ID: 8, ENTITY_TYPE: 'lead' },
    ]);
  });

  it('refuses a list without the needed CSV columns before sending', async (t) => {
    const page = await openPage(t);
    await page.fill('#bulk-items', 'OWNER_ID,ENTITY\n1110,10\n');

    await page.click('#bulk-form button[type="submit"]');

    assert.equal(await page.getAttribute('#bulk-items', 'aria-invalid'), 'true');
    assert.match(await page.textContent('#bulk-items-message'), /missing: ENTITY_ID, ENTITY_TYPE/);
    assert.equal(portal.requests.length, 0);
  });

  it('fits a phone-width screen, bulk results from a JSON list included', async (t) => {
    const page = await openPage(t, { viewport: PHONE });
    const items = [
      { OWNER_ID: 1110, ENTITY_ID: 3, ENTITY_TYPE: 'company' },
      { OWNER_ID: 1114, ENTITY_ID: 99, ENTITY_TYPE: 'deal' },
    ];
    await page.fill('#bulk-items', JSON.stringify(items));
    await page.click('#bulk-form button[type="submit"]');
    await page.waitForSelector('#bulk-download:not([hidden])', { timeout: 15_000 });
    await page.fill('#owner-id', '-1');
    await bind(page);
    await screenshot(page, 'phone');

    assert.equal(await page.textContent('#bulk-summary'), '1 bound, 1 failed, of 2. Failures are listed first.');
    const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(widths[0] <= widths[1], `no horizontal overflow: ${widths.join(' > ')}`);
  });
});
