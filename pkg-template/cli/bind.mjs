// The bind command: one timeline record bound to one CRM entity.

import { B24Error, validateBindFields } from '../node.mjs';
import { CommandError, EXIT, HELP, readCommandArguments } from './arguments.mjs';
import { connect } from './connection.mjs';
import { failureOf, jsonLine } from './output.mjs';

/** Kinds of error that mean the portal was never usable: a connection error, exit status 2. */
export const CONNECTION_KINDS = ['network', 'auth'];

/**
 * Runs `bind` with the words after its name; resolves with the exit status. Throws a
 * CommandError for a usage or connection mistake.
 */
export async function runBind(args, { stdout, stderr, environment }) {
  const { values } = readCommandArguments('bind', args);
  if (values.help) {
    stdout.write(HELP.bind + '\n');
    return EXIT.bound;
  }
  const fields = readFields(values);
  const client = connect(values, environment);

  const binding = `timeline record ${fields.OWNER_ID} to ${fields.ENTITY_TYPE} ${fields.ENTITY_ID}`;
  let entry;
  try {
    const { result } = await client.bindTimeline(fields);
    entry = { ok: true, result };
  } catch (error) {
    if (!(error instanceof B24Error)) throw error;
    entry = { ok: false, error };
  }

  if (values.json) stdout.write(jsonLine(undefined, entry) + '\n');
  if (entry.ok && entry.result) {
    if (!values.json) stdout.write(`Bound ${binding}.\n`);
    return EXIT.bound;
  }
  const failure = failureOf(entry);
  stderr.write(
    `b24-timeline: could not bind ${binding}: ${failure.code}: ${failure.description}\n`,
  );
  return CONNECTION_KINDS.includes(failure.kind) ? EXIT.usage : EXIT.someFailed;
}

// --owner ID and --entity TYPE:ID, checked as the package checks them before sending.
function readFields(values) {
  if (values.owner === undefined) throw new CommandError('missing --owner ID');
  if (values.entity === undefined) throw new CommandError('missing --entity TYPE:ID');
  const entity = /^([^:]*):(.*)$/.exec(values.entity);
  if (!entity) throw new CommandError('--entity must be TYPE:ID, e.g. deal:10');

  try {
    return validateBindFields({
      OWNER_ID: values.owner,
      ENTITY_ID: entity[2],
      ENTITY_TYPE: entity[1],
    });
  } catch (error) {
    if (!(error instanceof B24Error)) throw error;
    const flag = error.field === 'OWNER_ID' ? '--owner' : '--entity';
    throw new CommandError(`${flag}: ${error.description}`);
  }
}
