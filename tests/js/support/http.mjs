// Plain HTTP calls for the mock portal's own tests, which must not depend on the package.

/** The Content-Type of every JSON answer of the mock portal. */
export const JSON_TYPE = 'application/json; charset=utf-8';

/** Sends a request with fetch; answers `{ status, headers, text, json }`, `json` when the body parses. */
export async function call(url, { method = 'POST', headers = {}, body } = {}) {
  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** POSTs `body` as JSON, with any extra `headers`. */
export function postJson(url, body, headers = {}) {
  return call(url, {
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** POSTs `form`, a string already in `application/x-www-form-urlencoded` form. */
export function postForm(url, form) {
  return call(url, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
}
