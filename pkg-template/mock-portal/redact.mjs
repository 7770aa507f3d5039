// Copies of logged requests without the mock's secrets, for anything that leaves the process.

import { isPlainObject } from './request-body.mjs';

/** The path with the webhook code shown as `***`, fit for a log line. */
export function redactPath(path, webhookCode) {
  return path
    .split('/')
    .map((segment) => (segment === webhookCode ? '***' : segment))
    .join('/');
}

/** A copy of a request log entry without the webhook code or any `auth` token. */
export function redactRequest(entry, webhookCode) {
  const { authorization, ...headers } = entry.headers;
  return {
    ...entry,
    path: redactPath(entry.path, webhookCode),
    headers,
    query: withoutAuth(entry.query),
    params: withoutAuth(entry.params),
    rawBody: redactRawBody(entry.rawBody, headers['content-type']),
    commands: entry.commands?.map((command) => ({
      ...command,
      params: withoutAuth(command.params),
    })),
  };
}

function withoutAuth(params) {
  if (!isPlainObject(params)) return params;
  const { auth, ...rest } = params;
  return rest;
}

function redactRawBody(text, contentType = '') {
  if (text === '') return text;
  if (contentType.includes('json')) {
    try {
      const parsed = JSON.parse(text);
      return isPlainObject(parsed) ? JSON.stringify(withoutAuth(parsed)) : text;
    } catch {
      return text;
    }
  }
  if (contentType.includes('x-www-form-urlencoded')) {
    const form = new URLSearchParams(text);
    form.delete('auth');
    return form.toString();
  }
  return text;
}
