// Entry for browsers and bundlers: fetches the WebAssembly module that sits
// next to this file, once, when the package is imported.
import init, { __b24ErrorClass } from './b24_timeline.js';

await init({ module_or_path: new URL('./b24_timeline_bg.wasm', import.meta.url) });

export { bindTimeline, createClient, validateBindFields, TimelineClient } from './b24_timeline.js';

/** The error class every call rejects with; see the type declarations. */
export const B24Error = __b24ErrorClass();
