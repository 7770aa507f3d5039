// A local stand-in for a Bitrix24 portal that answers `crm.timeline.bindings.*` and `batch` calls.

import { randomInt } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { createCertificate } from './certificate.mjs';
import { createPortalClock } from './clock.mjs';
import { createCommandFaultQueue } from './command-faults.mjs';
import { createPortalData } from './data.mjs';
import { createFaultQueue } from './faults.mjs';
import { createRequestHandler } from './handler.mjs';
import { listen, origin, stop } from './http-server.mjs';
import { createLeakyBucket } from './leaky-bucket.mjs';
import { createOperatingLimit } from './operating-time.mjs';
import { createTokenStore, randomToken } from './tokens.mjs';

export { createCertificate };

/**
 * Starts the mock portal: an HTTP server and, with `https: true`, an HTTPS server with a fresh
 * self-signed certificate, both answering from one shared state. Resolves with the handle
 * described in `index.d.ts`. Rejects with a TypeError for an invalid limit, time scale or
 * token lifetime, when a port cannot be bound, or when HTTPS is asked for and the `selfsigned`
 * package is not installed; nothing is left listening then.
 */
export async function startMockPortal(options = {}) {
  const {
    host = '127.0.0.1',
    port = 0,
    https: withHttps = false,
    httpsPort = 0,
    userId = 1,
    webhookCode = randomWebhookCode(),
    accessToken = randomToken(),
    expiredTokens = [],
    tokenLifetimeMs,
    requireHttps = false,
    rateLimit = false,
    operatingLimit = false,
    timeScale = 1,
    log,
  } = options;

  // Checked before anything listens, so a mistaken option leaves no server behind.
  const clock = createPortalClock(timeScale);
  const bucket = createLeakyBucket(rateLimit, clock);
  const operatingTime = createOperatingLimit(operatingLimit);
  const tokens = createTokenStore({ accessToken, expiredTokens, tokenLifetimeMs });

  // Made before anything listens, so a missing `selfsigned` leaves no server behind. A caller
  // may pass one made earlier, so a client process can trust it from its start.
  const certificate = withHttps ? (options.certificate ?? (await createCertificate())) : undefined;

  const data = createPortalData(options);
  const faults = createFaultQueue();
  const commandFaults = createCommandFaultQueue();
  const requests = [];
  const closing = new AbortController();
  const portal = {
    userId,
    webhookCode,
    tokens,
    requireHttps,
    clock,
    bucket,
    operatingTime,
    data,
    faults,
    commandFaults,
    batchCommands: 0,
    requests,
    log: typeof log === 'function' ? log : undefined,
    signal: closing.signal,
    queueFaults: (list) => faults.add(...list),
    queueCommandFault: (fault) => commandFaults.add(fault),
    clearFaults() {
      faults.clear();
      commandFaults.clear();
    },
    reset() {
      requests.length = 0;
      portal.clearFaults();
      portal.batchCommands = 0;
      data.clear();
      bucket?.empty();
      operatingTime?.clear();
      tokens.reset();
    },
  };

  const servers = [];
  let closed;
  const close = () => {
    closing.abort();
    closed ??= Promise.all(servers.map(stop)).then(() => undefined);
    return closed;
  };

  let url;
  let httpsUrl;
  try {
    servers.push(http.createServer(createRequestHandler(portal, 'http')));
    url = origin('http', host, await listen(servers[0], host, port));
    if (certificate !== undefined) {
      servers.push(https.createServer(certificate, createRequestHandler(portal, 'https')));
      httpsUrl = origin('https', host, await listen(servers[1], host, httpsPort));
    }
  } catch (error) {
    await close();
    throw error;
  }

  const webhookPath = `/rest/${userId}/${webhookCode}/`;
  return {
    url,
    httpsUrl,
    webhookUrl: url + webhookPath,
    httpsWebhookUrl: httpsUrl && httpsUrl + webhookPath,
    portalUrl: url,
    httpsPortalUrl: httpsUrl,
    userId,
    webhookCode,
    accessToken,
    caCert: certificate?.cert,
    requests,
    get bindings() {
      return Object.freeze(data.bindings.map((binding) => Object.freeze({ ...binding })));
    },
    rateLimit: bucket === undefined ? undefined : describeBucket(bucket, timeScale),
    get stats() {
      return Object.freeze({
        queryLimitExceeded: bucket?.refusals ?? 0,
        operationTimeLimit: operatingTime?.refusals ?? 0,
        batchCommands: portal.batchCommands,
      });
    },
    issueToken: tokens.issue,
    expireToken: tokens.expire,
    queueFault(fault) {
      faults.add(fault);
    },
    queueCommandFault: portal.queueCommandFault,
    clearFaults: portal.clearFaults,
    reset: portal.reset,
    close,
  };
}

// What a caller may read of the bucket: its settings and its level, not its controls.
function describeBucket(bucket, timeScale) {
  const { burst, drainPerSecond, level } = bucket;
  return Object.freeze({ burst, drainPerSecond, timeScale, level });
}

// Shaped like a real webhook code: 16 lower-case letters and digits.
function randomWebhookCode() {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from({ length: 16 }, () => alphabet[randomInt(alphabet.length)]).join('');
}
