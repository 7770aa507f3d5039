// One REST method call as the portal runs it, whether it came alone or inside a batch.

import { methods } from './methods.mjs';
import { methodNotFound } from './rest-error.mjs';

/**
 * Runs the method `name` (lower case, no `.json`) with `params` for a call that started at
 * `startedAt` (portal ms). Returns the success `body` (without `time`) and, with an
 * operating-time limit, the method's `operating` figures. Throws a RestError for an unknown
 * method, a spent operating-time budget or the method's own refusal; only a success counts
 * toward the budget.
 */
export function runMethod(portal, name, params, startedAt) {
  const method = Object.hasOwn(methods, name) ? methods[name] : undefined;
  if (method === undefined) throw methodNotFound();
  portal.operatingTime?.check(name, startedAt);
  const body = method(params, portal.data);
  return { body, operating: portal.operatingTime?.record(name, startedAt) };
}
