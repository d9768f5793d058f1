/**
 * Shared-secret authentication between the edge and media nodes.
 *
 * Every request carries three headers:
 * - `x-huddle-timestamp`: milliseconds since the epoch, as decimal digits;
 * - `x-huddle-nonce`: 16-64 lowercase hex characters, fresh per request;
 * - `x-huddle-signature`: lowercase hex HMAC-SHA256(secret, canonical request),
 *   where the canonical request is
 *   `${METHOD}\n${pathWithQuery}\n${timestamp}\n${nonce}\n${sha256hex(body)}`.
 *
 * The receiver accepts a timestamp within +-AUTH_WINDOW_MS of its clock and
 * remembers every accepted signature until it leaves the window, so a captured
 * request cannot be replayed. Only WebCrypto is used: this module runs
 * unchanged in Cloudflare Workers and in Node >= 22.
 */

export const AUTH_HEADERS = {
  timestamp: "x-huddle-timestamp",
  nonce: "x-huddle-nonce",
  signature: "x-huddle-signature",
} as const;

/** How far a request's timestamp may be from the receiver's clock, either way. */
export const AUTH_WINDOW_MS = 30_000;

/** Shortest shared secret a media node or edge accepts. */
export const MEDIA_SECRET_MIN_LENGTH = 16;

const TIMESTAMP_PATTERN = /^[0-9]{1,16}$/;
const NONCE_PATTERN = /^[0-9a-f]{16,64}$/;
const SIGNATURE_PATTERN = /^[0-9a-f]{64}$/;

const encoder = new TextEncoder();

function toHex(bytes: ArrayBuffer): string {
  const view = new Uint8Array(bytes);
  let out = "";
  for (const byte of view) out += byte.toString(16).padStart(2, "0");
  return out;
}

/** The body's bytes in a fresh ArrayBuffer (what every runtime's `digest` accepts). */
function toBytes(body: string | Uint8Array | undefined): Uint8Array<ArrayBuffer> {
  if (body === undefined) return new Uint8Array(0);
  const source = typeof body === "string" ? encoder.encode(body) : body;
  const copy = new Uint8Array(source.byteLength);
  copy.set(source);
  return copy;
}

/** SHA-256 of nothing: most GET, DELETE, pause and resume requests have no body. */
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** Lowercase hex SHA-256 of a body (UTF-8 for strings; empty when absent). */
export async function sha256Hex(body: string | Uint8Array | undefined): Promise<string> {
  const bytes = toBytes(body);
  if (bytes.byteLength === 0) return EMPTY_SHA256;
  return toHex(await crypto.subtle.digest("SHA-256", bytes));
}

/** `CryptoKey` is a global in Workers but not in Node's type declarations. */
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

const keys = new Map<string, Promise<HmacKey>>();

function hmacKey(secret: string): Promise<HmacKey> {
  let key = keys.get(secret);
  if (key === undefined) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    if (keys.size > 16) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

/** Lowercase hex HMAC-SHA256 of a message. */
export async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  return toHex(await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(message)));
}

/**
 * The two hashes signing and verifying need. WebCrypto's (the default) are asynchronous and, in
 * Node, each runs as a thread-pool job; a Node process may pass node:crypto's synchronous ones.
 */
export interface AuthDigests {
  sha256Hex(body: string | Uint8Array | undefined): string | Promise<string>;
  hmacSha256Hex(secret: string, message: string): string | Promise<string>;
}

const webCryptoDigests: AuthDigests = { sha256Hex, hmacSha256Hex };

/** The string that is signed. */
export function canonicalRequest(
  method: string,
  pathWithQuery: string,
  timestamp: string,
  nonce: string,
  bodyHash: string,
): string {
  return `${method.toUpperCase()}\n${pathWithQuery}\n${timestamp}\n${nonce}\n${bodyHash}`;
}

/** Compares two strings in time that depends only on their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  const length = Math.max(a.length, b.length);
  let diff = a.length ^ b.length;
  for (let i = 0; i < length; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

/** 16 random bytes as 32 lowercase hex characters (request nonces, resume secrets). */
export function randomNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return toHex(bytes.buffer);
}

/** `pathname + search` of a URL exactly as `fetch` sends it on the request line. */
export function pathWithQueryOf(url: string | URL): string {
  const u = typeof url === "string" ? new URL(url) : url;
  return `${u.pathname}${u.search}`;
}

export type SignOptions = {
  secret: string;
  method: string;
  /** An absolute URL, or a path with its query (as it will appear on the request line). */
  url: string | URL;
  body?: string | Uint8Array | undefined;
  /** Clock override (tests). */
  now?: number;
  /** Nonce override (tests). */
  nonce?: string;
  /** Hash implementation (default WebCrypto). */
  digests?: AuthDigests;
};

/** The three authentication headers for one request. */
export async function signRequest(options: SignOptions): Promise<Record<string, string>> {
  const path =
    typeof options.url === "string" && options.url.startsWith("/") ? options.url : pathWithQueryOf(options.url);
  const timestamp = String(Math.trunc(options.now ?? Date.now()));
  const nonce = options.nonce ?? randomNonce();
  const digests = options.digests ?? webCryptoDigests;
  const signature = await digests.hmacSha256Hex(
    options.secret,
    canonicalRequest(options.method, path, timestamp, nonce, await digests.sha256Hex(options.body)),
  );
  return {
    [AUTH_HEADERS.timestamp]: timestamp,
    [AUTH_HEADERS.nonce]: nonce,
    [AUTH_HEADERS.signature]: signature,
  };
}

export type SignedFetchInit = {
  method?: string;
  /** JSON is sent as `application/json`; strings as they are. */
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
};

/** `fetch` with the authentication headers (and an optional JSON body) added. */
export async function signedFetch(secret: string, url: string | URL, init: SignedFetchInit = {}): Promise<Response> {
  const method = (init.method ?? "GET").toUpperCase();
  const headers: Record<string, string> = { ...init.headers };
  let body = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers["content-type"] = "application/json";
  }
  Object.assign(headers, await signRequest({ secret, method, url, body }));
  const request: RequestInit = { method, headers };
  if (body !== undefined) request.body = body;
  if (init.signal !== undefined) request.signal = init.signal;
  return fetch(url, request);
}

/**
 * Remembers accepted signatures until they fall out of the window, so each
 * signed request is accepted at most once. Bounded: when full, the request is
 * refused (the sender retries with a fresh signature) rather than forgetting.
 */
export class ReplayGuard {
  readonly windowMs: number;
  readonly maxEntries: number;
  #seen = new Map<string, number>();
  #nextSweep = 0;

  constructor(windowMs = AUTH_WINDOW_MS, maxEntries = 200_000) {
    this.windowMs = windowMs;
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.#seen.size;
  }

  /**
   * Records a signature; `false` when it was already seen (a replay) or the
   * guard is full. `timestamp` is the request's; the entry lives until it is
   * outside the window.
   */
  accept(signature: string, timestamp: number, now: number): boolean {
    if (now >= this.#nextSweep) this.#sweep(now);
    if (this.#seen.has(signature)) return false;
    if (this.#seen.size >= this.maxEntries) {
      this.#sweep(now);
      if (this.#seen.size >= this.maxEntries) return false;
    }
    this.#seen.set(signature, timestamp + this.windowMs);
    return true;
  }

  #sweep(now: number): void {
    for (const [signature, expiry] of this.#seen) if (expiry < now) this.#seen.delete(signature);
    this.#nextSweep = now + 1000;
  }
}

export type AuthFailure = "missing" | "malformed" | "stale" | "bad-signature" | "replayed";

export type VerifyResult = { ok: true } | { ok: false; reason: AuthFailure };

export type VerifyOptions = {
  secret: string;
  method: string;
  /** The request target as received (path and query, still percent-encoded). */
  pathWithQuery: string;
  /** Header lookup (case-insensitive names are the caller's job; names here are lowercase). */
  header: (name: string) => string | null | undefined;
  body: string | Uint8Array | undefined;
  /** Required for replay protection; without it a request can be replayed within the window. */
  replay: ReplayGuard | undefined;
  now?: number;
  windowMs?: number;
  /** Hash implementation (default WebCrypto). */
  digests?: AuthDigests;
};

/** Checks a request's authentication headers; records its signature when it is accepted. */
export async function verifyRequest(options: VerifyOptions): Promise<VerifyResult> {
  const timestamp = options.header(AUTH_HEADERS.timestamp);
  const nonce = options.header(AUTH_HEADERS.nonce);
  const signature = options.header(AUTH_HEADERS.signature);
  if (!timestamp || !nonce || !signature) return { ok: false, reason: "missing" };
  if (!TIMESTAMP_PATTERN.test(timestamp) || !NONCE_PATTERN.test(nonce) || !SIGNATURE_PATTERN.test(signature)) {
    return { ok: false, reason: "malformed" };
  }
  const now = options.now ?? Date.now();
  const sentAt = Number(timestamp);
  if (Math.abs(now - sentAt) > (options.windowMs ?? AUTH_WINDOW_MS)) return { ok: false, reason: "stale" };
  const digests = options.digests ?? webCryptoDigests;
  const expected = await digests.hmacSha256Hex(
    options.secret,
    canonicalRequest(options.method, options.pathWithQuery, timestamp, nonce, await digests.sha256Hex(options.body)),
  );
  if (!constantTimeEqual(expected, signature)) return { ok: false, reason: "bad-signature" };
  if (options.replay !== undefined && !options.replay.accept(signature, sentAt, now)) {
    return { ok: false, reason: "replayed" };
  }
  return { ok: true };
}
