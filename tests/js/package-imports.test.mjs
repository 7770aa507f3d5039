// Specification of how apps load the package: by its name, through the
// `exports` map, from Node's import and require, a browser page and a bundle.
// Each consumer makes one real binding call through a fake fetch.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { BROWSER_BUNDLE, createConsumer, PACKAGE_DIRECTORY } from './support/consumer.mjs';
import { browserPage, outcomeInBrowser } from './support/browser.mjs';

const run = promisify(execFile);

/**
 * What every consumer must observe: the portal's answer as the result, one
 * request as Bitrix24 documents crm.timeline.bindings.bind, and a validation
 * failure that is both a B24Error and an Error.
 */
const EXPECTED_OUTCOME = {
  result: { result: true, time: { start: 1 } },
  requests: [
    {
      url: 'https://portal.example.com/rest/1/abc123/crm.timeline.bindings.bind',
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: '{"fields":{"OWNER_ID":1110,"ENTITY_ID":10,"ENTITY_TYPE":"deal"}}',
    },
  ],
  validation: {
    threw: true,
    isB24Error: true,
    isError: true,
    name: 'B24Error',
    code: 'OWNER_ID_INVALID',
  },
  // bindTimelineMany loads the bulk module: one batch request for two items.
  bulk: { urls: ['https://portal.example.com/rest/1/abc123/batch'], succeeded: 2, failed: 0 },
};

/**
 * The call each consumer makes. It is shipped to the consumers as source
 * text, so it may use nothing from this file's scope, only the package's
 * exports it is given and what Node and browsers both provide.
 */
async function runBindingScenario({ bindTimeline, createClient, validateBindFields, B24Error }) {
  // Rebuilding the request shows what a real fetch would send, whichever of
  // fetch's argument forms the package uses.
  const requests = [];
  const fakeFetch = async (input, init) => {
    const request = new Request(input, init);
    requests.push({
      url: request.url,
      method: request.method,
      headers: Object.fromEntries(request.headers),
      body: await request.text(),
    });
    return new Response(JSON.stringify({ result: true, time: { start: 1 } }), { status: 200 });
  };

  const result = await bindTimeline(
    { OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' },
    { webhookUrl: 'https://portal.example.com/rest/1/abc123/', fetch: fakeFetch },
  );

  let validation = { threw: false };
  try {
    validateBindFields({ OWNER_ID: 0, ENTITY_ID: 10, ENTITY_TYPE: 'deal' });
  } catch (error) {
    validation = {
      threw: true,
      isB24Error: error instanceof B24Error,
      isError: error instanceof Error,
      name: error.name,
      code: error.code,
    };
  }

  const batchUrls = [];
  const batchFetch = async (input, init) => {
    batchUrls.push(new Request(input, init).url);
    const answer = { result: { result: { b0: true, b1: true }, result_error: [] } };
    return new Response(JSON.stringify(answer), { status: 200 });
  };
  const client = createClient({ webhookUrl: 'https://portal.example.com/rest/1/abc123/', fetch: batchFetch });
  const { succeeded, failed } = await client.bindTimelineMany([
    { OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' },
    { OWNER_ID: 1110, ENTITY_ID: 11, ENTITY_TYPE: 'deal' },
  ]);

  return { result, requests, validation, bulk: { urls: batchUrls, succeeded, failed } };
}

/** A Node consumer prints `{ entry, outcome }`: the file its import resolved to and what it saw. */
const NODE_ESM_SOURCE = `import * as b24 from 'b24-timeline';

${runBindingScenario}

const entry = import.meta.resolve('b24-timeline').split('/').pop();
const outcome = await runBindingScenario(b24);
process.stdout.write(JSON.stringify({ entry, outcome }));
`;

const NODE_CJS_SOURCE = `'use strict';
const { basename } = require('node:path');
const b24 = require('b24-timeline');

${runBindingScenario}

const entry = basename(require.resolve('b24-timeline'));
runBindingScenario(b24).then((outcome) => {
  process.stdout.write(JSON.stringify({ entry, outcome }));
});
`;

/** A browser consumer leaves `{ outcome }` or `{ error }` in window.bindingOutcome. */
const BROWSER_APP_SOURCE = `import * as b24 from 'b24-timeline';

${runBindingScenario}

runBindingScenario(b24).then(
  (outcome) => (window.bindingOutcome = { outcome }),
  (error) => (window.bindingOutcome = { error: String((error && error.stack) || error) }),
);
`;

// The glue fetches each wasm relative to import.meta.url, which in a bundle
// is the bundle's own address: an app serves the files beside it.
async function copyWasmBeside(directory) {
  for (const name of ['b24_timeline_bg.wasm', 'b24_bulk_bg.wasm']) {
    await copyFile(join(PACKAGE_DIRECTORY, name), join(directory, name));
  }
}

async function consumerForTest(t, name, files) {
  const consumer = await createConsumer(name, files);
  t.after(() => consumer.remove());
  return consumer.directory;
}

async function runNode(directory, script) {
  const { stdout } = await run(process.execPath, [script], { cwd: directory, timeout: 30_000 });
  return JSON.parse(stdout);
}

describe('the package loaded by its name', () => {
  it('binds through a custom fetch when imported from a Node ES module', async (t) => {
    const directory = await consumerForTest(t, 'node-esm', { 'app.mjs': NODE_ESM_SOURCE });

    const { entry, outcome } = await runNode(directory, 'app.mjs');

    assert.equal(entry, 'node.mjs');
    assert.deepEqual(outcome, EXPECTED_OUTCOME);
  });

  it('binds through a custom fetch when required from a Node CommonJS script', async (t) => {
    const directory = await consumerForTest(t, 'node-cjs', { 'app.cjs': NODE_CJS_SOURCE });

    const { entry, outcome } = await runNode(directory, 'app.cjs');

    assert.equal(entry, 'node.cjs');
    assert.deepEqual(outcome, EXPECTED_OUTCOME);
  });

  it('shares one module and one B24Error class between import and require in one process', async (t) => {
    const source = `import { createRequire } from 'node:module';
import * as imported from 'b24-timeline';
const required = createRequire(import.meta.url)('b24-timeline');
let crossed = false;
try {
  required.validateBindFields({});
} catch (error) {
  crossed = error instanceof imported.B24Error;
}
process.stdout.write(JSON.stringify({ sameClass: imported.B24Error === required.B24Error, crossed }));
`;
    const directory = await consumerForTest(t, 'node-both', { 'app.mjs': source });

    assert.deepEqual(await runNode(directory, 'app.mjs'), { sameClass: true, crossed: true });
  });

  it('binds through a custom fetch in a browser page that imports the browser entry', async (t) => {
    // Browsers know no `exports` map: the import map points the name at the
    // entry the map gives everything that is not Node.
    const manifest = JSON.parse(await readFile(join(PACKAGE_DIRECTORY, 'package.json'), 'utf8'));
    const browserEntry = manifest.exports['.'].default;
    assert.equal(browserEntry, './index.js');

    const importMap = { imports: { 'b24-timeline': `./node_modules/b24-timeline/${browserEntry.slice(2)}` } };
    const directory = await consumerForTest(t, 'browser', {
      'app.mjs': BROWSER_APP_SOURCE,
      'index.html': browserPage('./app.mjs', importMap),
    });

    assert.deepEqual(await outcomeInBrowser(t, directory, 'index.html'), { outcome: EXPECTED_OUTCOME });
  });

  it('binds through a custom fetch from a minified esbuild bundle in a browser', async (t) => {
    const directory = await consumerForTest(t, 'bundle', {
      'app.mjs': BROWSER_APP_SOURCE,
      'dist/index.html': browserPage('./app.js'),
    });

    const { metafile } = await build({ ...BROWSER_BUNDLE, absWorkingDir: directory, metafile: true });
    const bundled = Object.keys(metafile.inputs).map((input) => basename(input));
    assert.ok(bundled.includes('index.js'), `the bundle holds the browser entry: ${bundled.join(', ')}`);
    assert.ok(!bundled.includes('node.mjs'), 'the bundle holds no Node entry');

    await copyWasmBeside(join(directory, 'dist'));

    assert.deepEqual(await outcomeInBrowser(t, directory, 'dist/index.html'), { outcome: EXPECTED_OUTCOME });
  });

  it('loads the bulk module as its own chunk from a bundle that splits dynamic imports', async (t) => {
    const directory = await consumerForTest(t, 'split-bundle', {
      'app.mjs': BROWSER_APP_SOURCE,
      'dist/index.html': browserPage('./app.js'),
    });

    const { metafile } = await build({
      ...BROWSER_BUNDLE,
      outfile: undefined,
      outdir: 'dist',
      splitting: true,
      absWorkingDir: directory,
      metafile: true,
    });
    const chunks = Object.entries(metafile.outputs).filter(([output]) => output.endsWith('.js'));
    const entry = chunks.find(([, output]) => output.entryPoint === 'app.mjs');
    const lazy = chunks.filter((chunk) => chunk !== entry);
    assert.ok(lazy.some(([, output]) => Object.keys(output.inputs).some((input) => input.endsWith('b24_bulk.js'))));
    assert.ok(!Object.keys(entry[1].inputs).some((input) => input.includes('bulk')), 'the entry chunk holds no bulk code');
    await copyWasmBeside(join(directory, 'dist'));

    assert.deepEqual(await outcomeInBrowser(t, directory, 'dist/index.html'), { outcome: EXPECTED_OUTCOME });
  });
});

describe('the TypeScript declarations', () => {
  /** Names in the `export { ... } from` (or `export type { ... } from`) lists of a declaration file. */
  function exportedNames(text, keyword) {
    const pattern = new RegExp(`export ${keyword}\\{([^}]*)\\}\\s*from`, 'g');
    return [...text.matchAll(pattern)].flatMap((match) =>
      match[1]
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    );
  }

  /** Whether the glue's declarations declare `name` as one of `kinds`. */
  function declares(text, name, kinds) {
    return new RegExp(`^export (?:declare )?(?:${kinds.join('|')}) ${name}\\b`, 'm').test(text);
  }

  async function declarations() {
    const [index, glue] = await Promise.all([
      readFile(join(PACKAGE_DIRECTORY, 'index.d.ts'), 'utf8'),
      readFile(join(PACKAGE_DIRECTORY, 'b24_timeline.d.ts'), 'utf8'),
    ]);
    return { index, glue, values: exportedNames(index, ''), types: exportedNames(index, 'type ') };
  }

  it('index.d.ts exports the five runtime names, each declared by the glue', async () => {
    const { glue, values } = await declarations();

    for (const name of ['bindTimeline', 'createClient', 'validateBindFields', 'TimelineClient', 'B24Error']) {
      assert.ok(values.includes(name), `index.d.ts exports ${name}`);
      assert.ok(declares(glue, name, ['function', 'class']), `b24_timeline.d.ts declares ${name}`);
    }
  });

  it('index.d.ts exports the documented types, each declared by the glue', async () => {
    const { glue, values, types } = await declarations();
    const documented = [
      'BindFields',
      'ValidFields',
      'EntityType',
      'BindResult',
      'ResponseTime',
      'Connection',
      'CallOptions',
      'B24Error',
      'ErrorKind',
      'FieldIssue',
      'B24Like',
      'BX24Like',
      'BindManyOptions',
      'BindManyResult',
    ];

    // A class exported as a value is a type as well, as B24Error is.
    for (const name of documented) {
      assert.ok(types.includes(name) || values.includes(name), `index.d.ts exports the type ${name}`);
      assert.ok(declares(glue, name, ['interface', 'type', 'class']), `b24_timeline.d.ts declares ${name}`);
    }
  });

  it('declares the signatures of the public API', async () => {
    const { glue } = await declarations();
    const signatures = [
      'export function bindTimeline(fields: BindFields, options: Connection & ClientOptions & CallOptions): Promise<BindResult>;',
      'export function createClient(options: Connection & ClientOptions & CallOptions): TimelineClient;',
      'export function validateBindFields(input: unknown): ValidFields;',
      'bindTimeline(fields: BindFields, options?: CallOptions): Promise<BindResult>;',
      'bindTimelineMany(items: BindFields[], options?: BindManyOptions): Promise<BindManyResult>;',
      'export type EntityType = "lead" | "deal" | "contact" | "company" | "order";',
    ];
    for (const signature of signatures) {
      assert.ok(glue.includes(signature), `b24_timeline.d.ts has ${signature}`);
    }
  });
});
