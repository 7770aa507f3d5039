// The `batch` method: up to 50 commands in one request, each run as if it had come alone.

import { methodName } from './auth.mjs';
import { parseBracketNotation } from './bracket-notation.mjs';
import { isPlainObject } from './request-body.mjs';
import { timing } from './responses.mjs';
import {
  RestError,
  batchLengthExceeded,
  batchMethodNotAllowed,
  internalError,
} from './rest-error.mjs';
import { runMethod } from './run-method.mjs';

/** The most commands one batch may hold. */
export const MAX_BATCH_COMMANDS = 50;

/**
 * Runs the commands of `params.cmd` in order, stopping after the first failure when
 * `params.halt` is set. Returns the success `body` without `time`, and the `commands` that ran
 * (`{ key, method, params, ok }`) for the request log. Throws the 400
 * ERROR_BATCH_LENGTH_EXCEEDED, before running any, for more than 50 commands.
 */
export function runBatch(portal, params) {
  const commands = readCommands(params.cmd);
  if (commands.length > MAX_BATCH_COMMANDS) throw batchLengthExceeded();
  const halt = isTruthy(params.halt);

  const sections = {
    result: [],
    result_error: [],
    result_total: [],
    result_next: [],
    result_time: [],
  };
  const ran = [];
  for (const [key, text] of commands) {
    const outcome = runCommand(portal, text);
    ran.push({ key, method: outcome.method, params: outcome.params, ok: !outcome.error });
    if (outcome.error) {
      sections.result_error.push([key, outcome.error]);
      if (halt) break;
      continue;
    }
    const { result, total, next } = outcome.body;
    sections.result.push([key, result]);
    if (total !== undefined) sections.result_total.push([key, total]);
    if (next !== undefined) sections.result_next.push([key, next]);
    sections.result_time.push([key, outcome.time]);
  }

  portal.batchCommands += ran.length;
  const result = Object.fromEntries(
    Object.entries(sections).map(([name, entries]) => [name, phpArray(entries)]),
  );
  return { body: { result }, commands: ran };
}

/**
 * Pairs each command string with its key: an object's own keys, an array's indexes. Anything
 * else holds no commands, and the batch answers with every section empty.
 *
 * Known limitation: keys that look like array indexes ("7") come first, in ascending order,
 * because JavaScript orders an object's keys that way; the portal's PHP keeps the order sent.
 */
function readCommands(cmd) {
  if (Array.isArray(cmd)) return cmd.map((text, index) => [String(index), text]);
  if (isPlainObject(cmd)) return Object.entries(cmd);
  return [];
}

/**
 * Runs one command: a queued command fault answers first, then the method runs with the same
 * checks as a call of its own. Returns `{ method, params }` plus either `body` and `time`
 * or `error` (`{ error, error_description }`, the shape `result_error` holds).
 */
function runCommand(portal, text) {
  const { method, params } = parseCommand(text);
  const fault = portal.commandFaults.take();
  if (fault !== undefined) return { method, params, error: fault };

  const startedAt = portal.clock.now();
  try {
    if (method === 'batch') throw batchMethodNotAllowed();
    const { body, operating } = runMethod(portal, method, params, startedAt);
    return { method, params, body, time: timing(startedAt, portal.clock.now(), operating) };
  } catch (error) {
    const failure = error instanceof RestError ? error : internalError();
    return {
      method,
      params,
      error: { error: failure.code, error_description: failure.message },
    };
  }
}

/**
 * Reads `crm.timeline.bindings.bind?fields[OWNER_ID]=1110`: the method name up to the first
 * `?`, then a URL query in bracket notation, decoded as a query string is (`%26`, `+`). A
 * command that is not a string names no method, so it fails as an unknown one.
 */
function parseCommand(text) {
  if (typeof text !== 'string') return { method: '', params: {} };
  const mark = text.indexOf('?');
  const name = mark === -1 ? text : text.slice(0, mark);
  const query = mark === -1 ? '' : text.slice(mark + 1);
  return { method: methodName(name.trim()), params: parseBracketNotation(query) };
}

// PHP's truthiness, as the portal reads `halt`: a form's "0" and "" are false, like JSON's 0.
function isTruthy(value) {
  return ![undefined, null, false, 0, '', '0'].includes(value);
}

// The portal's PHP writes an array whose keys run 0, 1, ... as a JSON list and any other as an
// object. So an empty section is `[]`, and a section of a `cmd` list stays a list while no
// command before its last entry is missing from it.
function phpArray(entries) {
  const isList = entries.every(([key], index) => key === String(index));
  return isList ? entries.map(([, value]) => value) : Object.fromEntries(entries);
}
