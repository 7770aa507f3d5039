// Shared pieces of the behaviour tests: one mock portal per test file, the
// documented call, and the checks every B24Error has to pass.
import assert from 'node:assert/strict';
import { after, before, beforeEach } from 'node:test';
import { inspect } from 'node:util';
import { B24Error, bindTimeline } from '../../../pkg/node.mjs';
import { startMockPortal } from '../../../pkg-template/mock-portal/index.mjs';

export const BIND_METHOD = 'crm.timeline.bindings.bind';

/** The fields of the documentation's example call. */
export const DOCUMENTED_FIELDS = Object.freeze({
  OWNER_ID: 1110,
  ENTITY_ID: 10,
  ENTITY_TYPE: 'deal',
});

/** The JSON body the documentation's curl example sends for a webhook. */
export const DOCUMENTED_BODY = '{"fields":{"OWNER_ID":1110,"ENTITY_ID":10,"ENTITY_TYPE":"deal"}}';

/** The success answer printed in the documentation, `time` block included. */
export const DOCUMENTED_ANSWER = Object.freeze({
  result: true,
  time: {
    start: 1712132792.910734,
    finish: 1712132793.530359,
    duration: 0.6196250915527344,
    processing: 0.032338857650756836,
    date_start: '2024-04-03T10:26:32+02:00',
    date_finish: '2024-04-03T10:26:33+02:00',
    operating_reset_at: 1705765533,
    operating: 3.3076241016387939,
  },
});

export const ERROR_KINDS = [
  'validation',
  'auth',
  'permission',
  'rate_limit',
  'server',
  'network',
  'protocol',
  'aborted',
];

/**
 * Starts one mock portal for the enclosing file or `describe`, forgets its
 * requests and faults before every test, and stops it at the end. The portal
 * is read through the returned object's `portal` property once `before` ran.
 */
export function usePortal(options) {
  const handle = { portal: undefined };
  before(async () => {
    handle.portal = await startMockPortal(options);
  });
  beforeEach(() => handle.portal.reset());
  after(() => handle.portal?.close());
  return handle;
}

/** Connection options for the portal's incoming webhook. */
export const webhookOf = (portal) => ({ webhookUrl: portal.webhookUrl });

/** Connection options for the portal's OAuth endpoint and its one valid token. */
export const oauthOf = (portal) => ({
  portalUrl: portal.portalUrl,
  accessToken: portal.accessToken,
});

/**
 * Calls `bindTimeline` and fails the test when it throws synchronously or
 * answers anything but a promise.
 */
export function bind(...args) {
  let answer;
  assert.doesNotThrow(() => {
    answer = bindTimeline(...args);
  }, 'bindTimeline threw synchronously');
  assert.ok(answer instanceof Promise, 'bindTimeline did not answer a promise');
  return answer;
}

/** Resolves with what `promise` rejects with; fails the test when it resolves. */
export async function rejectionOf(promise) {
  let value;
  try {
    value = await promise;
  } catch (error) {
    return error;
  }
  assert.fail(`expected a rejection, but it resolved with ${inspect(value)}`);
}

/**
 * Checks that `error` is a well-formed B24Error and that each property named
 * in `expected` has the given value (`status: undefined` checks it is unset).
 */
export function assertB24Error(error, expected = {}) {
  assert.ok(error instanceof B24Error, `not a B24Error: ${inspect(error)}`);
  assert.ok(error instanceof Error, 'a B24Error must be an Error');
  assert.equal(error.name, 'B24Error');
  assert.equal(typeof error.code, 'string');
  assert.equal(typeof error.description, 'string');
  assert.equal(error.message, `${error.code}: ${error.description}`);
  assert.ok(ERROR_KINDS.includes(error.kind), `unknown kind ${inspect(error.kind)}`);
  assert.equal(typeof error.retryable, 'boolean');
  for (const [property, value] of Object.entries(expected)) {
    assert.deepEqual(error[property], value, `${property} of ${inspect(error)}`);
  }
  return error;
}

/** Awaits a rejection and checks it as `assertB24Error` does; answers the error. */
export async function expectRejection(promise, expected) {
  return assertB24Error(await rejectionOf(promise), expected);
}

/**
 * A custom `fetch` that records every call and answers the documented
 * success, without touching the network.
 */
export function recordingFetch(answer = DOCUMENTED_ANSWER) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, init });
    return new Response(JSON.stringify(answer), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  };
  return { fetch, calls };
}

/**
 * A custom `fetch` that records every call and passes it on to the global
 * one, so a test can prove nothing was sent even before the portal saw it.
 */
export function countingFetch() {
  const calls = [];
  const fetch = (url, init) => {
    calls.push({ url, init });
    return globalThis.fetch(url, init);
  };
  return { fetch, calls };
}

/** Milliseconds since `start` (from `performance.now()`). */
export const since = (start) => performance.now() - start;

/**
 * Settles as `promise` does, or fails once `ms` passed, so a call that never settles fails its
 * test instead of stalling the run.
 */
export function within(ms, promise) {
  let timer;
  const deadline = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
