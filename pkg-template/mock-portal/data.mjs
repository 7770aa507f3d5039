// The portal's timeline records and CRM entities, and the bindings made between them.

/** The entity types `crm.timeline.bindings.*` accepts, in the portal's lower case. */
export const ENTITY_TYPES = ['lead', 'deal', 'contact', 'company', 'order'];

const oneToTwenty = Array.from({ length: 20 }, (_, index) => index + 1);

const DEFAULT_RECORDS = [1110, 1111, 1112, 1113, 1114, 1115];
const DEFAULT_ENTITIES = Object.fromEntries(ENTITY_TYPES.map((type) => [type, oneToTwenty]));
const DEFAULT_DENIED = [{ ENTITY_TYPE: 'deal', ENTITY_ID: 13 }];

/**
 * Creates the portal's data from the `records`, `entities` and `deniedEntities` options; each
 * one given replaces its default whole.
 */
export function createPortalData({ records, entities, deniedEntities } = {}) {
  const recordIds = new Set((records ?? DEFAULT_RECORDS).map(Number));
  const entityIds = new Map(
    Object.entries(entities ?? DEFAULT_ENTITIES).map(([type, ids]) => [
      type.toLowerCase(),
      new Set(ids.map(Number)),
    ]),
  );
  const denied = new Set(
    (deniedEntities ?? DEFAULT_DENIED).map((entity) =>
      entityKey(String(entity.ENTITY_TYPE).toLowerCase(), Number(entity.ENTITY_ID)),
    ),
  );
  const bindings = [];
  const indexOf = (binding) =>
    bindings.findIndex(
      (stored) =>
        stored.OWNER_ID === binding.OWNER_ID &&
        stored.ENTITY_ID === binding.ENTITY_ID &&
        stored.ENTITY_TYPE === binding.ENTITY_TYPE,
    );

  return {
    bindings,
    hasRecord: (id) => recordIds.has(id),
    hasEntity: (type, id) => entityIds.get(type)?.has(id) ?? false,
    isDenied: (type, id) => denied.has(entityKey(type, id)),

    /** Stores a binding; an existing one is left as it is. */
    bind(binding) {
      if (indexOf(binding) === -1) bindings.push(binding);
    },

    /** Removes a binding; false when there was none. */
    unbind(binding) {
      const index = indexOf(binding);
      if (index !== -1) bindings.splice(index, 1);
      return index !== -1;
    },

    bindingsOf: (ownerId) => bindings.filter((binding) => binding.OWNER_ID === ownerId),
    clear: () => bindings.splice(0),
  };
}

function entityKey(type, id) {
  return `${type}:${id}`;
}
