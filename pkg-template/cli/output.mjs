// What the command prints about its items: the JSON lines of --json and the lines a person reads.

/**
 * The --json line of one item: `{"row", "ok": true, "result"}`, or `{"row", "ok": false, "code",
 * "kind", "description"}` plus `"field"` for a field error. `row` is numbered as `readRows` says.
 */
export function jsonLine(number, entry) {
  if (entry.ok) return JSON.stringify({ row: number, ok: true, result: entry.result });
  const { code, kind, description, field } = entry.error;
  return JSON.stringify({ row: number, ok: false, code, kind, description, field });
}

/**
 * One line on a failed row, naming the row and, for a field error, its column (CSV) or field
 * (JSON): `line 7, column OWNER_ID: OWNER_ID_INVALID: OWNER_ID is not defined or invalid.`
 */
export function failureLine(unit, number, failure) {
  const place =
    failure.field === undefined ? '' : `, ${unit === 'line' ? 'column' : 'field'} ${failure.field}`;
  return `${unit} ${number}${place}: ${failure.code}: ${failure.description}`;
}

/**
 * The code and description a failed item is reported with. An item the portal answered with
 * `result: false` did not fail as such, but was not bound either: it gets the code NOT_BOUND.
 */
export function failureOf(entry) {
  if (entry.ok) {
    return {
      code: 'NOT_BOUND',
      description: 'The portal answered false: the binding was not made.',
    };
  }
  const { code, kind, description, field } = entry.error;
  return { code, kind, description, field };
}
