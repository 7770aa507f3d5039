// Sends one request with fetch and reads the whole answer. The returned
// promise never rejects: it resolves with the facts of what happened, and the
// Rust core decides what they mean.
//   { status, text }                    the portal answered
//   { thrown, aborted, timedOut }       fetch, or reading the body, failed
//   { notResponse: true, ... }          a custom fetch gave something else
//   { aborted, timedOut }               the call was cut short
// fetch gets a signal of its own, aborted without a reason, so the caller's
// signal and the timeout both cancel the request in flight whatever reason
// the caller aborted with. Waits are raced against that signal too, so a
// custom fetch that ignores it cannot hold the call past an abort or timeout.
export async function post(url, headers, body, customFetch, signal, timeoutMs) {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const cutShort = {};
  const whenCutShort = new Promise((resolve) => {
    controller.signal.addEventListener('abort', () => resolve(cutShort), { once: true });
  });
  const unlessCutShort = (promise) => Promise.race([promise, whenCutShort]);
  let timedOut = false;
  let timer;
  const facts = (more) => ({ aborted: Boolean(signal && signal.aborted), timedOut, ...more });

  try {
    if (signal) {
      if (signal.aborted) return facts({});
      signal.addEventListener('abort', abort, { once: true });
    }
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        abort();
      }, timeoutMs);
    }

    const send = customFetch || globalThis.fetch;
    const init = { method: 'POST', headers, body, signal: controller.signal };
    const response = await unlessCutShort(send(url, init));
    if (response === cutShort) return facts({});
    if (!response || typeof response.status !== 'number' || typeof response.text !== 'function') {
      return facts({ notResponse: true });
    }
    const text = await unlessCutShort(response.text());
    if (text === cutShort) return facts({});
    if (typeof text !== 'string') return facts({ notResponse: true });
    return { status: response.status, text };
  } catch (thrown) {
    return facts({ thrown });
  } finally {
    clearTimeout(timer);
    try {
      if (signal) signal.removeEventListener('abort', abort);
    } catch {
      // A signal-like object whose listener methods throw cannot hurt the call.
    }
  }
}
