// The measuring process of `npm run bench` (started by run.mjs, which makes
// the certificate it trusts): runs every section and prints one table.
import { cpus } from 'node:os';
import { startMockPortal } from '../pkg-template/mock-portal/index.mjs';
import { trustedCertificate } from '../tests/js/support/tls.mjs';
import { LIBRARIES } from './apps.mjs';
import { measureBulk } from './bulk.mjs';
import { measureLatency } from './latency.mjs';
import { measurePayloads } from './payload.mjs';
import { renderTable } from './report.mjs';
import { measureStartup } from './startup.mjs';

const SETTINGS = { startupRuns: 9, latencyWarmUp: 30, latencySamples: 300, bulkItems: 10_000 };

// Its only queue lets 2 requests a second through, in real time and not
// configurable: a sequential call would time that queue, and bulk against the
// sped-up bucket would show a twentieth of what the bucket allows.
const TWO_BAD_QUEUE =
  '@2bad/bitrix sends through a fixed queue of 2 requests a second; left out where that ' +
  'queue is what would be timed.';

const certificate = await trustedCertificate();
const results = {};

progress('payload: bundling a minimal app per library');
results.payload = await section(() => measurePayloads(LIBRARIES));

// Start-up and per-call latency share one portal without limits: they time the
// clients, not throttling.
const portal = await startMockPortal({ https: true, certificate });
try {
  progress(`start-up: ${SETTINGS.startupRuns} fresh processes per library`);
  results.startup = await section(() =>
    measureStartup(LIBRARIES, portal.httpsWebhookUrl, SETTINGS.startupRuns),
  );

  portal.reset();
  progress(`per-call: ${SETTINGS.latencySamples} sequential binds per client`);
  results.latency = await section(async () => ({
    ...(await measureLatency(portal.httpsWebhookUrl, {
      warmUp: SETTINGS.latencyWarmUp,
      samples: SETTINGS.latencySamples,
    })),
    skipped: { '2bad': TWO_BAD_QUEUE },
  }));
} finally {
  await portal.close();
}

progress(`bulk: ${SETTINGS.bulkItems.toLocaleString('en')} items per client`);
results.bulk = await section(async () => ({
  ...(await measureBulk(certificate, SETTINGS.bulkItems)),
  skipped: { '2bad': TWO_BAD_QUEUE },
}));

const { table, footnotes } = renderTable(results, SETTINGS);
const { startupRuns, latencySamples, latencyWarmUp, bulkItems } = SETTINGS;
console.log(
  [
    `machine: ${cpus().length} cores (${cpus()[0]?.model?.trim() ?? 'unknown CPU'}), Node ${process.version}`,
    `start-up: ${startupRuns} fresh processes per library, HTTPS on loopback`,
    `per-call: ${latencySamples} sequential binds after ${latencyWarmUp} warm-up, HTTPS with keep-alive`,
    `bulk: ${bulkItems.toLocaleString('en')} items, 50 per batch; bucket of 50 draining 2/s, clock 20× (40/s)`,
    '',
    ...table,
    '',
    ...footnotes,
  ].join('\n'),
);

/** Runs one section; a failure becomes its cells' text instead of ending the run. */
async function section(measure) {
  try {
    return await measure();
  } catch (error) {
    return { error: `failed: ${error?.code ?? error?.name ?? 'error'}` };
  }
}

// Progress goes to stderr, so stdout holds only the report.
function progress(line) {
  console.error(`bench: ${line}`);
}
