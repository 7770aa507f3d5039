// The demo page's server: www/ at the root, the built package under /pkg/, and
// /demo-config.json telling the page which portal to prefill. It listens on a
// port of its own, so the page's calls to a portal are cross-origin, as they
// are for a front-end app or a placement.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { fileFor, requestPathname, sendFile } from './static-files.mjs';

const ROOT = new URL('../', import.meta.url);
const PAGE_DIRECTORY = fileURLToPath(new URL('www/', ROOT));
const PACKAGE_DIRECTORY = fileURLToPath(new URL('pkg/', ROOT));
const PACKAGE_PREFIX = '/pkg/';

// The page runs one module, the package's wasm, and calls any portal; it
// sends no referrer, so its address never travels with a portal call.
const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src *; img-src 'self' data:; form-action 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

/**
 * Starts the page server on a free port of `host` and answers `{ url, close }`;
 * `url` ends with a slash and `close()` resolves once every connection is gone.
 *
 * `config` is what the page reads from /demo-config.json, on its own origin and
 * never from its URL: `{ webhookUrl, portalUrl, accessToken }` to prefill, all
 * optional. Pass only a local mock portal's credentials: anything on this
 * machine that can reach the port can read them.
 */
export async function startDemoServer({ config = {}, host = '127.0.0.1', port = 0 } = {}) {
  const configBody = JSON.stringify(config);

  const server = createServer(async (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { ...PAGE_HEADERS, Allow: 'GET, HEAD' }).end();
      return;
    }

    const pathname = requestPathname(request.url);
    if (pathname === '/demo-config.json') {
      response.writeHead(200, {
        ...PAGE_HEADERS,
        'Content-Type': 'application/json; charset=utf-8',
        'Cache-Control': 'no-store',
      });
      response.end(request.method === 'HEAD' ? undefined : configBody);
      return;
    }

    await sendFile(request, response, await pageFile(pathname), PAGE_HEADERS);
  });

  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address();

  return {
    url: `http://${host}:${address.port}/`,
    close() {
      const closed = new Promise((resolveClose) => server.close(() => resolveClose()));
      server.closeAllConnections();
      return closed;
    },
  };
}

// /pkg/... comes from the built package, everything else from www/.
function pageFile(pathname) {
  if (pathname === undefined) return undefined;
  if (pathname.startsWith(PACKAGE_PREFIX)) {
    return fileFor(PACKAGE_DIRECTORY, pathname.slice(PACKAGE_PREFIX.length - 1));
  }
  return fileFor(PAGE_DIRECTORY, pathname);
}
