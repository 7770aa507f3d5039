// The README's demo: binds a sample record through a mock portal and says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const demo = fileURLToPath(new URL('../../scripts/demo.mjs', import.meta.url));

test('the demo binds the sample record on a mock portal and prints the result', () => {
  const env = { ...process.env };
  delete env.B24_WEBHOOK_URL;
  const run = spawnSync(process.execPath, [demo], { env, encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /mock portal at http:\/\/127\.0\.0\.1:\d+/);
  assert.match(run.stdout, /binding timeline record 1110 to deal 10/);
  assert.match(run.stdout, /^result: true$/m);
  assert.doesNotMatch(run.stdout, /\/rest\/1\//, 'the webhook path, code and all, stays out of the output');
});

test('the demo reports a typed failure without the webhook code', () => {
  const secret = 'demosecretcode42';
  const env = { ...process.env, B24_WEBHOOK_URL: `http://127.0.0.1:9/rest/1/${secret}/` };
  const run = spawnSync(process.execPath, [demo], { env, encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 1);
  assert.match(run.stdout, /failed: NETWORK_ERROR \(network\)/);
  assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret));
});
