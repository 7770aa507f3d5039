// Specification of binding through BX24 in a real browser page: the built
// package and a BX24 stand-in in headless Chromium, against a mock portal on
// another origin (so the calls are cross-origin, as in a placement).
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startMockPortal } from '../../pkg-template/mock-portal/index.mjs';
import { browserPage, outcomeInBrowser } from './support/browser.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PAGE_DIRECTORY = join(ROOT, 'tests', '.tmp', 'placement-page');

// Runs in the page: binds through BX24 once with valid fields and once with
// an unknown timeline record, and leaves what it saw in window.bindingOutcome.
const APP_SOURCE = `import { bindTimeline, B24Error } from 'b24-timeline';
import { createBX24 } from '/tests/js/support/bx24-stand-in.mjs';

const query = new URLSearchParams(location.search);
window.BX24 = createBX24({ portalUrl: query.get('portal'), accessToken: query.get('token') });

BX24.init(async () => {
  const fields = { OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' };
  try {
    const bound = await bindTimeline(fields, { bx24: BX24, timeoutMs: 5000 });
    const refused = await bindTimeline({ ...fields, OWNER_ID: 9999 }, { bx24: BX24, timeoutMs: 5000 }).catch((e) => e);
    window.bindingOutcome = {
      bound,
      refused: { isB24Error: refused instanceof B24Error, code: refused.code, status: refused.status, description: refused.description },
    };
  } catch (error) {
    window.bindingOutcome = { error: String(error && error.stack || error) };
  }
});
`;

let portal;

before(async () => {
  portal = await startMockPortal();
  await mkdir(PAGE_DIRECTORY, { recursive: true });
  await writeFile(join(PAGE_DIRECTORY, 'app.mjs'), APP_SOURCE);
  await writeFile(join(PAGE_DIRECTORY, 'index.html'), browserPage('./app.mjs', { imports: { 'b24-timeline': '/pkg/index.js' } }));
});

after(async () => {
  await portal.close();
  await rm(PAGE_DIRECTORY, { recursive: true, force: true });
});

describe('a placement page in Chromium', () => {
  it('binds through BX24 and reports the portal refusal as a B24Error', async (t) => {
    const query = new URLSearchParams({ portal: portal.portalUrl, token: portal.accessToken });
    const outcome = await outcomeInBrowser(t, ROOT, `tests/.tmp/placement-page/index.html?${query}`);

    assert.equal(outcome.error, undefined, outcome.error);
    assert.equal(outcome.bound.result, true);
    assert.equal(typeof outcome.bound.time.duration, 'number');
    assert.deepEqual(outcome.refused, {
      isB24Error: true,
      code: 'OWNER_ID_INVALID',
      status: 400,
      description: 'OWNER_ID is not defined or invalid.',
    });

    assert.deepEqual(portal.bindings, [{ OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' }]);
    const origins = portal.requests.map((request) => request.headers.origin);
    assert.equal(origins.length, 2);
    assert.ok(origins.every((origin) => origin && origin !== portal.url), 'cross-origin calls');
  });
});
