// The smallest real use of each library: one bind with an incoming webhook,
// written the way its documentation shows. The payload section bundles these
// for a browser and the start-up section runs them in fresh Node processes, so
// both numbers describe the same app.
import { readFile } from 'node:fs/promises';

/** The libraries compared, in the order of the table's columns. */
export const LIBRARIES = ['b24-timeline', 'sdk', '2bad', 'fetch'];

/** How each library is named in the table. */
export const LIBRARY_TITLES = {
  'b24-timeline': 'b24-timeline',
  sdk: 'official SDK',
  '2bad': '@2bad/bitrix',
  fetch: 'hand-written fetch',
};

const FIELDS = "{ OWNER_ID: 1110, ENTITY_ID: 10, ENTITY_TYPE: 'deal' }";

// Each call hands its promise to `done` and `fail`, which the context defines:
// a browser app logs, a start-up probe reports to the bench and exits.
const CALLS = {
  'b24-timeline': (url) => `import { bindTimeline } from 'b24-timeline';

bindTimeline(${FIELDS}, { webhookUrl: ${url} }).then(done, fail);
`,
  sdk: (url) => `import { B24Hook } from '@bitrix24/b24jssdk';

B24Hook.fromWebhookUrl(${url})
  .actions.v2.call.make({ method: 'crm.timeline.bindings.bind', params: { fields: ${FIELDS} } })
  .then(done, fail);
`,
  '2bad': (url) => `import { Bitrix } from '@2bad/bitrix';

Bitrix(${url}).call('crm.timeline.bindings.bind', { fields: ${FIELDS} }).then(done, fail);
`,
  fetch: (url) => `import { bindByFetch } from './hand-fetch.mjs';

bindByFetch(${url}, ${FIELDS}).then(done, fail);
`,
};

/**
 * The files of a consumer project holding the app of `library` as `app.mjs`:
 * `urlExpression` is JavaScript that yields the webhook URL, `prelude` defines
 * `done` and `fail`.
 */
export async function appFiles(library, urlExpression, prelude) {
  const files = { 'app.mjs': `${prelude}\n${CALLS[library](urlExpression)}` };
  if (library === 'fetch') {
    files['hand-fetch.mjs'] = await readFile(new URL('./hand-fetch.mjs', import.meta.url), 'utf8');
  }
  return files;
}
