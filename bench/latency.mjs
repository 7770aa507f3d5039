// Per-call overhead: the median latency of sequential binds on loopback, each
// client against the same HTTPS mock portal with keep-alive as it does by
// default. On loopback the portal answers in well under a millisecond, so what
// differs between the clients is their own work per call.
import { performance } from 'node:perf_hooks';
import { createClient } from '../pkg/node.mjs';
import { bindByFetch } from './hand-fetch.mjs';
import { median } from './stats.mjs';
import { createSdkClient } from './sdk.mjs';

const FIELDS = Object.freeze({ OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' });

// Room enough that no limiter ever waits here: this section measures a call's
// own cost, not throttling.
const NEVER_THROTTLES = { burst: 10_000, drainPerSecond: 1_000 };

/**
 * Makes `warmUp` unmeasured and then `samples` measured binds per client
 * against `webhookUrl`. The clients take turns call by call, starting in a
 * rotating order, so a slow moment of the machine hits all of them alike.
 * Answers, per library, `{ medianMs }`, or `{ error }` naming the first failure.
 */
export async function measureLatency(webhookUrl, { warmUp, samples }) {
  const binders = await createBinders(webhookUrl);
  const libraries = Object.keys(binders);
  const timings = Object.fromEntries(libraries.map((library) => [library, []]));
  const errors = {};

  for (let round = 0; round < warmUp + samples; round += 1) {
    for (let turn = 0; turn < libraries.length; turn += 1) {
      const library = libraries[(round + turn) % libraries.length];
      if (errors[library]) continue;

      const startedAt = performance.now();
      try {
        await binders[library]();
      } catch (error) {
        errors[library] = `failed: ${error?.code ?? error?.name ?? 'error'}`;
        continue;
      }
      if (round >= warmUp) timings[library].push(performance.now() - startedAt);
    }
  }

  return Object.fromEntries(
    libraries.map((library) => [
      library,
      errors[library] ? { error: errors[library] } : { medianMs: median(timings[library]) },
    ]),
  );
}

/** One function per client that makes the same bind once. */
async function createBinders(webhookUrl) {
  const ours = createClient({ webhookUrl, maxAttempts: 1, rateLimit: NEVER_THROTTLES });
  const sdk = await createSdkClient(webhookUrl, NEVER_THROTTLES);
  return {
    fetch: () => bindByFetch(webhookUrl, FIELDS),
    'b24-timeline': () => ours.bindTimeline(FIELDS),
    sdk: () => sdk.actions.v2.call.make({ method: 'crm.timeline.bindings.bind', params: { fields: FIELDS } }),
  };
}
