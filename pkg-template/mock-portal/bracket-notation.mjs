// Reads PHP's bracket notation (`fields[OWNER_ID]=1110`) into nested objects, as a portal does.

/**
 * Parses a query string or form body. `a[b][c]=1` gives `{a: {b: {c: '1'}}}`, `a[]=x&a[]=y`
 * gives `{a: ['x', 'y']}`; every value stays a string, as PHP leaves it.
 */
export function parseBracketNotation(text) {
  const result = {};
  for (const [name, value] of new URLSearchParams(text)) {
    assign(result, splitName(name), value);
  }
  return result;
}

function splitName(name) {
  // PHP keeps a name whose brackets do not pair up as one literal key.
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(name);
  if (!match) return [name];
  const levels = [...match[2].matchAll(/\[([^[\]]*)\]/g)].map((level) => level[1]);
  return [match[1], ...levels];
}

function assign(root, keys, value) {
  // A `__proto__` level would write into Object.prototype instead of the result.
  if (keys.includes('__proto__')) return;

  let node = root;
  for (const [index, name] of keys.entries()) {
    // An empty level (`a[]`) appends, the way PHP numbers its array keys.
    const key = name === '' ? nextIndex(node) : name;
    if (index === keys.length - 1) {
      node[key] = value;
      return;
    }
    // A later, deeper name wins over an earlier plain value, as in PHP.
    if (node[key] === null || typeof node[key] !== 'object') {
      node[key] = keys[index + 1] === '' ? [] : {};
    }
    node = node[key];
  }
}

function nextIndex(node) {
  return Array.isArray(node) ? node.length : String(Object.keys(node).length);
}
