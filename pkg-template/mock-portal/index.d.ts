// Declarations for the mock Bitrix24 portal, a test double for `crm.timeline.bindings.*`
// and `batch`.

/*
 * The `batch` method, as the mock answers it.
 *
 * Request: `POST {webhookUrl}batch` (or `{portalUrl}/rest/batch` with `auth`), JSON or a form in
 * bracket notation, with `cmd` (an object of command strings by key, or an array of them, the
 * keys then being "0", "1", ...) and `halt` (`1` or `true` stops after the first failing
 * command; `0`, `"0"`, `""` or nothing runs them all). A command string is a method name, `?`,
 * and the method's parameters as a URL query in bracket notation, e.g.
 * `crm.timeline.bindings.bind?fields[OWNER_ID]=1110&fields[ENTITY_ID]=10&fields[ENTITY_TYPE]=deal`;
 * it is URL-decoded once more (`%26`, `%3D`, `+`, UTF-8), after the body's own decoding.
 *
 * Answer: 200 `{"result": {"result", "result_error", "result_total", "result_next",
 * "result_time"}, "time": {...}}`. `result` holds each successful command's `result` by key,
 * `result_error` each failed command's `{"error", "error_description"}`, `result_total` the
 * `total` of those that answer one (`crm.timeline.bindings.list`), `result_time` each
 * successful command's `time` block; `result_next` stays empty, as no method of the mock pages.
 * Each section is written the way the portal's PHP writes it: as a JSON list when its keys run
 * "0", "1", ... without a gap, so an empty section is `[]` and a `cmd` array whose commands all
 * succeed gives lists, else as an object by key (a `cmd` array whose command "1" failed gives
 * `result: {"0": ..., "2": ...}`).
 *
 * Each command runs the method's own checks and stores what it stores; unknown method names fail
 * with `ERROR_METHOD_NOT_FOUND`, a nested `batch` with `ERROR_BATCH_METHOD_NOT_ALLOWED`, and a
 * command over its method's operating-time budget with `OPERATION_TIME_LIMIT`, each in
 * `result_error` only. More than 50 commands: `400 ERROR_BATCH_LENGTH_EXCEEDED`, none run.
 * The batch is one request to the leaky bucket, to queued faults and to the request log.
 *
 * Known limitation: command keys that look like array indexes ("7") come first, in ascending
 * order, as JavaScript orders such keys; the portal keeps the order they were sent in.
 */

/** A timeline record's binding to a CRM entity, as the mock stores it. */
export interface MockBinding {
  readonly OWNER_ID: number;
  readonly ENTITY_ID: number;
  /** Lower case, whatever case the call used. */
  readonly ENTITY_TYPE: 'lead' | 'deal' | 'contact' | 'company' | 'order';
}

/** An entity every bind or unbind call refuses with `Access denied.` */
export interface MockDeniedEntity {
  ENTITY_TYPE: string;
  ENTITY_ID: number | string;
}

export interface MockPortalOptions {
  /** Interface both servers listen on. Default `'127.0.0.1'`. */
  host?: string;
  /** HTTP port; `0` (the default) picks a free one. */
  port?: number;
  /**
   * Also serve HTTPS with a certificate generated at start for `127.0.0.1` and `localhost`.
   * Needs the `selfsigned` package. Default `false`.
   */
  https?: boolean;
  /**
   * The HTTPS certificate and key (PEM) to serve, e.g. one from `createCertificate()` written to
   * the file a client process trusts through `NODE_EXTRA_CA_CERTS`. A fresh one by default.
   */
  certificate?: MockCertificate;
  /** HTTPS port; `0` (the default) picks a free one. */
  httpsPort?: number;
  /** The user id in the webhook path. Default `1`. */
  userId?: number;
  /** The webhook code; default a fresh random 16-character code. */
  webhookCode?: string;
  /**
   * The access token OAuth calls may use, next to those `issueToken()` hands out; default a
   * fresh random 32-hex-digit token.
   */
  accessToken?: string;
  /** Tokens answered with `401 expired_token`. Default none. */
  expiredTokens?: string[];
  /**
   * How long each access token stays valid after it is issued, in real milliseconds (the
   * `timeScale` does not apply); afterwards it is answered with `401 expired_token`. Applies to
   * `accessToken` (issued at start and again by `reset()`) and to tokens from `issueToken()` or
   * `POST /__mock/tokens`. Default: tokens never expire.
   */
  tokenLifetimeMs?: number;
  /** Answer every plain-HTTP request with `400 INVALID_REQUEST`, as a cloud portal does. */
  requireHttps?: boolean;
  /** Timeline record ids that exist. Default `[1110, 1111, 1112, 1113, 1114, 1115]`. */
  records?: number[];
  /** Entity ids that exist, by type. Default ids 1 to 20 of each of the five types. */
  entities?: Partial<Record<string, number[]>>;
  /** Entities the calling user may not edit. Default `[{ ENTITY_TYPE: 'deal', ENTITY_ID: 13 }]`. */
  deniedEntities?: MockDeniedEntity[];
  /**
   * The portal's request-intensity limit, a leaky bucket: each `/rest/` request, a whole `batch`
   * included, adds 1 to a counter that drains continuously, and a request that would take it above
   * the burst is answered `503 QUERY_LIMIT_EXCEEDED` (and adds nothing; the real portal does not
   * document this). A request counts on arrival, before its transport, credentials or method are
   * looked at, so failing calls count too. CORS preflights, `/__mock/` calls and requests answered
   * or dropped by a queued fault do not count; a fault with `then: 'handle'` leaves its request to
   * the bucket. `'standard'` is burst 50 draining 2 per second, `'enterprise'` burst 250 draining 5
   * per second. Default `false`: no limit.
   */
  rateLimit?: false | 'standard' | 'enterprise' | MockRateLimitSettings;
  /**
   * The operating-time limit: each successful call adds `costSeconds` to its method's sum over
   * a sliding window, and a call that would take the sum above the budget is answered
   * `429 OPERATION_TIME_LIMIT` with `time.operating` (the sum) and `time.operating_reset_at`
   * (when enough calls have left the window for one more to fit). With the limit on, success
   * answers report `time.operating` as the method's sum including that call and
   * `time.operating_reset_at` as when the oldest call in the window leaves it. Both moments are
   * whole Unix seconds of the portal clock, rounded up. Each command of a `batch` counts toward
   * its own method like a call of its own; the batch itself spends nothing. Default `false`: no
   * limit.
   */
  operatingLimit?: false | MockOperatingLimit;
  /**
   * How many times faster than real time the portal clock runs (a value below 1 slows it).
   * The buckets drain, the operating-time window slides and every figure of the `time` block
   * is reported on that clock, which starts at the real time. Default `1`.
   */
  timeScale?: number;
  /** Receives one short line per request; the mock prints nothing without it. No secrets. */
  log?: (line: string) => void;
}

/** A custom leaky bucket. */
export interface MockRateLimitSettings {
  /** The highest the counter may reach; a request that would go above it is refused. */
  burst: number;
  /** How much the counter drains per second of portal time; `0` never drains. */
  drainPerSecond: number;
}

/** The operating-time limit's settings, in seconds of portal time. */
export interface MockOperatingLimit {
  /** The most operating time one method may sum up within the window. */
  budgetSeconds: number;
  /** The length of the sliding window. Default `600`, the portal's ten minutes. */
  windowSeconds?: number;
  /** The operating time every successful call adds, however long it took. Default `1`. */
  costSeconds?: number;
}

/** The leaky bucket a mock started with `rateLimit` applies. */
export interface MockRateLimit {
  readonly burst: number;
  readonly drainPerSecond: number;
  /** The portal clock's speed, as the `timeScale` option set it. */
  readonly timeScale: number;
  /** The counter now, drained up to this moment; between 0 and `burst`. */
  level(): number;
}

/** Counts since the start or the last `reset()`. */
export interface MockStats {
  /** Requests answered `503 QUERY_LIMIT_EXCEEDED` by the leaky bucket. */
  readonly queryLimitExceeded: number;
  /** Calls and batch commands answered `OPERATION_TIME_LIMIT`. */
  readonly operationTimeLimit: number;
  /** Commands that batches ran, failed ones included; commands skipped after a `halt` are not. */
  readonly batchCommands: number;
}

/** One arranged misbehaviour, used by the next `/rest/` request(s) in place of the real answer. */
export interface MockFault {
  /** Status to answer with. Default `200`. */
  status?: number;
  /**
   * A string is sent as is (`text/html` unless `headers` says otherwise); an object is sent as
   * JSON. Default an empty body.
   */
  body?: string | object;
  /** Extra response headers; they override the defaults. */
  headers?: Record<string, string>;
  /** Wait this long before answering, dropping or handling. Default `0`. */
  delayMs?: number;
  /** Close the connection without any answer, as a network failure looks to a client. */
  drop?: boolean;
  /** `'handle'`: after the delay, answer the request normally (a slow but correct answer). */
  then?: 'handle';
  /** How many requests this fault applies to before the next one in the queue. Default `1`. */
  times?: number;
}

/**
 * A failure for single commands inside batches: each command a batch reaches, from the next one
 * on, takes one use and fails with this body in `result_error`, without running.
 */
export interface MockCommandFault {
  /**
   * The error code; may be empty, as the bindings methods' own errors are. Default
   * `'INTERNAL_SERVER_ERROR'`.
   */
  error?: string;
  /** Default `'Internal server error'`. */
  error_description?: string;
  /** How many commands this fault applies to before the next one in the queue. Default `1`. */
  times?: number;
}

/** One command a batch ran, as the request log keeps it. */
export interface MockBatchCommand {
  /** Its key in `cmd`; an index as a string ("0") when `cmd` was an array. */
  key: string;
  /** Lower-case method name without `.json`; empty when the command was not a string. */
  method: string;
  /** Its parameters as the method saw them, decoded from the command's query. */
  params: Record<string, unknown>;
  /** Whether it succeeded. */
  ok: boolean;
}

/** What the mock saw of one request (CORS preflights and `/__mock/` calls are not recorded). */
export interface MockRequest {
  /** When it arrived, as an ISO 8601 string. */
  time: string;
  transport: 'http' | 'https';
  /** `'GET'`, `'POST'`, ... */
  httpMethod: string;
  /** The URL path without the query string; it holds the webhook code for webhook calls. */
  path: string;
  /** Query parameters, bracket notation read into nested objects. */
  query: Record<string, unknown>;
  /** Request headers with lower-case names. */
  headers: Record<string, string | string[] | undefined>;
  /** The body as text; empty when there was none or it was over the 1 MiB limit. */
  rawBody: string;
  /** Query and body parameters as the method sees them; undefined when the body was unreadable. */
  params: Record<string, unknown> | undefined;
  /** Lower-case method name without `.json`, e.g. `'crm.timeline.bindings.bind'`. */
  restMethod: string | undefined;
  /** `'webhook'` for the webhook path, `'oauth'` when a token was sent, else `'none'`. */
  auth: 'webhook' | 'oauth' | 'none';
  /** Status answered; `0` when a fault dropped the connection; undefined while still pending. */
  status: number | undefined;
  /** Whether a queued fault was used for this request. */
  fault: boolean;
  /** For a `batch` that was run, its commands in the order they ran; otherwise undefined. */
  commands: MockBatchCommand[] | undefined;
}

export interface MockPortal {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `https://127.0.0.1:PORT` with `https: true`, else undefined. */
  readonly httpsUrl: string | undefined;
  /** `${url}/rest/${userId}/${webhookCode}/`, ready to append a method name to. */
  readonly webhookUrl: string;
  readonly httpsWebhookUrl: string | undefined;
  /** Same as `url`: the portal address OAuth calls go to (`${portalUrl}/rest/METHOD`). */
  readonly portalUrl: string;
  readonly httpsPortalUrl: string | undefined;
  readonly userId: number;
  readonly webhookCode: string;
  readonly accessToken: string;
  /** PEM of the HTTPS certificate, to trust as a CA (`ca` option, `NODE_EXTRA_CA_CERTS`). */
  readonly caCert: string | undefined;
  /** Every request so far, oldest first; the same array grows as requests arrive. */
  readonly requests: MockRequest[];
  /** A frozen copy of the bindings made so far. */
  readonly bindings: readonly MockBinding[];
  /** The leaky bucket when `rateLimit` is on; undefined without it. */
  readonly rateLimit: MockRateLimit | undefined;
  /** A fresh count of the refusals and batch commands so far. */
  readonly stats: MockStats;
  /**
   * Issues a fresh access token that OAuth calls may use next to `accessToken`, valid for
   * `tokenLifetimeMs` from now (or for good). The same as `POST /__mock/tokens`, which answers
   * `{"accessToken": "..."}` for another process.
   */
  issueToken(): string;
  /** Makes `token` answer `401 expired_token` from now on, issued by the mock or not. */
  expireToken(token: string): void;
  /** Appends a fault to the queue. Throws a TypeError for a non-object, a bad status or `times`. */
  queueFault(fault: MockFault): void;
  /**
   * Appends a failure for the next command(s) inside batches; `POST /__mock/command-faults`
   * does the same for another process. Throws a TypeError for a non-object, an `error` or
   * `error_description` that is not a string, or a `times` that is not a positive integer.
   */
  queueCommandFault(fault: MockCommandFault): void;
  /** Empties the fault queue and the command fault queue. */
  clearFaults(): void;
  /**
   * Forgets requests, faults, command faults and bindings, empties the leaky bucket and the
   * operating-time windows and zeroes `stats`. Tokens go back to how start left them: issued and
   * expired ones are forgotten, `accessToken` is valid again with its lifetime starting anew, and
   * the `expiredTokens` are expired. Records and entities stay.
   */
  reset(): void;
  /** Stops both servers and closes their connections; resolves when they are down. */
  close(): Promise<void>;
}

/**
 * Starts the mock portal. Rejects with a TypeError for an invalid `rateLimit`,
 * `operatingLimit`, `timeScale` or `tokenLifetimeMs`, when a port cannot be bound, or when
 * `https` is asked for and the `selfsigned` package is missing.
 */
export function startMockPortal(options?: MockPortalOptions): Promise<MockPortal>;

/** A self-signed certificate and its key, as PEM text. */
export interface MockCertificate {
  cert: string;
  key: string;
}

/**
 * Makes a self-signed certificate for `127.0.0.1` and `localhost`, which is its own CA. Needs the
 * optional `selfsigned` package.
 */
export function createCertificate(): Promise<MockCertificate>;
