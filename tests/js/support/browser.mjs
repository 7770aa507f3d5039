// One headless Chromium (Debian's, driven by playwright-core) for the browser
// tests of a test file, and pages that report what they saw.
import { existsSync } from 'node:fs';
import { after } from 'node:test';
import { chromium } from 'playwright-core';
import { startStaticServer } from './static-server.mjs';

const CHROMIUM = '/usr/bin/chromium';

// Without the background-networking switches Chromium keeps trying hosts this
// machine cannot reach.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let launch;

// Registered when a test file imports this module, so it runs after all of
// that file's tests rather than after the first one to open a page.
after(async () => {
  const browser = await launch?.catch(() => undefined);
  await browser?.close();
});

/** The test file's Chromium, launched on first use and closed after the file's tests. */
export function sharedBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: run \`bash scripts/setup.sh --browser\``);
  }
  launch ??= chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return launch;
}

/**
 * A page that runs `script` as a module. Its first script records any load or
 * evaluation failure in window.bindingOutcome, so a broken page fails the test
 * at once with the reason instead of timing out.
 */
export function browserPage(script, importMap) {
  const map = importMap ? `<script type="importmap">${JSON.stringify(importMap)}</script>\n` : '';
  return `<!doctype html>
<meta charset="utf-8">
<title>b24-timeline consumer</title>
<script>
  addEventListener('error', (event) => {
    const what = event.message || 'could not load ' + (event.target.src || event.target.href);
    window.bindingOutcome ??= { error: what };
  }, true);
</script>
${map}<script type="module" src="${script}"></script>
`;
}

/**
 * Serves `directory`, opens `path` on it and answers what the page left in
 * window.bindingOutcome.
 */
export async function outcomeInBrowser(t, directory, path) {
  const browser = await sharedBrowser();
  const server = await startStaticServer(directory);
  t.after(() => server.close());

  const page = await browser.newPage();
  t.after(() => page.close());

  await page.goto(new URL(path, server.url).href);
  await page.waitForFunction(() => window.bindingOutcome !== undefined, null, { timeout: 20_000 });
  return page.evaluate(() => window.bindingOutcome);
}
