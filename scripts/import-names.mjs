// Drops the hashes wasm-bindgen appends to import names.
//
// wasm-bindgen names each JavaScript import after its Rust binding plus a
// hash (`__wbg_isArray_155184a443b0ce29`), and both the .wasm and its glue
// carry every name. Random hex barely compresses: across some thirty imports
// the hashes cost about half a kilobyte of an app's gzipped payload. The
// names mean nothing at run time beyond matching between the two files, so
// the build renames them in both, keeping a name unique with a counter when
// two bindings share their readable part.

const HASHED = /^(.*)_[0-9a-f]{16}$/;

/**
 * Answers `{ wasm, glue }`: the module's bytes and its glue's text with every
 * hashed import name shortened alike. Other imports and sections stay as
 * they are.
 */
export function shortenImportNames(wasm, glue) {
  const renames = new Map();
  const taken = new Set();
  const rename = (name) => {
    const hashed = HASHED.exec(name);
    if (!hashed) return name;
    if (!renames.has(name)) {
      let short = hashed[1];
      for (let counter = 2; taken.has(short); counter += 1) short = `${hashed[1]}_${counter}`;
      taken.add(short);
      renames.set(name, short);
    }
    return renames.get(name);
  };

  const sections = readSections(wasm);
  for (const section of sections) {
    if (section.id === 2) section.body = rewriteImports(section.body, rename);
  }

  let text = glue;
  for (const [from, to] of renames) {
    // Each name occurs in the glue as the key of its import.
    text = text.split(from).join(to);
  }
  return { wasm: writeSections(wasm.subarray(0, 8), sections), glue: text };
}

function readSections(bytes) {
  const sections = [];
  const reader = new Reader(bytes, 8);
  while (reader.offset < bytes.length) {
    const id = reader.byte();
    const size = reader.unsigned();
    sections.push({ id, body: bytes.subarray(reader.offset, reader.offset + size) });
    reader.offset += size;
  }
  return sections;
}

function writeSections(header, sections) {
  const parts = [header];
  for (const { id, body } of sections) parts.push(Uint8Array.of(id), unsigned(body.length), body);
  return concat(parts);
}

/** The import section with every name passed through `rename`. */
function rewriteImports(body, rename) {
  const reader = new Reader(body, 0);
  const count = reader.unsigned();
  const parts = [unsigned(count)];
  for (let index = 0; index < count; index += 1) {
    const module = reader.name();
    const field = reader.name();
    const start = reader.offset;
    skipDescriptor(reader);
    parts.push(name(module), name(rename(field)), body.subarray(start, reader.offset));
  }
  return concat(parts);
}

function skipDescriptor(reader) {
  const kind = reader.byte();
  if (kind === 0) {
    reader.unsigned(); // function: type index
  } else if (kind === 1) {
    reader.byte(); // table: element type, then limits
    skipLimits(reader);
  } else if (kind === 2) {
    skipLimits(reader); // memory
  } else if (kind === 3) {
    reader.offset += 2; // global: value type and mutability
  } else if (kind === 4) {
    reader.byte(); // tag: attribute, then type index
    reader.unsigned();
  } else {
    throw new Error(`unknown import kind ${kind}`);
  }
}

function skipLimits(reader) {
  const flags = reader.byte();
  reader.unsigned();
  if (flags & 1) reader.unsigned();
}

class Reader {
  constructor(bytes, offset) {
    this.bytes = bytes;
    this.offset = offset;
  }

  byte() {
    return this.bytes[this.offset++];
  }

  unsigned() {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = this.byte();
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
    }
  }

  name() {
    const length = this.unsigned();
    const text = new TextDecoder().decode(this.bytes.subarray(this.offset, this.offset + length));
    this.offset += length;
    return text;
  }
}

function unsigned(value) {
  const bytes = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    bytes.push(byte);
  } while (value > 0);
  return Uint8Array.from(bytes);
}

function name(text) {
  const bytes = new TextEncoder().encode(text);
  return concat([unsigned(bytes.length), bytes]);
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
