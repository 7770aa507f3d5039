// The official SDK set up as the bench compares it: a webhook client whose own
// limiter is given the same leaky bucket as our client, so neither waits more
// or less than the other because of its settings.
import { B24Hook, ParamsFactory } from '@bitrix24/b24jssdk';

/**
 * A `B24Hook` for `webhookUrl` whose limiter holds `burst` requests and drains
 * `drainPerSecond` per real second; the SDK's other defaults (retries,
 * adaptive delays) stay as they are.
 */
export async function createSdkClient(webhookUrl, { burst, drainPerSecond }) {
  const b24 = B24Hook.fromWebhookUrl(webhookUrl);
  const defaults = ParamsFactory.getDefault();
  await b24.setRestrictionManagerParams({
    ...defaults,
    rateLimit: { ...defaults.rateLimit, burstLimit: burst, drainRate: drainPerSecond },
  });
  return b24;
}
