// Specification of the payload budget: what a browser app ships for one
// bindTimeline call, and the size script that measures and enforces it.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { measurePayload } from '../../scripts/size.mjs';

const run = promisify(execFile);
const SIZE_SCRIPT = fileURLToPath(new URL('../../scripts/size.mjs', import.meta.url));

// Gzipped JS bundle plus gzipped wasm, in bytes.
const BUDGET = 30_000;

it('ships at most 30,000 gzipped bytes, JS and wasm together, for one binding call', async () => {
  const { js, wasm, total } = await measurePayload();

  assert.equal(total.gzip, js.gzip + wasm.gzip);
  assert.ok(
    total.gzip <= BUDGET,
    `gzipped total ${total.gzip} bytes (JS ${js.gzip}, wasm ${wasm.gzip}) is over the ${BUDGET}-byte budget`,
  );
});

it('size.mjs --json prints the numbers measurePayload() answers', async () => {
  const { stdout } = await run(process.execPath, [SIZE_SCRIPT, '--json']);

  assert.deepEqual(JSON.parse(stdout), await measurePayload());
});

it('size.mjs --max-gzip-kb fails the run only when the gzipped total is over N*1000 bytes', async () => {
  const { total } = await measurePayload();
  const roomy = Math.ceil(total.gzip / 1000);
  const tight = roomy - 1;

  await run(process.execPath, [SIZE_SCRIPT, '--max-gzip-kb', String(roomy)]);
  await assert.rejects(run(process.execPath, [SIZE_SCRIPT, '--max-gzip-kb', String(tight)]), { code: 1 });
});
