// The bind-many command: every row of a file bound through batches, with a progress bar, a
// failures file and a clean stop on Ctrl-C.

import { CommandError, EXIT, HELP, readCommandArguments } from './arguments.mjs';
import { CONNECTION_KINDS } from './bind.mjs';
import { connect } from './connection.mjs';
import { startFailuresFile, writeFailures } from './failures.mjs';
import { failureLine, failureOf, jsonLine } from './output.mjs';
import { startProgress } from './progress.mjs';
import { readRows } from './rows.mjs';

/** Items per batch request: the most a portal's `batch` takes. */
const BATCH_SIZE = 50;

/** Batch requests kept in flight, as the package's own bindTimelineMany does. */
const IN_FLIGHT = 4;

/** Failed rows the summary lists by name; the failures file and --json hold them all. */
const LISTED_FAILURES = 10;

/**
 * Runs `bind-many` with the words after its name; resolves with the exit status. Throws a
 * CommandError for a usage or connection mistake, before anything is sent.
 */
export async function runBindMany(args, { stdin, stdout, stderr, environment }) {
  const { values, positionals } = readCommandArguments('bind-many', args);
  if (values.help) {
    stdout.write(HELP['bind-many'] + '\n');
    return EXIT.bound;
  }
  const client = connect(values, environment);
  const { unit, rows } = await readRows(positionals[0], stdin);
  if (values.failures !== undefined) await startFailuresFile(values.failures);

  const stop = new AbortController();
  const interrupt = () => {
    if (stop.signal.aborted) process.exit(EXIT.abandoned);
    stop.abort();
    stderr.write('\nStopping: waiting for the requests in flight (Ctrl-C again quits at once).\n');
  };
  process.on('SIGINT', interrupt);
  const progress = startProgress(rows.length, stderr);
  let entries;
  try {
    entries = await bindRows(
      client,
      rows.map((row) => row.fields),
      stop.signal,
      progress.update,
    );
  } finally {
    progress.stop();
    process.off('SIGINT', interrupt);
  }

  if (values.json) {
    stdout.write(
      entries.map((entry, index) => jsonLine(rows[index].number, entry) + '\n').join(''),
    );
  }
  const failures = entries.flatMap((entry, index) =>
    entry.ok && entry.result ? [] : [{ ...rows[index], ...failureOf(entry) }],
  );
  if (values.failures !== undefined) await writeFailures(values.failures, failures);

  writeSummary(values.json ? stderr : stdout, {
    unit,
    total: entries.length,
    failures,
    interrupted: stop.signal.aborted,
    listed: !values.json,
    failuresPath: values.failures,
  });

  // A stopped run ends like any other run: the rows it never sent failed.
  if (stop.signal.aborted) return failures.length === 0 ? EXIT.bound : EXIT.someFailed;
  const unreachable = connectionFailure(entries);
  if (unreachable) {
    stderr.write(
      `b24-timeline: no row reached the portal: ${unreachable.code}: ${unreachable.description}\n`,
    );
    return EXIT.usage;
  }
  return failures.length === 0 ? EXIT.bound : EXIT.someFailed;
}

/**
 * Binds `items` a batch request at a time, a few in flight, and answers one entry per item as
 * bindTimelineMany gives it. Calls `onSettled(done)` after each batch. Once `stop` fires no new
 * batch starts; the rows never started are still checked, and fail with ABORTED when valid.
 */
async function bindRows(client, items, stop, onSettled) {
  const entries = new Array(items.length);
  let next = 0;
  let settled = 0;
  const work = async () => {
    while (next < items.length && !stop.aborted) {
      const start = next;
      next += BATCH_SIZE;
      const report = await bindBatch(client, items.slice(start, start + BATCH_SIZE), stop);
      for (const entry of report.results) entries[start + entry.index] = entry;
      settled += report.results.length;
      onSettled(settled);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, work));

  if (next < items.length) {
    const rest = await client.bindTimelineMany(items.slice(next), { signal: AbortSignal.abort() });
    for (const entry of rest.results) entries[next + entry.index] = entry;
  }
  return entries;
}

/**
 * One batch request through its own bindTimelineMany call. The package cancels requests in
 * flight when its signal fires, but a stopped run should still hear what the portal did with a
 * batch it already has: so `stop` aborts this batch only while it waits for the rate limit,
 * and after it was sent only keeps it from being tried again.
 */
function bindBatch(client, items, stop) {
  const controller = new AbortController();
  let sent = false;
  const abortUnlessSent = () => {
    if (!sent) controller.abort();
  };
  stop.addEventListener('abort', abortUnlessSent);
  const fetch = (url, init) => {
    // A retry after the stop: aborting here fails the fetch before anything goes out.
    if (stop.aborted) controller.abort();
    sent = true;
    return globalThis.fetch(url, init);
  };
  return client
    .bindTimelineMany(items, { signal: controller.signal, fetch })
    .finally(() => stop.removeEventListener('abort', abortUnlessSent));
}

/**
 * The summary a run ends with: whether Ctrl-C stopped it, how many rows were bound, the first
 * failed rows when `listed`, and where the failures file went.
 */
function writeSummary(stream, { unit, total, failures, interrupted, listed, failuresPath }) {
  if (interrupted) stream.write('Stopped by Ctrl-C; rows never sent failed with ABORTED.\n');
  stream.write(`Bound ${total - failures.length} of ${total} rows; ${failures.length} failed.\n`);
  if (listed) stream.write(listOf(unit, failures));
  if (failures.length > 0 && failuresPath !== undefined) {
    stream.write(`Failed rows written to ${failuresPath}.\n`);
  }
}

// The first failed rows, one line each, and how many more there are.
function listOf(unit, failures) {
  const listed = failures
    .slice(0, LISTED_FAILURES)
    .map((failure) => failureLine(unit, failure.number, failure));
  if (failures.length > LISTED_FAILURES)
    listed.push(`... and ${failures.length - LISTED_FAILURES} more`);
  return listed.map((line) => `  ${line}\n`).join('');
}

/**
 * The error that shows the portal was never usable, when no row got a real answer from it:
 * every row failed locally, was never sent, or met a network or credentials error (at least one
 * did). Errors with an HTTP status other than those are the portal's answer to the row itself.
 */
function connectionFailure(entries) {
  if (entries.some((entry) => entry.ok)) return undefined;
  const errors = entries.map((entry) => entry.error);
  const answered = errors.some(
    (error) => !CONNECTION_KINDS.includes(error.kind) && error.status !== undefined,
  );
  return answered ? undefined : errors.find((error) => CONNECTION_KINDS.includes(error.kind));
}
