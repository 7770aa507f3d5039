// Starting and stopping one listening server, and the origin URL it is reached at.

/** Resolves with the port `server` listens on, or rejects when it cannot listen. */
export function listen(server, host, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

/**
 * Resolves once `server` has stopped. Open connections, idle keep-alive ones included, are
 * closed too: a mock must not keep a test process alive.
 */
export function stop(server) {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** `scheme://host:port`, with an unspecified address shown as the loopback one. */
export function origin(scheme, host, port) {
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `${scheme}://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}
