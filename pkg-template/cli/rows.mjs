// Reading bind-many's input: a CSV file with a header, or a JSON array of objects, from a file
// or standard input, into rows of the three binding fields.

import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { CommandError } from './arguments.mjs';

/** The binding fields, in the order the failures file writes them. */
export const FIELDS = ['OWNER_ID', 'ENTITY_ID', 'ENTITY_TYPE'];

/**
 * Reads `path` (`-` for `stdin`) into `{ unit, rows }`. `unit` is how a row is named in
 * messages: `line` for CSV, where a row's number is the file line it ends on (the header is
 * line 1), or `item` for JSON, where it is the 1-based position in the array. Each row is
 * `{ number, fields }`, the fields as the file gives them, not yet checked. Throws a
 * CommandError when the file cannot be read or is not CSV or JSON of that shape.
 */
export async function readRows(path, stdin) {
  const name = path === '-' ? 'standard input' : path;
  const text = path === '-' ? await readAll(stdin) : await readText(path);

  // JSON starts with '[' (or '{', to be refused as not an array); a CSV header never does.
  const start = text.replace(/^\uFEFF/, '').trimStart();
  return /^[[{]/.test(start) ? readJson(start, name) : readCsv(text, name);
}

async function readText(path) {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const reason = error.code === 'ENOENT' ? 'no such file' : `cannot read it (${error.code})`;
    throw new CommandError(`${path}: ${reason}`);
  }
}

async function readAll(stream) {
  stream.setEncoding('utf8');
  let text = '';
  for await (const chunk of stream) text += chunk;
  return text;
}

function readJson(text, name) {
  let items;
  try {
    items = JSON.parse(text);
  } catch (error) {
    throw new CommandError(`${name}: not valid JSON (${error.message})`);
  }
  if (!Array.isArray(items)) throw new CommandError(`${name}: expected a JSON array of objects`);

  const rows = items.map((item, index) => ({ number: index + 1, fields: pickFields(item) }));
  return { unit: 'item', rows };
}

// Anything but an object goes on as it is, for the package to refuse with ERROR_ARGUMENT.
function pickFields(item) {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
  return Object.fromEntries(FIELDS.map((field) => [field, item[field]]));
}

function readCsv(text, name) {
  let records;
  try {
    // Short rows are kept rather than refused, so the missing field fails that row alone.
    records = parse(text, {
      bom: true,
      info: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
    });
  } catch (error) {
    throw new CommandError(`${name}: not valid CSV (${error.message})`);
  }
  if (records.length === 0) {
    throw new CommandError(`${name}: empty; expected a header naming ${FIELDS.join(', ')}`);
  }

  const [header, ...data] = records;
  const columns = columnsOf(header.record, name);
  const rows = data.map(({ record, info }) => ({
    number: info.lines,
    fields: Object.fromEntries(FIELDS.map((field) => [field, record[columns[field]]])),
  }));
  return { unit: 'line', rows };
}

// Where each field's column is; names match whatever their letter case, as spreadsheets vary.
function columnsOf(header, name) {
  const names = header.map((column) => column.toUpperCase());
  const columns = {};
  for (const field of FIELDS) {
    const index = names.indexOf(field);
    if (index === -1) {
      throw new CommandError(
        `${name} line 1: the header has no ${field} column (it needs ${FIELDS.join(', ')}, ` +
          'in any order)',
      );
    }
    if (names.indexOf(field, index + 1) !== -1) {
      throw new CommandError(`${name} line 1: the header has two ${field} columns`);
    }
    columns[field] = index;
  }
  return columns;
}
