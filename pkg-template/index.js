// Entry for browsers and bundlers: fetches the WebAssembly module that sits
// next to this file, once, when the package is imported. The bulk module is
// imported only when `bindTimelineMany` is first called, so a bundler that
// splits dynamic imports leaves it out of an app's first load.
import { initSync, __b24ErrorClass, TimelineClient } from './b24_timeline.js';

// Compiled here rather than by the glue's own loader, whose fallbacks and
// warnings would add half a kilobyte to every app.
const response = await fetch(new URL('./b24_timeline_bg.wasm', import.meta.url));
if (!response.ok) throw new Error(`b24-timeline: its .wasm answered HTTP ${response.status}`);
initSync({
  // Streaming needs the server to send `application/wasm`; otherwise the bytes are compiled.
  module: await WebAssembly.compileStreaming(response.clone()).catch(async () =>
    WebAssembly.compile(await response.arrayBuffer()),
  ),
});

export { bindTimeline, createClient, validateBindFields, TimelineClient } from './b24_timeline.js';

/** The error class every call rejects with; see the type declarations. */
export const B24Error = __b24ErrorClass();

TimelineClient.prototype.bindTimelineMany = async function bindTimelineMany(items, options) {
  const { bindMany } = await import('./bulk.js');
  return bindMany(this, items, options, B24Error);
};
