// The baseline every client is compared with: the bind request written by hand
// with the platform's `fetch`, as the REST documentation shows it, and nothing
// else (no validation, no retries, no rate limit).

/**
 * Sends `crm.timeline.bindings.bind` with `fields` to the webhook at `webhookUrl`
 * (ending in `/`). Resolves with the parsed answer; rejects on a status other
 * than 2xx with an error whose message is only the status.
 */
export async function bindByFetch(webhookUrl, fields) {
  const response = await fetch(webhookUrl + 'crm.timeline.bindings.bind', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ fields }),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}
