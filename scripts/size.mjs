// Measures what a browser app loads for one bindTimeline call: the minified
// esbuild bundle of a minimal app and the wasm it fetches, raw and gzipped.
// The bundle splits dynamic imports, as Vite, Rollup and webpack do by
// default: the bulk module, which only `bindTimelineMany` imports, lands in
// its own chunk and is reported apart, as `lazy`.
//
//   node scripts/size.mjs                   prints a table
//   node scripts/size.mjs --json            prints the same numbers as JSON
//   node scripts/size.mjs --max-gzip-kb 30  fails when the gzipped total exceeds 30,000 bytes
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { BROWSER_BUNDLE, createConsumer } from '../tests/js/support/consumer.mjs';

// The smallest real use: import by the package's name and make one call, so
// the bundle keeps exactly what such an app keeps.
const APP_SOURCE = `import { bindTimeline } from 'b24-timeline';

bindTimeline(
  { OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' },
  { webhookUrl: 'https://portal.example.com/rest/1/abc123/' },
).then(console.log, console.error);
`;

function sizes(bytes) {
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

/**
 * Bundles the minimal app as a browser app would be bundled and answers
 * `{ js, wasm, total, lazy }`, each `{ raw, gzip }` in bytes (gzip at level 9,
 * each file compressed on its own, as they are served). `js` is the entry
 * chunk with the chunks it imports statically, `wasm` the entry module's
 * wasm; `lazy` is what `bindTimelineMany` loads on first use: the chunks only
 * imported dynamically and the bulk module's wasm.
 * Fails when pkg/ has not been built or the bundle does not build.
 */
export async function measurePayload() {
  const consumer = await createConsumer('size', { 'app.mjs': APP_SOURCE });
  try {
    const { outputFiles, metafile } = await build({
      ...BROWSER_BUNDLE,
      outfile: undefined,
      outdir: 'dist',
      splitting: true,
      metafile: true,
      absWorkingDir: consumer.directory,
      write: false,
    });
    const chunks = new Map(outputFiles.map((file) => [relative(consumer.directory, file.path), file.contents]));
    // A dynamically imported module is an entry point of its own chunk too.
    const entry = Object.keys(metafile.outputs).find((output) => metafile.outputs[output].entryPoint === 'app.mjs');
    const loaded = staticallyLoaded(metafile, entry);
    const jsFiles = (names) => [...chunks].filter(([name]) => name.endsWith('.js') && names(name));

    // esbuild leaves the glue's `new URL('…_bg.wasm', import.meta.url)`
    // alone, so the app serves the package's wasm files as they are.
    const packageFile = (name) => readFile(join(consumer.directory, 'node_modules', 'b24-timeline', name));
    const js = sum(jsFiles((name) => loaded.has(name)).map(([, bytes]) => sizes(bytes)));
    const wasm = sizes(await packageFile('b24_timeline_bg.wasm'));
    const lazy = sum([
      ...jsFiles((name) => !loaded.has(name)).map(([, bytes]) => sizes(bytes)),
      sizes(await packageFile('b24_bulk_bg.wasm')),
    ]);
    return { js, wasm, total: sum([js, wasm]), lazy };
  } finally {
    await consumer.remove();
  }
}

/** The output `entry` and every chunk it imports statically, transitively. */
function staticallyLoaded(metafile, entry) {
  const loaded = new Set();
  const visit = (output) => {
    if (loaded.has(output)) return;
    loaded.add(output);
    for (const { path, kind } of metafile.outputs[output].imports) {
      if (kind === 'import-statement' && metafile.outputs[path]) visit(path);
    }
  };
  visit(entry);
  return loaded;
}

function sum(parts) {
  return parts.reduce((total, part) => ({ raw: total.raw + part.raw, gzip: total.gzip + part.gzip }), { raw: 0, gzip: 0 });
}

function table(payload) {
  const rows = [
    ['', 'raw', 'gzip -9'],
    ...['js', 'wasm', 'total', 'lazy'].map((part) => [part, String(payload[part].raw), String(payload[part].gzip)]),
  ];
  return rows.map(([name, raw, gzip]) => name.padEnd(6) + raw.padStart(9) + gzip.padStart(10)).join('\n');
}

/** Reads the command line; answers `{ json, maxGzipBytes }` or throws a usage message. */
function parseArguments(args) {
  const options = { json: false, maxGzipBytes: undefined };
  for (let index = 0; index < args.length; index += 1) {
    if (args[index] === '--json') {
      options.json = true;
    } else if (args[index] === '--max-gzip-kb') {
      const kilobytes = Number(args[++index]);
      if (!(kilobytes > 0)) throw new Error('--max-gzip-kb needs a positive number of kilobytes');
      options.maxGzipBytes = kilobytes * 1000;
    } else {
      throw new Error(`unknown argument ${args[index]}; use --json and --max-gzip-kb N`);
    }
  }
  return options;
}

async function main() {
  let options;
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (error) {
    console.error(`size: ${error.message}`);
    process.exitCode = 2;
    return;
  }

  const payload = await measurePayload();
  console.log(options.json ? JSON.stringify(payload, null, 2) : table(payload));

  if (options.maxGzipBytes !== undefined && payload.total.gzip > options.maxGzipBytes) {
    console.error(`size: the gzipped total of ${payload.total.gzip} bytes is over the budget of ${options.maxGzipBytes}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
