// The demo: binds one sample timeline record to a deal and prints the outcome.
// It targets the portal in B24_WEBHOOK_URL when that is set, and otherwise a
// mock portal started here. It never prints the webhook code.
import { bindTimeline, B24Error } from '../pkg/node.mjs';
import { startMockPortal } from '../pkg/mock-portal/index.mjs';

const sample = { OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' };

const realWebhook = process.env.B24_WEBHOOK_URL;
const portal = realWebhook ? undefined : await startMockPortal();
const webhookUrl = realWebhook || portal.webhookUrl;
console.log(realWebhook ? 'portal: the one in B24_WEBHOOK_URL' : `portal: mock portal at ${portal.url}`);
console.log(`binding timeline record ${sample.OWNER_ID} to ${sample.ENTITY_TYPE} ${sample.ENTITY_ID}`);

try {
  const { result, time } = await bindTimeline(sample, { webhookUrl });
  console.log(`result: ${result}`);
  if (time && time.duration !== undefined) console.log(`portal time: ${time.duration.toFixed(4)} s`);
} catch (error) {
  if (!(error instanceof B24Error)) throw error;
  console.log(`failed: ${error.code} (${error.kind}): ${error.description}`);
  process.exitCode = 1;
} finally {
  await portal?.close();
}
