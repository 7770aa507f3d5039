// Declarations for the mock Bitrix24 portal, a test double for `crm.timeline.bindings.*`.

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
  /** The one access token OAuth calls may use; default a fresh random 32-hex-digit token. */
  accessToken?: string;
  /** Tokens answered with `401 expired_token`. Default none. */
  expiredTokens?: string[];
  /** Answer every plain-HTTP request with `400 INVALID_REQUEST`, as a cloud portal does. */
  requireHttps?: boolean;
  /** Timeline record ids that exist. Default `[1110, 1111, 1112, 1113, 1114, 1115]`. */
  records?: number[];
  /** Entity ids that exist, by type. Default ids 1 to 20 of each of the five types. */
  entities?: Partial<Record<string, number[]>>;
  /** Entities the calling user may not edit. Default `[{ ENTITY_TYPE: 'deal', ENTITY_ID: 13 }]`. */
  deniedEntities?: MockDeniedEntity[];
  /** Receives one short line per request; the mock prints nothing without it. No secrets. */
  log?: (line: string) => void;
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
  /** Appends a fault to the queue. Throws a TypeError for a non-object, a bad status or `times`. */
  queueFault(fault: MockFault): void;
  /** Empties the fault queue. */
  clearFaults(): void;
  /** Forgets requests, faults and bindings; records and entities stay. */
  reset(): void;
  /** Stops both servers and closes their connections; resolves when they are down. */
  close(): Promise<void>;
}

/**
 * Starts the mock portal. Rejects when a port cannot be bound, or when `https` is asked for and
 * the `selfsigned` package is missing.
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
