// Where the command sends: a client built from the connection flags and the environment.

import { B24Error, createClient } from '../node.mjs';
import { CommandError, readClientOptions } from './arguments.mjs';

/**
 * A client for the portal the flags and `environment` name, with the flags' call options. Flags
 * win over the environment; an access token is only ever read from B24_ACCESS_TOKEN. Throws a
 * CommandError, without the webhook code or the token, when no usable connection is given.
 */
export function connect(values, environment) {
  const { source, connection } = readConnection(values, environment);
  const options = readClientOptions(values);
  try {
    return createClient({ ...connection, ...options });
  } catch (error) {
    // The package's descriptions never hold the webhook code or the token.
    if (error instanceof B24Error) throw new CommandError(`${source}: ${error.description}`);
    throw error;
  }
}

function readConnection(values, environment) {
  if (values.token !== undefined) {
    throw new CommandError(
      '--token is not accepted: put the access token in B24_ACCESS_TOKEN, so it stays out of ' +
        'shell history, and pass --portal',
    );
  }
  if (values.webhook !== undefined && values.portal !== undefined) {
    throw new CommandError('--webhook and --portal both given: choose one');
  }

  if (values.webhook !== undefined) return webhook('--webhook', values.webhook);
  if (values.portal !== undefined) return oauth('--portal', values.portal, environment);
  if (environment.B24_WEBHOOK_URL) return webhook('B24_WEBHOOK_URL', environment.B24_WEBHOOK_URL);
  if (environment.B24_PORTAL_URL)
    return oauth('B24_PORTAL_URL', environment.B24_PORTAL_URL, environment);
  throw new CommandError(
    'no portal given: pass --webhook URL or --portal URL, or set B24_WEBHOOK_URL or B24_PORTAL_URL',
  );
}

const webhook = (source, webhookUrl) => ({ source, connection: { webhookUrl } });

function oauth(source, portalUrl, environment) {
  const accessToken = environment.B24_ACCESS_TOKEN;
  if (!accessToken) throw new CommandError(`${source} needs the access token in B24_ACCESS_TOKEN`);
  return { source, connection: { portalUrl, accessToken } };
}
