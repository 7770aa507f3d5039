// A static file server for browser tests: serves one directory over HTTP on
// 127.0.0.1, with the content types browsers insist on for modules and wasm.
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { extname, join, relative, resolve, sep } from 'node:path';

// Browsers refuse module scripts without a JavaScript type, and
// WebAssembly.instantiateStreaming refuses anything but application/wasm.
const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Answers the file under `root` that a request path names, or undefined. */
async function fileFor(root, requestUrl) {
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(requestUrl, 'http://localhost').pathname);
  } catch {
    return undefined;
  }

  // The check is on the path as requested, not on where it leads: symbolic
  // links are followed on purpose, since a consumer project's
  // node_modules/b24-timeline points outside the served directory.
  let path = resolve(root, '.' + pathname);
  const inside = relative(root, path);
  if (inside === '..' || inside.startsWith('..' + sep)) return undefined;

  let stats = await stat(path).catch(() => undefined);
  if (stats?.isDirectory()) {
    path = join(path, 'index.html');
    stats = await stat(path).catch(() => undefined);
  }
  return stats?.isFile() ? path : undefined;
}

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

    const path = await fileFor(directory, request.url);
    if (!path) {
      response.writeHead(404, { 'Content-Type': CONTENT_TYPES['.txt'] }).end('not found\n');
      return;
    }

    let body;
    try {
      body = await readFile(path);
    } catch {
      response.writeHead(500, { 'Content-Type': CONTENT_TYPES['.txt'] }).end('unreadable\n');
      return;
    }
    response.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
      'Content-Length': body.length,
      'Cache-Control': 'no-store',
    });
    response.end(request.method === 'HEAD' ? undefined : body);
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
