// The bulk module for browsers and bundlers, imported by `bindTimelineMany`
// on its first use: its WebAssembly is fetched then, once. It sits beside the
// entry module so that both .wasm files resolve beside a bundle that
// inlines them.
import init, { Bulk } from './b24_bulk.js';
import { runBulk } from './bulk/run.js';

let ready;

/**
 * Binds `items` through `client` (see `runBulk`), loading the bulk module's
 * WebAssembly on the first call.
 */
export async function bindMany(client, items, options, B24Error) {
  ready ??= init({ module_or_path: new URL('./b24_bulk_bg.wasm', import.meta.url) });
  await ready;
  return runBulk(Bulk, B24Error, client, items, options);
}
