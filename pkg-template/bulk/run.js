// Runs a bulk binding. The bulk module's `Bulk` reads the items, writes each
// batch and reads each answer; this only sends the batches through the
// client, whose session paces, retries and refreshes them, and keeps a few in
// flight so the first burst goes out together rather than a round trip apart.
import { placementBatch, sdkBatch } from './helpers.js';

const IN_FLIGHT = 4;

// Through `$b24` and `BX24` the batches go through the client's own batch
// support, as named calls; over fetch, as the `batch` method's commands.
const HELPERS = { b24: sdkBatch, bx24: placementBatch };

/**
 * Binds `items` through `client` with the bulk module's `Bulk` class.
 * Rejects with a `B24Error` when an option is unusable or `items` is not an
 * array; otherwise resolves with the report, one entry per item.
 */
export async function runBulk(Bulk, B24Error, client, items, options) {
  const helper = HELPERS[client.__sendBatch(undefined, options)];
  const bulk = new Bulk(items, options, B24Error);
  const signal = options == null ? undefined : options.signal;
  try {
    let next = 0;
    const sendBatches = async () => {
      while (next < bulk.batches && !(signal && signal.aborted)) {
        const index = next++;
        let answer;
        let error;
        try {
          answer = await client.__sendBatch(bulk.params(index, Boolean(helper)), options, helper);
        } catch (thrown) {
          error = thrown;
        }
        bulk.settle(index, answer, error);
      }
    };
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, bulk.batches) }, sendBatches));
    return bulk.report();
  } finally {
    bulk.free();
  }
}
