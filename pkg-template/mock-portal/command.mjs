// The mock portal's command line, shared by its own bin and `b24-timeline mock-portal`: starts
// the portal, says where it listens, serves until stopped.

import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startMockPortal } from './index.mjs';

const usage = (name) => `Usage: ${name} [options]

Serves a local stand-in for a Bitrix24 portal (crm.timeline.bindings.*, batch) until Ctrl+C.

  --port N               HTTP port (default: a free one)
  --https                also serve HTTPS with a fresh self-signed certificate
  --https-port N         HTTPS port (default: a free one; implies --https)
  --webhook-code CODE    webhook code (default: random)
  --access-token TOKEN   OAuth access token (default: random)
  --ca-file PATH         write the certificate PEM here, for NODE_EXTRA_CA_CERTS (implies --https)
  --rate-limit LIMIT     refuse requests over a leaky bucket with 503 QUERY_LIMIT_EXCEEDED:
                         standard (burst 50, drains 2/s), enterprise (250, 5/s) or BURST:DRAIN
  --time-scale N         run the portal clock N times as fast as real time (default 1)
  --help                 show this text`;

/** A mistake on the command line: reported in one line, exit status 2. */
class UsageError extends Error {}

function readOptions(args) {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: {
        port: { type: 'string' },
        https: { type: 'boolean' },
        'https-port': { type: 'string' },
        'webhook-code': { type: 'string' },
        'access-token': { type: 'string' },
        'ca-file': { type: 'string' },
        'rate-limit': { type: 'string' },
        'time-scale': { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    // parseArgs names the flag; its advice on positional arguments only adds noise here.
    throw new UsageError(error.message.split('. ')[0]);
  }

  if (values['webhook-code'] === '') throw new UsageError('--webhook-code must not be empty');
  if (values['access-token'] === '') throw new UsageError('--access-token must not be empty');
  return {
    help: values.help ?? false,
    caFile: values['ca-file'],
    portal: {
      port: readPort(values.port, '--port'),
      https: Boolean(values.https || values['https-port'] || values['ca-file']),
      httpsPort: readPort(values['https-port'], '--https-port'),
      webhookCode: values['webhook-code'],
      accessToken: values['access-token'],
      rateLimit: readRateLimit(values['rate-limit']),
      timeScale: readTimeScale(values['time-scale']),
      log: (line) => console.log(line),
    },
  };
}

function readPort(text, flag) {
  if (text === undefined) return 0;
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(port <= 65535)) throw new UsageError(`${flag} must be a port number from 0 to 65535`);
  return port;
}

// `standard`, `enterprise`, or `BURST:DRAIN` such as `10:0.5`; off when the flag is absent.
function readRateLimit(text) {
  if (text === undefined) return false;
  if (text === 'standard' || text === 'enterprise') return text;
  const [burst, drainPerSecond, ...rest] = text.split(':').map(readNumber);
  if (rest.length > 0 || !(burst > 0) || !(drainPerSecond >= 0)) {
    throw new UsageError('--rate-limit must be standard, enterprise or BURST:DRAIN, e.g. 10:0.5');
  }
  return { burst, drainPerSecond };
}

function readTimeScale(text) {
  if (text === undefined) return 1;
  const scale = readNumber(text);
  if (!(scale > 0)) throw new UsageError('--time-scale must be a positive number');
  return scale;
}

// Plain decimal numbers only: `Number` would also take '', '0x10' and 'Infinity'.
function readNumber(text) {
  return /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
}

/**
 * Runs the command with `args` (the words after the command's name), printing as `name`.
 * Resolves once the portal listens, or at once with exit status 2 for a usage mistake; the
 * portal then serves until SIGINT or SIGTERM.
 */
export async function runMockPortalCommand(args, name) {
  let options;
  try {
    options = readOptions(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${name}: ${error.message} (see --help)`);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    console.log(usage(name));
    return;
  }

  const portal = await startMockPortal(options.portal);
  if (options.caFile !== undefined) await writeFile(options.caFile, portal.caCert);

  // Listening before the lines below go out: whoever reads them may stop the mock at once.
  const shutDown = async () => {
    process.off('SIGINT', shutDown);
    process.off('SIGTERM', shutDown);
    await portal.close();
    console.log('mock portal stopped');
  };
  process.on('SIGINT', shutDown);
  process.on('SIGTERM', shutDown);

  // The webhook URL holds the code: it is the mock's own throwaway secret, shown so it is usable.
  console.log(`http:    ${portal.url}`);
  if (portal.httpsUrl) console.log(`https:   ${portal.httpsUrl}`);
  if (options.caFile !== undefined) console.log(`ca file: ${options.caFile}`);
  if (portal.rateLimit !== undefined) console.log(`limit:   ${describeLimit(portal.rateLimit)}`);
  console.log(`webhook: ${portal.httpsWebhookUrl ?? portal.webhookUrl}`);
  console.log('Press Ctrl+C to stop.');
}

function describeLimit({ burst, drainPerSecond, timeScale }) {
  const clock = timeScale === 1 ? '' : `, portal clock x${timeScale}`;
  return `burst ${burst}, drains ${drainPerSecond}/s${clock}`;
}
