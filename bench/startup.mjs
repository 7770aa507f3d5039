// Start-up: how long a fresh `node` process takes from its start to its first
// resolved bind, which is what a CLI, a cron job or a serverless function pays
// on every run: Node's own start, loading the library (and compiling the
// .wasm for ours), the TLS handshake and the request.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createConsumer } from '../tests/js/support/consumer.mjs';
import { appFiles } from './apps.mjs';
import { median } from './stats.mjs';

// The probe reports on stdout and exits at once, so keep-alive sockets left
// open by a client do not hold the process. A failure prints only the error's
// code or name: messages may hold the webhook URL.
const PRELUDE = `const done = () => process.stdout.write('bound\\n', () => process.exit(0));
const fail = (error) => {
  const code = error?.code ?? error?.name ?? 'error';
  process.stderr.write(\`failed: \${code}\\n\`, () => process.exit(1));
};`;

// A probe that has not bound by then is counted as failed.
const PROBE_TIMEOUT_MS = 20_000;

/**
 * Runs each library's app in `runs` fresh processes against the webhook at
 * `webhookUrl`, the libraries taking turns so that drift hits all alike.
 * Answers, per library, `{ medianMs, runs }`, or `{ error }` when a run failed.
 */
export async function measureStartup(libraries, webhookUrl, runs) {
  const consumers = {};
  try {
    for (const library of libraries) {
      const files = await appFiles(library, 'process.env.BENCH_WEBHOOK_URL', PRELUDE);
      consumers[library] = await createConsumer(`bench-startup-${library}`, files);
    }

    const samples = Object.fromEntries(libraries.map((library) => [library, []]));
    const errors = {};
    for (let run = 0; run < runs; run += 1) {
      for (const library of libraries) {
        if (errors[library]) continue;
        const outcome = await timeProbe(consumers[library].directory, webhookUrl);
        if (outcome.error) errors[library] = outcome.error;
        else samples[library].push(outcome.ms);
      }
    }

    return Object.fromEntries(
      libraries.map((library) => [
        library,
        errors[library] ? { error: errors[library] } : { medianMs: median(samples[library]), runs },
      ]),
    );
  } finally {
    await Promise.all(Object.values(consumers).map((consumer) => consumer.remove()));
  }
}

/** Starts `node app.mjs` in `directory`; answers `{ ms }` from spawn to its report, or `{ error }`. */
function timeProbe(directory, webhookUrl) {
  return new Promise((resolve) => {
    const startedAt = performance.now();
    const child = spawn(process.execPath, ['app.mjs'], {
      cwd: directory,
      env: { ...process.env, BENCH_WEBHOOK_URL: webhookUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });

    let outcome;
    let stderr = '';
    const timer = setTimeout(() => {
      outcome ??= { error: 'no answer within 20 s' };
      child.kill();
    }, PROBE_TIMEOUT_MS);

    child.stdout.on('data', (chunk) => {
      if (String(chunk).includes('bound')) outcome ??= { ms: performance.now() - startedAt };
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', (error) => {
      outcome ??= { error: `could not start node (${error.code ?? 'error'})` };
    });
    child.on('close', () => {
      clearTimeout(timer);
      resolve(outcome ?? { error: firstFailure(stderr) });
    });
  });
}

// Only the probe's own `failed: CODE` line is passed on, never other output.
function firstFailure(stderr) {
  return stderr.match(/failed: [\w.-]+/)?.[0] ?? 'exited without binding';
}
