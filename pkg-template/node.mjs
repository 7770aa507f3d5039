// Entry for Node's import: reads the WebAssembly module from disk synchronously.
import { readFileSync } from 'node:fs';
import { initSync, __b24ErrorClass } from './b24_timeline.js';

initSync({ module: readFileSync(new URL('./b24_timeline_bg.wasm', import.meta.url)) });

export { bindTimeline, createClient, validateBindFields, TimelineClient } from './b24_timeline.js';

/** The error class every call rejects with; see the type declarations. */
export const B24Error = __b24ErrorClass();
