// The README's demo: binds a sample record through a mock portal and says so,
// then serves the demo page until it is stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const demo = fileURLToPath(new URL('../../scripts/demo.mjs', import.meta.url));

function envWithout(name) {
  const env = { ...process.env };
  delete env[name];
  return env;
}

/**
 * Starts the demo serving, waits for its page address, hands it and the output so far to `use`,
 * then sends SIGINT and answers `{ code, stdout, stderr }` once it has exited.
 */
async function whileServing(env, use) {
  const child = spawn(process.execPath, [demo], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  const exited = once(child, 'exit');

  try {
    const deadline = Date.now() + 20_000;
    while (!/^page: (\S+)$/m.test(stdout)) {
      assert.ok(Date.now() < deadline && child.exitCode === null, `no page address: ${stdout}${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await use(stdout.match(/^page: (\S+)$/m)[1], stdout);
  } finally {
    child.kill('SIGINT');
  }
  const [code] = await exited;
  return { code, stdout, stderr };
}

test('the demo binds the sample record on a mock portal and prints the result', () => {
  const run = spawnSync(process.execPath, [demo, '--once'], {
    env: envWithout('B24_WEBHOOK_URL'),
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /mock portal at http:\/\/127\.0\.0\.1:\d+/);
  assert.match(run.stdout, /binding timeline record 1110 to deal 10/);
  assert.match(run.stdout, /^result: true$/m);
  assert.doesNotMatch(run.stdout, /^page:/m, '--once serves no page');
  assert.doesNotMatch(run.stdout, /\/rest\/1\//, 'the webhook path, code and all, stays out of the output');
});

test('the demo reports a typed failure without the webhook code', () => {
  const secret = 'demosecretcode42';
  const env = { ...process.env, B24_WEBHOOK_URL: `http://127.0.0.1:9/rest/1/${secret}/` };
  const run = spawnSync(process.execPath, [demo, '--once'], { env, encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 1);
  assert.match(run.stdout, /failed: NETWORK_ERROR \(network\)/);
  assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret));
});

test('the demo then serves the page, prefilled with the mock portal, until Ctrl-C', async () => {
  const run = await whileServing(envWithout('B24_WEBHOOK_URL'), async (pageUrl, printed) => {
    assert.match(pageUrl, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(pageUrl);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script type="module" src="app\.mjs">/);

    const entry = await fetch(new URL('pkg/index.js', pageUrl));
    assert.equal(entry.status, 200);
    assert.match(entry.headers.get('content-type'), /^text\/javascript/);
    const wasm = await fetch(new URL('pkg/b24_timeline_bg.wasm', pageUrl));
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');

    const config = await (await fetch(new URL('demo-config.json', pageUrl))).json();
    const portalUrl = printed.match(/mock portal at (\S+)/)[1];
    assert.match(config.webhookUrl, /^http:\/\/127\.0\.0\.1:\d+\/rest\/1\/\w+\/$/);
    assert.equal(new URL(config.webhookUrl).origin, portalUrl);
    assert.notEqual(portalUrl, new URL(pageUrl).origin, 'the portal is another origin');
  });

  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^result: true$/m);
  assert.match(run.stdout, /^stopped \(SIGINT\)$/m);
  assert.doesNotMatch(run.stdout, /\/rest\/1\//, 'the webhook path stays out of the output');
});

test('with B24_WEBHOOK_URL the page is served without that webhook', async () => {
  const secret = 'demosecretcode43';
  const env = { ...process.env, B24_WEBHOOK_URL: `http://127.0.0.1:9/rest/1/${secret}/` };
  const run = await whileServing(env, async (pageUrl) => {
    const config = await fetch(new URL('demo-config.json', pageUrl));
    assert.equal(await config.text(), '{}');
  });

  assert.equal(run.code, 1, 'the failed sample binding still sets the exit code');
  assert.match(run.stdout, /paste your webhook URL into the page/);
  assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret));
});
