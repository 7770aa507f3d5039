// The REST methods the mock answers, validated the way the portal's PHP reads its input.

import { ENTITY_TYPES } from './data.mjs';
import { RestError, invalidArgument } from './rest-error.mjs';
import { isPlainObject } from './request-body.mjs';

/**
 * The methods by lower-case name. Each takes the parsed parameters and the portal data, returns
 * the success body without `time`, and throws a RestError when the portal would refuse.
 */
export const methods = {
  'crm.timeline.bindings.bind'(params, data) {
    data.bind(readBinding(params.fields, data));
    return { result: true };
  },

  'crm.timeline.bindings.unbind'(params, data) {
    if (!data.unbind(readBinding(params.fields, data))) throw invalidArgument('Not found.');
    return { result: true };
  },

  'crm.timeline.bindings.list'(params, data) {
    const filter = isPlainObject(params.filter) ? params.filter : {};
    const items = data.bindingsOf(readOwnerId(filter.OWNER_ID, data)).map((binding) => ({
      OWNER_ID: String(binding.OWNER_ID),
      ENTITY_ID: String(binding.ENTITY_ID),
      ENTITY_TYPE: binding.ENTITY_TYPE,
    }));
    return { result: { items }, total: items.length };
  },
};

// The checks run in the portal's order, so the first invalid field is the one reported.
function readBinding(fields, data) {
  if (!isPlainObject(fields)) {
    throw new RestError(400, 'ERROR_ARGUMENT', "Argument 'fields' is null or empty");
  }
  const ownerId = readOwnerId(fields.OWNER_ID, data);

  const type = typeof fields.ENTITY_TYPE === 'string' ? fields.ENTITY_TYPE.toLowerCase() : '';
  if (!ENTITY_TYPES.includes(type)) {
    throw invalidArgument('ENTITY_TYPE is not defined or invalid.');
  }

  const entityId = positiveInteger(fields.ENTITY_ID);
  if (entityId === undefined || !data.hasEntity(type, entityId)) {
    throw invalidArgument('ENTITY_ID is not defined or invalid.');
  }
  if (data.isDenied(type, entityId)) throw invalidArgument('Access denied.');

  return { OWNER_ID: ownerId, ENTITY_ID: entityId, ENTITY_TYPE: type };
}

function readOwnerId(value, data) {
  const ownerId = positiveInteger(value);
  if (ownerId === undefined || !data.hasRecord(ownerId)) {
    throw invalidArgument('OWNER_ID is not defined or invalid.');
  }
  return ownerId;
}

// A JSON body gives numbers, a form body or query gives strings of digits: both are ids.
function positiveInteger(value) {
  const isDigits = typeof value === 'string' && /^\d+$/.test(value);
  const number = typeof value === 'number' ? value : isDigits ? Number(value) : NaN;
  return Number.isSafeInteger(number) && number > 0 ? number : undefined;
}
