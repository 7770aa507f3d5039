// Reads a request body and turns it into the parameters a portal method receives.

import { parseBracketNotation } from './bracket-notation.mjs';
import { bodyTooLarge, invalidJson } from './rest-error.mjs';

/** Bodies over 1 MiB are refused with 413; the rest of such a body is read and dropped. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Resolves with `{ text, tooLarge }`. An oversized body is still read to its end, so the client
 * receives the 413 instead of a reset connection while it is still sending.
 */
export function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    request.on('data', (chunk) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      const tooLarge = size > MAX_BODY_BYTES;
      resolve({ text: tooLarge ? '' : Buffer.concat(chunks).toString('utf8'), tooLarge });
    });
    request.on('error', reject);
  });
}

/**
 * Returns the method parameters: query parameters merged with the body's (the body wins),
 * as PHP merges them. Throws a RestError for an oversized body or malformed JSON.
 */
export function parseParams(body, contentType, query) {
  if (body.tooLarge) throw bodyTooLarge();
  if (body.text === '') return { ...query };

  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json') {
    let parsed;
    try {
      parsed = JSON.parse(body.text);
    } catch {
      throw invalidJson();
    }
    return isPlainObject(parsed) ? { ...query, ...parsed } : { ...query };
  }
  if (type === 'application/x-www-form-urlencoded') {
    return { ...query, ...parseBracketNotation(body.text) };
  }
  // Known limitation: multipart bodies are not parsed; PHP would, but no client of this
  // package sends them. Other types are ignored, as PHP ignores them.
  return { ...query };
}

/** True for `{...}` values; arrays and null are not objects to PHP's eyes here. */
export function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
