// A static file server for browser tests: serves one directory over HTTP on
// 127.0.0.1, with the content types browsers insist on for modules and wasm.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { fileFor, requestPathname, sendFile } from '../../../scripts/static-files.mjs';

/**
 * Serves `root` on a free port of 127.0.0.1 and answers `{ url, close }`:
 * `url` ends with a slash, `close()` resolves once every connection is gone.
 */
export async function startStaticServer(root) {
  const directory = resolve(root);

  const server = createServer(async (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const pathname = requestPathname(request.url);
    const path = pathname === undefined ? undefined : await fileFor(directory, pathname);
    await sendFile(request, response, path);
  });

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();

  return {
    url: `http://127.0.0.1:${port}/`,
    close() {
      const closed = new Promise((resolveClose) => server.close(() => resolveClose()));
      server.closeAllConnections();
      return closed;
    },
  };
}
