// Sends one request with fetch and reads the whole answer. The returned
// promise never rejects: it resolves with the facts of what happened, and the
// Rust core decides what they mean.
//   { status, text }                    the portal answered
//   { thrown, aborted, timedOut }       fetch, or reading the body, failed
//   { notResponse: true, ... }          a custom fetch gave something else
// fetch gets a signal of its own, aborted without a reason, so the caller's
// signal and the timeout both cancel the request in flight whatever reason
// the caller aborted with.
export async function post(url, headers, body, customFetch, signal, timeoutMs) {
  const controller = new AbortController();
  const abort = () => controller.abort();
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
    const response = await send(url, { method: 'POST', headers, body, signal: controller.signal });
    if (!response || typeof response.status !== 'number' || typeof response.text !== 'function') {
      return facts({ notResponse: true });
    }
    const text = await response.text();
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
