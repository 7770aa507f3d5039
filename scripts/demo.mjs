// The demo: binds one sample timeline record to a deal from Node and prints
// the outcome, then serves the demo page (www/) until Ctrl-C. It targets the
// portal in B24_WEBHOOK_URL when that is set, and otherwise a mock portal
// started here, whose webhook the page is prefilled with. It never prints the
// webhook code. With --once it stops after the binding from Node.
import { bindTimeline, B24Error } from '../pkg/node.mjs';
import { startMockPortal } from '../pkg/mock-portal/index.mjs';
import { startDemoServer } from './demo-server.mjs';

const sample = { OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' };
const once = process.argv.includes('--once');

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
}

if (once) {
  await portal?.close();
} else {
  await servePage();
}

/**
 * Serves the page until SIGINT or SIGTERM, then closes it and the mock portal.
 * A real portal's webhook is not handed to the page: it is pasted there.
 */
async function servePage() {
  const config = portal
    ? { webhookUrl: portal.webhookUrl, portalUrl: portal.portalUrl, accessToken: portal.accessToken }
    : {};
  const page = await startDemoServer({ config });
  console.log(`page: ${page.url}`);
  console.log(
    portal
      ? 'the page is prefilled with the mock portal; press Ctrl-C to stop'
      : 'paste your webhook URL into the page; press Ctrl-C to stop',
  );

  const signal = await new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  await Promise.all([page.close(), portal?.close()]);
  console.log(`stopped (${signal})`);
}
