// Specification of the payload budget: what a browser app loads for one
// bindTimeline call, and the size script that measures and enforces it.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { measurePayload } from '../../scripts/size.mjs';
import { PACKAGE_DIRECTORY } from './support/consumer.mjs';

const run = promisify(execFile);
const SIZE_SCRIPT = fileURLToPath(new URL('../../scripts/size.mjs', import.meta.url));

// Gzipped JS bundle plus gzipped wasm, in bytes.
const BUDGET = 25_000;

it('loads at most 25,000 gzipped bytes, JS and wasm together, for one binding call', async () => {
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

it('leaves the bulk module out of the first load: its chunk and wasm load with bindTimelineMany', async () => {
  const { lazy, wasm } = await measurePayload();
  const bulkWasm = await readFile(join(PACKAGE_DIRECTORY, 'b24_bulk_bg.wasm'));

  assert.ok(lazy.raw > bulkWasm.length, 'the lazy part holds a JS chunk besides the bulk wasm');
  assert.notEqual(wasm.raw, bulkWasm.length);
});

it('ships import names without the hashes wasm-bindgen gives them, alike in the wasm and the glue', async () => {
  for (const name of ['b24_timeline', 'b24_bulk']) {
    const module = await WebAssembly.compile(await readFile(join(PACKAGE_DIRECTORY, `${name}_bg.wasm`)));
    const glue = await readFile(join(PACKAGE_DIRECTORY, `${name}.js`), 'utf8');
    const imports = WebAssembly.Module.imports(module).map((entry) => entry.name);

    assert.ok(imports.length > 10, `${name} imports its bindings`);
    for (const imported of imports) {
      assert.doesNotMatch(imported, /_[0-9a-f]{16}$/, `${name}: ${imported}`);
      assert.ok(glue.includes(`${imported}:`), `${name}'s glue provides ${imported}`);
    }
  }
});
