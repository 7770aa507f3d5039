// Payload: the gzipped bytes a browser app ships for one bind call, per library.
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { measurePayload } from '../scripts/size.mjs';
import { BROWSER_BUNDLE, createConsumer } from '../tests/js/support/consumer.mjs';
import { appFiles } from './apps.mjs';

const WEBHOOK_URL = JSON.stringify('https://portal.example.com/rest/1/abc123/');
const PRELUDE = 'const done = console.log;\nconst fail = console.error;';

/**
 * Answers, per library, `{ gzip, platform }` (bytes after gzip -9 and the
 * esbuild platform that built it) plus `{ js, wasm, lazy }` for b24-timeline, or
 * `{ error }` with a short reason when no bundle could be made.
 */
export async function measurePayloads(libraries) {
  const payloads = {};
  for (const library of libraries) {
    payloads[library] = await measureOne(library).catch((error) => ({ error: shortReason(error) }));
  }
  return payloads;
}

async function measureOne(library) {
  // Ours goes through the package's own size script, which also counts the .wasm.
  if (library === 'b24-timeline') {
    const { js, wasm, total, lazy } = await measurePayload();
    return { gzip: total.gzip, js: js.gzip, wasm: wasm.gzip, lazy: lazy.gzip, platform: 'browser' };
  }

  const files = await appFiles(library, WEBHOOK_URL, PRELUDE);
  const consumer = await createConsumer(`bench-payload-${library}`, files);
  try {
    // A library that needs Node's built-ins does not bundle for a browser; its
    // Node bundle is still the code such an app would carry, so it is measured
    // that way and the table says so.
    for (const platform of ['browser', 'node']) {
      const bytes = await bundle(consumer.directory, platform);
      if (bytes !== undefined) return { gzip: gzipSync(bytes, { level: 9 }).length, platform };
    }
    throw new Error('does not bundle');
  } finally {
    await consumer.remove();
  }
}

/** The minified bundle of the consumer's app for `platform`; undefined when esbuild refuses. */
async function bundle(directory, platform) {
  try {
    const options = { ...BROWSER_BUNDLE, platform, absWorkingDir: directory, write: false };
    const { outputFiles } = await build(options);
    return outputFiles.find((file) => file.path.endsWith('.js')).contents;
  } catch {
    return undefined;
  }
}

function shortReason(error) {
  return error instanceof Error ? error.message.split('\n')[0].slice(0, 80) : 'failed';
}
