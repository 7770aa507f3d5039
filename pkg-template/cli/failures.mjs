// The failures file: the rows that did not bind, as CSV that bind-many reads back, each with
// the code and description of its error.

import { writeFile } from 'node:fs/promises';
import { CommandError } from './arguments.mjs';
import { FIELDS } from './rows.mjs';

const HEADER = [...FIELDS, 'code', 'description'];

/**
 * Writes the failures file's header to `path`, emptying what a previous run left there, so an
 * unwritable path stops the run before anything is sent. Throws a CommandError naming the path.
 */
export function startFailuresFile(path) {
  return writeFailures(path, []);
}

/**
 * Writes `failures`, each `{ fields, code, description }`, to `path` after the header. The
 * descriptions are the package's, which never hold the webhook code or the token.
 */
export async function writeFailures(path, failures) {
  const lines = [
    HEADER,
    ...failures.map(({ fields, code, description }) => [
      ...FIELDS.map((field) => cellOf(fields?.[field])),
      code,
      description,
    ]),
  ];
  const text = lines.map((cells) => cells.map(quoted).join(',') + '\n').join('');
  try {
    await writeFile(path, text);
  } catch (error) {
    throw new CommandError(`--failures ${path}: cannot write it (${error.code})`);
  }
}

// A value as the input gave it; a JSON item's odd values (objects, null) keep their JSON text.
function cellOf(value) {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

// RFC 4180: a field with a comma, a quote or a line break goes in quotes, quotes doubled.
function quoted(cell) {
  return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}
