// The command line's words read into options: one parser per command, the help texts, and the
// error that ends a run with exit status 2.

import { parseArgs } from 'node:util';

/** Exit statuses, as the help text and the README list them. */
export const EXIT = Object.freeze({ bound: 0, someFailed: 1, usage: 2, abandoned: 130 });

/**
 * A mistake in how the command was called or where it points (a flag, a file's header, the
 * connection): reported in one line on stderr, exit status 2. Its message never holds a secret.
 */
export class CommandError extends Error {}

const CONNECTION_HELP = `Connection:
  --webhook URL          the incoming webhook, https://HOST/rest/USER_ID/CODE/;
                         default: the environment variable B24_WEBHOOK_URL
  --portal URL           the portal, https://HOST, with an OAuth access token taken from
                         B24_ACCESS_TOKEN (never from the command line); default: B24_PORTAL_URL
  --plan PLAN            the portal's request limit to stay under: standard (default) or enterprise
  --max-attempts N       attempts per request in all, 1 to 100 (default 3)
  --timeout SECONDS      how long one attempt may take (default: no limit)

Output:
  --json                 print one JSON line per item on stdout, the summary on stderr
  --help                 show this text

Exit status: 0 all bound, 1 some items failed (rows a Ctrl-C left unsent
included), 2 a usage or connection error; 130 when a second Ctrl-C quits at once.`;

export const HELP = {
  main: `Usage: b24-timeline COMMAND [options]

Binds Bitrix24 timeline records to CRM entities (crm.timeline.bindings.bind).

Commands:
  bind --owner ID --entity TYPE:ID   bind one timeline record to one CRM entity
  bind-many FILE                     bind every row of a CSV file or JSON array; - reads stdin
  mock-portal                        start a local mock portal and print its webhook

Run b24-timeline COMMAND --help for a command's options.`,

  bind: `Usage: b24-timeline bind --owner ID --entity TYPE:ID [options]

Binds timeline record ID (OWNER_ID) to one CRM entity, e.g. --owner 1110 --entity deal:10.
TYPE is lead, deal, contact, company or order.

${CONNECTION_HELP}`,

  'bind-many': `Usage: b24-timeline bind-many FILE [options]

Binds every row of FILE, a CSV file with a header naming OWNER_ID, ENTITY_ID and ENTITY_TYPE
(in any order; other columns are ignored) or a JSON array of objects with those fields.
FILE - reads standard input. Rows go out 50 to a batch request.

  --failures PATH        write the rows that failed to PATH as CSV, with their code and
                         description, ready to be passed back as FILE (only a header when none
                         failed)

On a terminal a progress bar shows items done, the rate and the time left; otherwise only the
summary is printed. Ctrl-C stops sending, waits for the requests in flight, then prints the
summary and writes the failures file; rows never sent fail with ABORTED.

${CONNECTION_HELP}`,
};

const CONNECTION_OPTIONS = {
  webhook: { type: 'string' },
  portal: { type: 'string' },
  // Only read to refuse it: a token on the command line ends up in shell history.
  token: { type: 'string' },
  plan: { type: 'string' },
  'max-attempts': { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
};

const COMMAND_OPTIONS = {
  bind: {
    options: { ...CONNECTION_OPTIONS, owner: { type: 'string' }, entity: { type: 'string' } },
    positionals: 0,
  },
  'bind-many': {
    options: { ...CONNECTION_OPTIONS, failures: { type: 'string' } },
    positionals: 1,
  },
};

/**
 * Reads the words after a binding command's name into `{ values, positionals }`. Throws a
 * CommandError naming the offending argument.
 */
export function readCommandArguments(command, args) {
  const { options, positionals: expected } = COMMAND_OPTIONS[command];
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    // parseArgs names the flag; its advice on positionals that start with '-' is noise here.
    throw new CommandError(error.message.split(/\.\s/)[0]);
  }
  const { values, positionals } = parsed;
  if (values.help) return { values, positionals };

  if (positionals.length > expected) {
    throw new CommandError(`unexpected argument '${positionals[expected]}'`);
  }
  if (positionals.length < expected) throw new CommandError('missing the FILE argument');
  return { values, positionals };
}

/**
 * The client options the flags ask for: `rateLimit`, `maxAttempts`, `timeoutMs`. Throws a
 * CommandError naming the flag whose value is unusable.
 */
export function readClientOptions(values) {
  const options = {};
  if (values.plan !== undefined) {
    if (values.plan !== 'standard' && values.plan !== 'enterprise') {
      throw new CommandError('--plan must be standard or enterprise');
    }
    options.rateLimit = values.plan;
  }
  if (values['max-attempts'] !== undefined) {
    const attempts = /^\d+$/.test(values['max-attempts']) ? Number(values['max-attempts']) : NaN;
    if (!(attempts >= 1 && attempts <= 100)) {
      throw new CommandError('--max-attempts must be a whole number from 1 to 100');
    }
    options.maxAttempts = attempts;
  }
  if (values.timeout !== undefined) {
    const seconds = /^\d+(\.\d+)?$/.test(values.timeout) ? Number(values.timeout) : NaN;
    if (!(seconds > 0)) throw new CommandError('--timeout must be a positive number of seconds');
    options.timeoutMs = Math.ceil(seconds * 1000);
  }
  return options;
}
