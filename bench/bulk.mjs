// Bulk throughput: many bindings through `batch` against a portal that
// enforces the standard leaky bucket, on a clock sped up so the run is short.
import { performance } from 'node:perf_hooks';
import { createClient } from '../pkg/node.mjs';
import { startMockPortal } from '../pkg-template/mock-portal/index.mjs';
import { createSdkClient } from './sdk.mjs';

const BIND_METHOD = 'crm.timeline.bindings.bind';
const ENTITY_TYPES = ['lead', 'deal', 'contact', 'company', 'order'];
const COMMANDS_PER_BATCH = 50;

// The portal clock runs 20 times as fast as real time: the standard bucket
// (burst 50, draining 2 per portal second) drains 40 per real second.
const TIME_SCALE = 20;
const SCALED_BUCKET = { burst: 50, drainPerSecond: 2 * TIME_SCALE };

// 100 timeline records × 100 entities (ids 1 to 20 of each of the five types,
// the mock's default) make 10,000 distinct bindings, so the portal's list of
// bindings shows exactly which items arrived. No entity is denied here (the
// mock denies deal 13 by default): every item should succeed.
const RECORDS = Array.from({ length: 100 }, (_, index) => 5001 + index);

/** The distinct items to bind, `count` at most 10,000. */
export function bulkItems(count) {
  const items = [];
  for (const OWNER_ID of RECORDS) {
    for (const ENTITY_TYPE of ENTITY_TYPES) {
      for (let ENTITY_ID = 1; ENTITY_ID <= 20; ENTITY_ID += 1) {
        items.push({ OWNER_ID, ENTITY_ID, ENTITY_TYPE });
      }
    }
  }
  return items.slice(0, count);
}

/**
 * Binds `count` items through each client, each against a fresh HTTPS mock
 * portal with the scaled standard bucket, and answers per library either
 * `{ itemsPerSecond, ofCeiling, seconds, refused, lost, failed }` or
 * `{ unavailable }` / `{ error }` with a short reason.
 */
export async function measureBulk(certificate, count) {
  const items = bulkItems(count);
  return {
    'b24-timeline': await onFreshPortal(certificate, items, bindThroughOurs),
    sdk: await onFreshPortal(certificate, items, bindThroughSdk),
  };
}

async function onFreshPortal(certificate, items, bindAll) {
  const portal = await startMockPortal({
    https: true,
    certificate,
    rateLimit: 'standard',
    timeScale: TIME_SCALE,
    records: RECORDS,
    deniedEntities: [],
  });
  try {
    if (!(await portalHasBatch(portal))) return { unavailable: 'The mock portal has no batch yet.' };
    portal.reset();

    const startedAt = performance.now();
    const outcome = await bindAll(portal.httpsWebhookUrl, items);
    const seconds = (performance.now() - startedAt) / 1000;
    if (outcome.unavailable || outcome.error) return outcome;

    return {
      seconds,
      itemsPerSecond: items.length / seconds,
      ofCeiling: items.length / seconds / ceilingItemsPerSecond(portal.rateLimit, seconds),
      refused: portal.stats.queryLimitExceeded,
      // An item that failed is reported, not lost; one that reported success
      // but left no binding, or whose result is missing or doubled, is lost.
      lost:
        Math.max(0, notBound(portal, items) - outcome.failed) +
        outcome.missingResults +
        outcome.duplicatedResults,
      failed: outcome.failed,
    };
  } catch (error) {
    return { error: `failed: ${error?.code ?? error?.name ?? 'error'}` };
  } finally {
    await portal.close();
  }
}

/**
 * The most items per real second any client could bind in `seconds` through
 * the portal's bucket: it admits `burst` requests at once and then
 * `drainPerSecond × timeScale` per real second, and each request is a batch of
 * 50 items:
 *
 *   ceiling = (burst + drain × seconds) × 50 / seconds
 *
 * with drain in requests per real second, the clock `seconds` is measured on.
 */
function ceilingItemsPerSecond(bucket, seconds) {
  const drain = bucket.drainPerSecond * bucket.timeScale;
  return ((bucket.burst + drain * seconds) * COMMANDS_PER_BATCH) / seconds;
}

/** Whether the mock answers `batch` (it may not have it yet): one harmless command tells. */
async function portalHasBatch(portal) {
  const probe = `${BIND_METHOD}?fields[OWNER_ID]=${RECORDS[0]}&fields[ENTITY_ID]=1&fields[ENTITY_TYPE]=deal`;
  const response = await fetch(portal.webhookUrl + 'batch', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ halt: 0, cmd: { probe } }),
  });
  const body = await response.json().catch(() => undefined);
  return response.ok && body?.result?.result !== undefined;
}

/** How many items have no binding on the portal afterwards. */
function notBound(portal, items) {
  const key = (binding) => `${binding.OWNER_ID}:${binding.ENTITY_TYPE}:${binding.ENTITY_ID}`;
  const bound = new Set(portal.bindings.map(key));
  return items.filter((item) => !bound.has(key(item))).length;
}

async function bindThroughOurs(webhookUrl, items) {
  const client = createClient({ webhookUrl, rateLimit: SCALED_BUCKET });
  if (typeof client.bindTimelineMany !== 'function') {
    return { unavailable: 'b24-timeline has no bindTimelineMany yet.' };
  }

  const { results, failed } = await client.bindTimelineMany(items);
  return { failed, ...entriesByIndex(results, items.length) };
}

/** Each item should have exactly one entry, at its own index: counts the gaps and the extras. */
function entriesByIndex(results, count) {
  const seen = new Uint8Array(count);
  let duplicatedResults = 0;
  for (const { index } of results) {
    if (Number.isInteger(index) && index >= 0 && index < count && seen[index] === 0) seen[index] = 1;
    else duplicatedResults += 1;
  }
  return { missingResults: count - seen.reduce((sum, flag) => sum + flag, 0), duplicatedResults };
}

// The SDK's batch helper takes at most 50 calls: the items go in chunks, all
// handed over at once, and the SDK's limiter decides when each is sent.
async function bindThroughSdk(webhookUrl, items) {
  const b24 = await createSdkClient(webhookUrl, SCALED_BUCKET);
  const chunks = [];
  for (let start = 0; start < items.length; start += COMMANDS_PER_BATCH) {
    chunks.push(items.slice(start, start + COMMANDS_PER_BATCH));
  }

  const outcomes = await Promise.all(chunks.map((chunk) => sendSdkChunk(b24, chunk)));
  const results = outcomes.reduce((sum, outcome) => sum + outcome.results, 0);
  const failed = outcomes.reduce((sum, outcome) => sum + outcome.failed, 0);
  return { failed, ...countResults(results, items.length) };
}

/** Sends one chunk; answers how many results came back and how many items failed. */
async function sendSdkChunk(b24, chunk) {
  const calls = chunk.map((fields) => [BIND_METHOD, { fields }]);
  try {
    const response = await b24.actions.v2.batch.make({ calls, options: { isHaltOnError: false } });
    const data = Object.values(response.getData() ?? []);
    const succeeded = data.filter((value) => value === true).length;
    return { results: data.length, failed: chunk.length - succeeded };
  } catch {
    // The SDK gave up on the whole chunk (after its own retries): every item
    // in it is reported as failed.
    return { results: chunk.length, failed: chunk.length };
  }
}

function countResults(results, items) {
  return { missingResults: Math.max(0, items - results), duplicatedResults: Math.max(0, results - items) };
}
