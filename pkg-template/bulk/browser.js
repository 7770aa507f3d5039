// The bulk module for browsers and bundlers, imported by `bindTimelineMany`
// on its first use: its WebAssembly is fetched then, once.
import init, { Bulk } from '../b24_bulk.js';
import { runBulk } from './run.js';

let ready;

export async function bindMany(client, items, options, B24Error) {
  ready ??= init({ module_or_path: new URL('../b24_bulk_bg.wasm', import.meta.url) });
  await ready;
  return runBulk(Bulk, B24Error, client, items, options);
}
