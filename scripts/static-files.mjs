// Serving files from a directory to a browser: which file a request path
// names, and the answer with the content type browsers insist on for modules
// and wasm. The browser tests' static server and the demo's page server share it.
import { readFile, stat } from 'node:fs/promises';
import { extname, join, relative, resolve, sep } from 'node:path';

// Browsers refuse module scripts without a JavaScript type, and
// WebAssembly.instantiateStreaming refuses anything but application/wasm.
export const CONTENT_TYPES = {
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

/**
 * Answers the file under `root` that `pathname` (decoded, starting with a
 * slash) names, `index.html` for a directory, or undefined when there is none
 * or the path climbs out of `root`.
 */
export async function fileFor(root, pathname) {
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

/** The decoded path of a request URL, or undefined when it cannot be decoded. */
export function requestPathname(requestUrl) {
  try {
    return decodeURIComponent(new URL(requestUrl, 'http://localhost').pathname);
  } catch {
    return undefined;
  }
}

/**
 * Answers a GET or HEAD request with the file at `path` (undefined: 404),
 * never cached, with `headers` added.
 */
export async function sendFile(request, response, path, headers = {}) {
  if (!path) {
    response.writeHead(404, { ...headers, 'Content-Type': CONTENT_TYPES['.txt'] }).end('not found\n');
    return;
  }

  let body;
  try {
    body = await readFile(path);
  } catch {
    response.writeHead(500, { ...headers, 'Content-Type': CONTENT_TYPES['.txt'] }).end('unreadable\n');
    return;
  }
  response.writeHead(200, {
    ...headers,
    'Content-Type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}
