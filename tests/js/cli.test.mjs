// Specification of the b24-timeline command: the installed package's bin, run as a subprocess
// against the mock portal, as a script or an operator would run it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startMockPortal } from '../../pkg-template/mock-portal/index.mjs';
import { createConsumer, PACKAGE_DIRECTORY } from './support/consumer.mjs';
import { waitUntil } from './support/waiting.mjs';

const WEBHOOK_CODE = 'cliwebhooksecret42';
const ACCESS_TOKEN = 'c1f0e2d3c4b5a6978877665544332211';
const TYPES = ['lead', 'deal', 'contact', 'company', 'order'];
const FAILURES_HEADER = 'OWNER_ID,ENTITY_ID,ENTITY_TYPE,code,description';

let consumer;
let command;
let portal;

before(async () => {
  consumer = await createConsumer('cli');
  // npm links each bin of an installed package into node_modules/.bin; do the same here.
  const installed = join(consumer.directory, 'node_modules', 'b24-timeline');
  const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8'));
  command = join(consumer.directory, 'node_modules', '.bin', 'b24-timeline');
  await mkdir(dirname(command));
  await symlink(join('..', 'b24-timeline', manifest.bin['b24-timeline']), command);
  portal = await startMockPortal({ webhookCode: WEBHOOK_CODE, accessToken: ACCESS_TOKEN });
});

after(async () => {
  await portal?.close();
  await consumer?.remove();
});

beforeEach(() => portal.reset());

/**
 * Starts the command with `args` in the consumer project, with only PATH and `env` in its
 * environment and `input` on its standard input. `result` resolves with `{ code, stdout,
 * stderr }` once it exits, after checking that neither output holds the webhook code or the
 * access token.
 */
function start(args, { env = {}, input = '', command: file = command } = {}) {
  const child = spawn(file, args, {
    cwd: consumer.directory,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end(input);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text) => (stderr += text));
  const result = once(child, 'close').then(([code]) => {
    assertNoSecrets(stdout, stderr);
    return { code, stdout, stderr };
  });
  return { child, result, errors: () => stderr };
}

const run = (args, options) => start(args, options).result;

function assertNoSecrets(...texts) {
  for (const text of texts) {
    assert.ok(!text.includes(WEBHOOK_CODE), `the webhook code was printed:\n${text}`);
    assert.ok(!text.includes(ACCESS_TOKEN), `the access token was printed:\n${text}`);
  }
}

const webhookFlag = () => ['--webhook', portal.webhookUrl];

/** Writes `text` to `name` in the consumer project and answers its path. */
async function fileOf(name, text) {
  const path = join(consumer.directory, name);
  await writeFile(path, text);
  return path;
}

/** Reads a failures file into its header and `{ OWNER_ID, ENTITY_ID, ENTITY_TYPE, code }` rows. */
async function failuresIn(path) {
  const text = await readFile(path, 'utf8');
  assertNoSecrets(text);
  const [header, ...lines] = text.trimEnd().split('\n');
  const rows = lines.map((line) => {
    const [OWNER_ID, ENTITY_ID, ENTITY_TYPE, code] = line.split(',');
    return { OWNER_ID, ENTITY_ID, ENTITY_TYPE, code };
  });
  return { header, rows };
}

/**
 * A CSV of `count` rows under the header OWNER_ID,ENTITY_ID,ENTITY_TYPE, all bindable except
 * those `spoil(index, row)` changes; answers `{ text, bad }`, `bad` the line numbers of the rows
 * it changed with the code each must fail with.
 */
function csvOf(count, spoil = () => undefined) {
  const lines = ['OWNER_ID,ENTITY_ID,ENTITY_TYPE'];
  const bad = new Map();
  for (let index = 0; index < count; index += 1) {
    const row = [1110 + (index % 6), 1 + (index % 20), TYPES[index % TYPES.length]];
    const code = spoil(index, row);
    if (code !== undefined) bad.set(lines.length + 1, code);
    lines.push(row.join(','));
  }
  return { text: lines.join('\n') + '\n', bad };
}

describe('b24-timeline bind', () => {
  it('binds one record given by --owner and --entity TYPE:ID, and exits 0', async () => {
    const { code, stdout, stderr } = await run([
      'bind',
      '--owner',
      '1110',
      '--entity',
      'DEAL:10',
      ...webhookFlag(),
    ]);

    assert.equal(code, 0, stderr);
    assert.equal(stdout, 'Bound timeline record 1110 to deal 10.\n');
    assert.equal(stderr, '');
    assert.deepEqual(portal.bindings, [{ OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' }]);
  });

  it('prints one JSON line with --json', async () => {
    const { code, stdout } = await run([
      'bind',
      '--owner',
      '1110',
      '--entity',
      'deal:10',
      '--json',
      ...webhookFlag(),
    ]);

    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(stdout), { ok: true, result: true });
  });

  it('takes the webhook from B24_WEBHOOK_URL', async () => {
    const { code } = await run(['bind', '--owner', '1111', '--entity', 'lead:2'], {
      env: { B24_WEBHOOK_URL: portal.webhookUrl },
    });

    assert.equal(code, 0);
    assert.equal(portal.requests[0].auth, 'webhook');
  });

  it('binds through --portal with the access token from B24_ACCESS_TOKEN', async () => {
    const { code, stderr } = await run(
      ['bind', '--owner', '1111', '--entity', 'lead:2', '--portal', portal.portalUrl],
      {
        env: { B24_ACCESS_TOKEN: ACCESS_TOKEN },
      },
    );

    assert.equal(code, 0, stderr);
    assert.equal(portal.requests[0].auth, 'oauth');
    assert.equal(portal.bindings.length, 1);
  });

  it('exits 1 with the code and description when the portal refuses the binding', async () => {
    const { code, stdout, stderr } = await run([
      'bind',
      '--owner',
      '1110',
      '--entity',
      'deal:13',
      ...webhookFlag(),
    ]);

    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /timeline record 1110 to deal 13: ACCESS_DENIED: Access denied/);
  });

  it('prints the failure as a JSON line with --json', async () => {
    const { code, stdout } = await run([
      'bind',
      '--owner',
      '1110',
      '--entity',
      'deal:13',
      '--json',
      ...webhookFlag(),
    ]);

    assert.equal(code, 1);
    assert.deepEqual(JSON.parse(stdout), {
      ok: false,
      code: 'ACCESS_DENIED',
      kind: 'permission',
      description: 'Access denied.',
    });
  });
  it('exits 1 with NOT_BOUND when the portal answers false', async () => {
    portal.queueFault({ body: { result: false, time: { start: 1 } } });

    const { code, stderr } = await run([
      'bind',
      '--owner',
      '1110',
      '--entity',
      'deal:10',
      ...webhookFlag(),
    ]);

    assert.equal(code, 1);
    assert.match(
      stderr,
      /could not bind timeline record 1110 to deal 10: NOT_BOUND: The portal answered false/,
    );
  });
});

describe('usage and connection errors', () => {
  // Each exits 2 naming what is wrong, before anything reaches the portal. WEBHOOK and PORTAL
  // stand for the connection flags; TOKEN and PLAIN_HTTP_WEBHOOK for flags with secrets in them.
  const cases = [
    [[], /Usage: b24-timeline COMMAND/],
    [['unbind'], /unknown command 'unbind'/],
    [['bind', '--entity', 'deal:10', 'WEBHOOK'], /missing --owner ID/],
    [['bind', '--owner', '1110', 'WEBHOOK'], /missing --entity TYPE:ID/],
    [
      ['bind', '--owner', '--entity', 'deal:10', 'WEBHOOK'],
      /Option '--owner' argument is ambiguous/,
    ],
    [
      ['bind', '--owner', 'abc', '--entity', 'deal:10', 'WEBHOOK'],
      /--owner: OWNER_ID is not defined or invalid/,
    ],
    [
      ['bind', '--owner', '1110', '--entity', 'deal', 'WEBHOOK'],
      /--entity must be TYPE:ID, e\.g\. deal:10/,
    ],
    [
      ['bind', '--owner', '1110', '--entity', 'planet:10', 'WEBHOOK'],
      /--entity: ENTITY_TYPE is not defined or invalid/,
    ],
    [
      ['bind', '--owner', '1110', '--entity', 'deal:0', 'WEBHOOK'],
      /--entity: ENTITY_ID is not defined or invalid/,
    ],
    [
      ['bind', '--owner', '1110', '--entity', 'deal:10', '--colour', 'WEBHOOK'],
      /Unknown option '--colour'/,
    ],
    [
      ['bind', '--owner', '1110', '--entity', 'deal:10', 'extra', 'WEBHOOK'],
      /unexpected argument 'extra'/,
    ],
    [
      ['bind', '--owner', '1110', '--entity', 'deal:10', '--plan', 'free', 'WEBHOOK'],
      /--plan must be standard or enterprise/,
    ],
    [
      ['bind', '--owner', '1110', '--entity', 'deal:10', '--max-attempts', '0', 'WEBHOOK'],
      /--max-attempts must be a whole number from 1 to 100/,
    ],
    [
      ['bind', '--owner', '1110', '--entity', 'deal:10', '--timeout', 'soon', 'WEBHOOK'],
      /--timeout must be a positive number of seconds/,
    ],
    [
      ['bind', '--owner', '1110', '--entity', 'deal:10', '--token', 'TOKEN', 'PORTAL'],
      /--token is not accepted: put the access token in B24_ACCESS_TOKEN/,
    ],
    [['bind', '--owner', '1110', '--entity', 'deal:10'], /no portal given/],
    [
      ['bind', '--owner', '1110', '--entity', 'deal:10', 'PORTAL'],
      /--portal needs the access token in B24_ACCESS_TOKEN/,
    ],
    [
      ['bind', '--owner', '1110', '--entity', 'deal:10', 'WEBHOOK', 'PORTAL'],
      /--webhook and --portal both given/,
    ],
    [
      ['bind', '--owner', '1110', '--entity', 'deal:10', 'PLAIN_HTTP_WEBHOOK'],
      /--webhook: http:\/\/ is only for loopback hosts/,
    ],
    [['bind-many', 'WEBHOOK'], /missing the FILE argument/],
    [['bind-many', 'absent.csv', 'WEBHOOK'], /absent\.csv: no such file/],
  ];
  for (const [args, message] of cases) {
    it(`exits 2 for ${args.join(' ') || 'no command'}: ${message.source}`, async () => {
      const words = args.flatMap((word) => {
        if (word === 'WEBHOOK') return webhookFlag();
        if (word === 'PORTAL') return ['--portal', portal.portalUrl];
        if (word === 'TOKEN') return [ACCESS_TOKEN];
        if (word === 'PLAIN_HTTP_WEBHOOK')
          return ['--webhook', `http://portal.example.com/rest/1/${WEBHOOK_CODE}/`];
        return [word];
      });

      const { code, stdout, stderr } = await run(words);

      assert.equal(code, 2);
      assert.equal(stdout, '');
      assert.match(stderr, message);
      assert.equal(portal.requests.length, 0, 'nothing may be sent');
    });
  }

  it('exits 2 naming the column a CSV header lacks', async () => {
    const file = await fileOf('no-type.csv', 'OWNER_ID,ENTITY_ID,TYPE\n1110,10,deal\n');

    const { code, stderr } = await run(['bind-many', file, ...webhookFlag()]);

    assert.equal(code, 2);
    assert.match(stderr, /no-type\.csv line 1: the header has no ENTITY_TYPE column/);
    assert.equal(portal.requests.length, 0);
  });

  it('exits 2 for a CSV with a quote never closed, naming the line', async () => {
    const file = await fileOf(
      'open-quote.csv',
      'OWNER_ID,ENTITY_ID,ENTITY_TYPE\n1110,10,deal\n"1111,2,lead\n',
    );

    const { code, stderr } = await run(['bind-many', file, ...webhookFlag()]);

    assert.equal(code, 2);
    assert.match(stderr, /open-quote\.csv: not valid CSV \(.*line 3/);
  });

  it('exits 2 for malformed JSON and for JSON that is not an array', async () => {
    const broken = await run(['bind-many', '-', ...webhookFlag()], {
      input: '[{"OWNER_ID": 1110,',
    });
    const object = await run(['bind-many', '-', ...webhookFlag()], { input: '{"OWNER_ID": 1110}' });

    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /standard input: not valid JSON/);
    assert.equal(object.code, 2);
    assert.match(object.stderr, /standard input: expected a JSON array of objects/);
  });

  it('exits 2 before sending when the failures file cannot be written', async () => {
    const file = await fileOf('one.csv', 'OWNER_ID,ENTITY_ID,ENTITY_TYPE\n1110,10,deal\n');

    const { code, stderr } = await run([
      'bind-many',
      file,
      '--failures',
      join(consumer.directory, 'absent', 'f.csv'),
      ...webhookFlag(),
    ]);

    assert.equal(code, 2);
    assert.match(stderr, /--failures .*f\.csv: cannot write it \(ENOENT\)/);
    assert.equal(portal.requests.length, 0);
  });

  it('exits 2 with NETWORK_ERROR when the portal cannot be reached', async () => {
    const closedPort = await freePort();
    const webhookUrl = `http://127.0.0.1:${closedPort}/rest/1/${WEBHOOK_CODE}/`;
    const file = await fileOf('unreachable.csv', csvOf(120).text);
    const failures = join(consumer.directory, 'unreachable-failures.csv');

    const single = await run([
      'bind',
      '--owner',
      '1110',
      '--entity',
      'deal:10',
      '--webhook',
      webhookUrl,
      '--max-attempts',
      '1',
    ]);
    const many = await run([
      'bind-many',
      file,
      '--failures',
      failures,
      '--webhook',
      webhookUrl,
      '--max-attempts',
      '1',
    ]);

    assert.equal(single.code, 2);
    assert.match(single.stderr, /NETWORK_ERROR/);
    assert.equal(many.code, 2);
    assert.match(many.stderr, /no row reached the portal: NETWORK_ERROR/);
    const { rows } = await failuresIn(failures);
    assert.equal(rows.length, 120);
    assert.ok(rows.every((row) => row.code === 'NETWORK_ERROR'));
  });

  it('exits 2 when the portal refuses the webhook', async () => {
    const webhookUrl = `${portal.url}/rest/1/notthecode/`;

    const { code, stderr } = await run([
      'bind',
      '--owner',
      '1110',
      '--entity',
      'deal:10',
      '--webhook',
      webhookUrl,
    ]);

    assert.equal(code, 2);
    assert.match(stderr, /NO_AUTH_FOUND/);
  });
});

describe('b24-timeline bind-many', () => {
  it('binds a 1,000-row CSV, reports each bad row by line and column, and exits 1', async () => {
    const refusedLocally = [];
    const { text, bad } = csvOf(1000, (index, row) => {
      if (index % 97 === 5) return (refusedLocally.push(index), (row[0] = 0), 'OWNER_ID_INVALID');
      if (index % 89 === 7) return ((row[0] = 9999), 'OWNER_ID_INVALID');
      if (index % 83 === 9)
        return (refusedLocally.push(index), (row[2] = 'planet'), 'ENTITY_TYPE_INVALID');
      if (index % 101 === 11) return ((row[1] = 13), (row[2] = 'deal'), 'ACCESS_DENIED');
      if (index === 500)
        return (refusedLocally.push(index), (row.length = 2), 'ENTITY_TYPE_INVALID');
      return undefined;
    });
    const file = await fileOf('thousand.csv', text);
    const failures = join(consumer.directory, 'thousand-failures.csv');

    const plain = await run(['bind-many', file, '--failures', failures, ...webhookFlag()]);

    assert.equal(plain.code, 1, plain.stderr);
    assert.equal(plain.stderr, '', 'nothing but the summary when not on a terminal');
    const lines = plain.stdout.trimEnd().split('\n');
    assert.equal(lines[0], `Bound ${1000 - bad.size} of 1000 rows; ${bad.size} failed.`);
    assert.match(
      plain.stdout,
      /line 7, column OWNER_ID: OWNER_ID_INVALID: OWNER_ID is not defined or invalid\./,
    );
    assert.match(plain.stdout, new RegExp(`\\.\\.\\. and ${bad.size - 10} more`));
    assert.equal(lines.at(-1), `Failed rows written to ${failures}.`);

    const written = await failuresIn(failures);
    assert.equal(written.header, FAILURES_HEADER);
    assert.deepEqual(
      written.rows.map((row) => row.code),
      [...bad.values()],
    );
    assert.equal(
      portal.stats.batchCommands,
      1000 - refusedLocally.length,
      'rows refused locally are never sent',
    );
  });

  it('prints one --json line per row, numbered by file line, and the summary on stderr', async () => {
    const { text, bad } = csvOf(120, (index, row) =>
      index === 3 ? ((row[0] = 'x'), 'OWNER_ID_INVALID') : undefined,
    );
    const file = await fileOf('json-lines.csv', text);

    const { code, stdout, stderr } = await run(['bind-many', file, '--json', ...webhookFlag()]);

    assert.equal(code, 1);
    const entries = stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.equal(entries.length, 120);
    assert.deepEqual(
      entries.map((entry) => entry.row),
      Array.from({ length: 120 }, (_, index) => index + 2),
    );
    assert.deepEqual(entries[3], {
      row: 5,
      ok: false,
      code: 'OWNER_ID_INVALID',
      kind: 'validation',
      description: 'OWNER_ID is not defined or invalid.',
      field: 'OWNER_ID',
    });
    assert.ok(
      entries
        .filter((entry) => entry.row !== 5)
        .every((entry) => entry.ok && entry.result === true),
    );
    assert.deepEqual([...bad.keys()], [5]);
    assert.equal(stderr, 'Bound 119 of 120 rows; 1 failed.\n');
  });

  it('reruns just the failed rows from the failures file, ignoring its code and description', async () => {
    const { text } = csvOf(60, (index, row) =>
      index % 20 === 0 ? ((row[1] = 13), (row[2] = 'deal'), 'ACCESS_DENIED') : undefined,
    );
    const file = await fileOf('first-run.csv', text);
    const failures = join(consumer.directory, 'first-failures.csv');
    const again = join(consumer.directory, 'second-failures.csv');
    await run(['bind-many', file, '--failures', failures, ...webhookFlag()]);
    portal.reset();

    const { code, stdout } = await run([
      'bind-many',
      failures,
      '--failures',
      again,
      ...webhookFlag(),
    ]);

    assert.equal(code, 1);
    assert.match(stdout, /^Bound 0 of 3 rows; 3 failed\.$/m);
    assert.equal(portal.stats.batchCommands, 3, 'only the failed rows are sent again');
    assert.equal(await readFile(again, 'utf8'), await readFile(failures, 'utf8'));
  });

  it('reruns a finished file safely: exit 0, the same bindings, a failures file with only the header', async () => {
    const file = await fileOf('finished.csv', csvOf(150).text);
    const failures = join(consumer.directory, 'finished-failures.csv');
    const first = await run(['bind-many', file, '--failures', failures, ...webhookFlag()]);
    const bindings = portal.bindings;

    const second = await run(['bind-many', file, '--failures', failures, ...webhookFlag()]);

    assert.equal(first.code, 0);
    assert.equal(second.code, 0);
    assert.equal(second.stdout, 'Bound 150 of 150 rows; 0 failed.\n');
    assert.deepEqual(portal.bindings, bindings);
    assert.equal(await readFile(failures, 'utf8'), FAILURES_HEADER + '\n');
  });

  it('reads a JSON array from standard input with -, numbering rows by item', async () => {
    const items = [
      { OWNER_ID: 1110, ENTITY_ID: 3, ENTITY_TYPE: 'lead' },
      { OWNER_ID: '1111', ENTITY_ID: '4', ENTITY_TYPE: 'COMPANY' },
      { OWNER_ID: 1112, ENTITY_ID: 5 },
      'not an object',
    ];
    const failures = join(consumer.directory, 'json-failures.csv');

    const { code, stdout } = await run(
      ['bind-many', '-', '--failures', failures, ...webhookFlag()],
      {
        input: JSON.stringify(items),
      },
    );

    assert.equal(code, 1);
    assert.match(stdout, /^Bound 2 of 4 rows; 2 failed\.$/m);
    assert.match(stdout, /item 3, field ENTITY_TYPE: ENTITY_TYPE_INVALID/);
    assert.match(stdout, /item 4: ERROR_ARGUMENT/);
    assert.deepEqual(portal.bindings, [
      { OWNER_ID: 1110, ENTITY_ID: 3, ENTITY_TYPE: 'lead' },
      { OWNER_ID: 1111, ENTITY_ID: 4, ENTITY_TYPE: 'company' },
    ]);
    assert.deepEqual(
      (await failuresIn(failures)).rows.map((row) => row.code),
      ['ENTITY_TYPE_INVALID', 'ERROR_ARGUMENT'],
    );
  });

  it('reads a CSV with a byte order mark, CRLF line ends, quoted cells and columns in any order', async () => {
    const text =
      '\uFEFFentity_type,Note,OWNER_ID,ENTITY_ID\r\n' +
      'deal,"Smith, John",1110,10\r\n' +
      '"contact","said ""hi""",1111,2\r\n' +
      '\r\n' +
      'lead,,1112,0\r\n';
    const file = await fileOf('excel.csv', text);

    const { code, stdout } = await run(['bind-many', file, ...webhookFlag()]);

    assert.equal(code, 1);
    assert.match(stdout, /^Bound 2 of 3 rows; 1 failed\.$/m);
    assert.match(stdout, /line 5, column ENTITY_ID: ENTITY_ID_INVALID/);
    assert.deepEqual(portal.bindings, [
      { OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' },
      { OWNER_ID: 1111, ENTITY_ID: 2, ENTITY_TYPE: 'contact' },
    ]);
  });

  it('draws a progress bar with items done, rate and ETA on a terminal', async () => {
    const file = await fileOf('progress.csv', csvOf(300).text);
    // `script` runs the command on a pseudo-terminal, as an operator's shell would.
    const line = [command, 'bind-many', file, '--webhook', portal.webhookUrl]
      .map((word) => `'${word}'`)
      .join(' ');

    const { code, stdout } = await run(['-qefc', line, '/dev/null'], { command: 'script' });

    assert.equal(code, 0);
    assert.match(stdout, /300\/300 items \| [\d.]+ items\/s \| ETA 0s/);
    assert.match(stdout, /Bound 300 of 300 rows; 0 failed\./);
  });

  it('writes a row the portal answered false to the failures file as NOT_BOUND', async () => {
    const file = await fileOf('answered-false.csv', csvOf(2).text);
    const failures = join(consumer.directory, 'answered-false-failures.csv');
    // The portal's batch answer, by the keys the package gives its commands (b0, b1, ...).
    const batchAnswer = {
      result: { b0: true, b1: false },
      result_error: [],
      result_total: [],
      result_next: [],
      result_time: [],
    };
    portal.queueFault({ body: { result: batchAnswer, time: { start: 1 } } });

    const { code, stdout } = await run([
      'bind-many',
      file,
      '--failures',
      failures,
      ...webhookFlag(),
    ]);

    assert.equal(code, 1);
    assert.match(stdout, /^Bound 1 of 2 rows; 1 failed\.$/m);
    assert.match(stdout, /line 3: NOT_BOUND: The portal answered false/);
    assert.deepEqual((await failuresIn(failures)).rows, [
      { OWNER_ID: '1111', ENTITY_ID: '2', ENTITY_TYPE: 'deal', code: 'NOT_BOUND' },
    ]);
  });

  it('after Ctrl-C does not retry a batch in flight that failed', async () => {
    const file = await fileOf('no-retry.csv', csvOf(1000).text);
    const failures = join(consumer.directory, 'no-retry-failures.csv');
    const serverError = {
      error: 'INTERNAL_SERVER_ERROR',
      error_description: 'Internal server error',
    };
    portal.queueFault({ status: 500, body: serverError, delayMs: 400, times: 4 });
    const running = start(['bind-many', file, '--failures', failures, ...webhookFlag()]);

    await waitUntil(() => portal.requests.length > 0, 'the first batch');
    running.child.kill('SIGINT');
    const { code, stdout } = await running.result;

    assert.equal(code, 1, 'its unsent rows failed');
    assert.ok(portal.requests.length <= 4, `${portal.requests.length} requests`);
    assert.ok(
      portal.requests.every((request) => request.fault),
      'no retry reached the portal',
    );
    assert.match(stdout, /^Bound 0 of 1000 rows; 1000 failed\.$/m);
    const { rows } = await failuresIn(failures);
    assert.ok(rows.every((row) => row.code === 'ABORTED'));
  });

  it('quits at once on a second Ctrl-C, without waiting for the batches in flight', async () => {
    const file = await fileOf('abandoned.csv', csvOf(500).text);
    portal.queueFault({ delayMs: 5000, then: 'handle', times: 10 });
    const running = start(['bind-many', file, ...webhookFlag()]);

    await waitUntil(() => portal.requests.length > 0, 'the first batch');
    const stoppedAt = performance.now();
    running.child.kill('SIGINT');
    await waitUntil(() => /Stopping/.test(running.errors()), 'the first Ctrl-C to be heard');
    running.child.kill('SIGINT');
    const { code, stdout } = await running.result;

    assert.equal(code, 130);
    assert.ok(performance.now() - stoppedAt < 3000, 'it did not wait for the portal');
    assert.equal(stdout, '', 'no summary: the run was abandoned');
  });

  it('on Ctrl-C stops sending, waits for the batches in flight, and writes the summary and failures', async () => {
    const file = await fileOf('long.csv', csvOf(3000).text);
    const failures = join(consumer.directory, 'long-failures.csv');
    portal.queueFault({ delayMs: 400, then: 'handle', times: 60 });
    const running = start(['bind-many', file, '--failures', failures, ...webhookFlag()]);

    await waitUntil(() => portal.requests.length > 0, 'the first batch');
    running.child.kill('SIGINT');
    const { code, stdout, stderr } = await running.result;

    assert.equal(code, 1, 'its unsent rows failed');
    assert.match(stderr, /Stopping: waiting for the requests in flight/);
    const sent = portal.stats.batchCommands;
    assert.ok(sent >= 50 && sent <= 200, `${sent} rows sent`);
    assert.match(stdout, /^Stopped by Ctrl-C; rows never sent failed with ABORTED\.$/m);
    // Every row the portal ran counts as bound: no batch in flight was cut off.
    assert.match(stdout, new RegExp(`^Bound ${sent} of 3000 rows; ${3000 - sent} failed\\.$`, 'm'));
    const { rows } = await failuresIn(failures);
    assert.equal(rows.length, 3000 - sent);
    assert.ok(rows.every((row) => row.code === 'ABORTED'));
    const requests = portal.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(portal.requests.length, requests, 'nothing is sent after the exit');
  });
});

describe('b24-timeline mock-portal', () => {
  it('starts the mock portal, prints its webhook, and stops on Ctrl-C', async () => {
    const running = spawn(command, ['mock-portal'], {
      cwd: consumer.directory,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    running.stdout.setEncoding('utf8').on('data', (text) => (stdout += text));
    const exited = once(running, 'exit');

    await waitUntil(() => /Press Ctrl\+C/.test(stdout), 'the webhook line');
    const webhookUrl = /^webhook: (\S+)$/m.exec(stdout)[1];
    const bound = await run([
      'bind',
      '--owner',
      '1110',
      '--entity',
      'deal:10',
      '--webhook',
      webhookUrl,
    ]);
    running.kill('SIGINT');
    const [code] = await exited;

    assert.match(webhookUrl, /^http:\/\/127\.0\.0\.1:\d+\/rest\/1\/\w+\/$/);
    assert.equal(bound.code, 0, bound.stderr);
    assert.equal(code, 0);
    assert.match(stdout, /mock portal stopped/);
  });
});

describe('the published package', () => {
  it('declares every package the command imports as a dependency', async () => {
    const manifest = JSON.parse(await readFile(join(PACKAGE_DIRECTORY, 'package.json'), 'utf8'));
    const directory = join(PACKAGE_DIRECTORY, 'cli');
    const imported = new Set();
    for (const name of await readdir(directory)) {
      const source = await readFile(join(directory, name), 'utf8');
      for (const [, specifier] of source.matchAll(/from '([^'.][^']*)'/g)) {
        if (!specifier.startsWith('node:')) imported.add(specifier.split('/')[0]);
      }
    }

    assert.deepEqual([...imported].sort(), Object.keys(manifest.dependencies).sort());
    assert.equal(manifest.bin['b24-timeline'], './cli/main.mjs');
    assert.ok(manifest.files.includes('cli/'));
  });
});

/** A port nothing listens on: bound for a moment, then released. */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}
