import {
  DEFAULT_MAX_PARTICIPANTS,
  DEFAULT_RATE_BURST,
  DEFAULT_RATE_PER_SECOND,
  DEFAULT_RECONNECT_GRACE_MS,
  MEDIA_SECRET_MIN_LENGTH,
} from "@huddle/protocol";
import { parseApiKeys, type TokenKeys } from "@huddle/protocol/access";
import { z } from "zod";

/** Hibernatable WebSockets one Durable Object can hold (Cloudflare limit). */
const MAX_SOCKETS_PER_OBJECT = 32_768;

/** An unset or empty var means "use the default". */
const unset = (value: unknown) => (value === undefined || value === "" ? undefined : value);

const integer = (fallback: number, min: number, max: number) =>
  z.preprocess(unset, z.coerce.number().int().min(min).max(max).default(fallback));

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === value;
  } catch {
    return false;
  }
}

/** A comma-separated var as its non-empty, trimmed parts (unset: none), each checked by `item`. */
const commaList = <T extends z.ZodType<unknown, string>>(item: T) =>
  z.preprocess(
    (value) => (value === undefined ? "" : value),
    z
      .string()
      .transform((raw) =>
        raw
          .split(",")
          .map((part) => part.trim())
          .filter((part) => part !== ""),
      )
      .pipe(z.array(item)),
  );

const OriginList = commaList(
  z.union([
    z.literal("*"),
    z.string().refine(isOrigin, "each origin must be scheme://host[:port] (no path, no trailing slash)"),
  ]),
).transform((origins) => (origins.length === 0 || origins.includes("*") ? "any" : new Set(origins)));

/** Media node defaults (ms). */
export const DEFAULT_MEDIA_NODE_TTL_MS = 30_000;
export const DEFAULT_MEDIA_CHECK_INTERVAL_MS = 5_000;
export const DEFAULT_MEDIA_NODE_TIMEOUT_MS = 5_000;
/** Requests a room has out to its node at once before its calls are gathered into batches. */
export const DEFAULT_MEDIA_NODE_CALLS_IN_FLIGHT = 1;
/**
 * Longest a consume or resume the room expects (it just announced producers) waits for the other
 * members' same call, so that all go to the node as one batch (edge/src/room/sfu/expected-calls.ts).
 */
export const DEFAULT_MEDIA_NODE_HOLD_MS = 300;

/** A media node's base URL, normalized (no trailing slash); undefined when it is not http(s). */
export function normalizeNodeUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") return undefined;
    return url.toString().replace(/\/+$/, "");
  } catch {
    return undefined;
  }
}

const NodeList = commaList(
  z.string().transform((value, ctx) => {
    const url = normalizeNodeUrl(value);
    if (url === undefined) {
      ctx.addIssue({ code: "custom", message: `'${value}' is not an http(s) URL without query or credentials` });
      return z.NEVER;
    }
    return url;
  }),
).transform((urls) => [...new Set(urls)]);

const Secret = z.preprocess(
  unset,
  z.string().min(MEDIA_SECRET_MIN_LENGTH, `must be at least ${MEDIA_SECRET_MIN_LENGTH} characters`).optional(),
);

/** `API_KEYS`: `key:secret` pairs (unset: rooms are open). */
const ApiKeys = z.preprocess(
  (value) => (value === undefined ? "" : value),
  z.string().transform((raw, ctx) => {
    try {
      return parseApiKeys(raw);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : String(error) });
      return z.NEVER;
    }
  }),
);

/** `JWKS`: a JSON Web Key Set of public keys for EdDSA/ES256 join tokens (unset: none). */
const Jwks = z.preprocess(
  unset,
  z
    .string()
    .transform((raw, ctx) => {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "must be JSON" });
        return z.NEVER;
      }
    })
    .pipe(z.object({ keys: z.array(z.looseObject({ kty: z.string() })).min(1) }))
    .optional(),
);

/** `TURN_URLS`: turn:/turns:/stun: URLs of the TURN server(s) the credentials are for. */
const TurnUrls = commaList(
  z.string().regex(/^(turns?|stuns?):[^\s,]+$/, "each TURN URL must be turn:, turns:, stun: or stuns:"),
);

const ConfigSchema = z.object({
  MAX_PARTICIPANTS: integer(DEFAULT_MAX_PARTICIPANTS, 1, Math.floor(MAX_SOCKETS_PER_OBJECT / 2)),
  RATE_BURST: integer(DEFAULT_RATE_BURST, 1, 1_000_000),
  RATE_PER_SECOND: z.preprocess(unset, z.coerce.number().positive().max(1_000_000).default(DEFAULT_RATE_PER_SECOND)),
  ALLOWED_ORIGINS: OriginList,
  MEDIA_NODE_SECRET: Secret,
  MEDIA_NODES: NodeList,
  MEDIA_NODE_TTL_MS: integer(DEFAULT_MEDIA_NODE_TTL_MS, 1000, 3_600_000),
  MEDIA_CHECK_INTERVAL_MS: integer(DEFAULT_MEDIA_CHECK_INTERVAL_MS, 100, 3_600_000),
  MEDIA_NODE_TIMEOUT_MS: integer(DEFAULT_MEDIA_NODE_TIMEOUT_MS, 100, 120_000),
  MEDIA_NODE_CALLS_IN_FLIGHT: integer(DEFAULT_MEDIA_NODE_CALLS_IN_FLIGHT, 0, 64),
  MEDIA_NODE_HOLD_MS: integer(DEFAULT_MEDIA_NODE_HOLD_MS, 0, 5_000),
  API_KEYS: ApiKeys,
  JWKS: Jwks,
  TURN_SECRET: z.preprocess(unset, z.string().min(16, "must be at least 16 characters").optional()),
  TURN_URLS: TurnUrls,
  TURN_TTL_SECONDS: integer(6 * 3600, 60, 7 * 24 * 3600),
  RECONNECT_GRACE_SECONDS: integer(DEFAULT_RECONNECT_GRACE_MS / 1000, 0, 600),
});

/** How the edge reaches media nodes; absent when no secret is set (every room is peer-to-peer). */
export interface MediaConfig {
  secret: string;
  /** MEDIA_NODES: always candidates, no announcement needed. */
  staticNodes: readonly string[];
  nodeTtlMs: number;
  checkIntervalMs: number;
  timeoutMs: number;
  /** Requests a room has out to its node before later calls wait and go as one batch; 0: every call alone. */
  callsInFlight: number;
  /** How long an expected consume or resume waits for the other members' (ms); 0: none waits. */
  holdMs: number;
}

export interface Config {
  maxParticipants: number;
  /** Sockets (joined or not) one room accepts: room for joiners that are still connecting. */
  maxSockets: number;
  rateBurst: number;
  ratePerSecond: number;
  allowedOrigins: "any" | ReadonlySet<string>;
  media: MediaConfig | undefined;
  /** Who may join: absent when no API key is set (rooms are open, local development). */
  access: AccessConfig | undefined;
  /** TURN_SECRET and TURN_URLS set: every `joined` carries TURN credentials. */
  turn: TurnConfig | undefined;
  webhooks: WebhookConfig | undefined;
  /**
   * How long a member whose socket dropped (DROPPED_CLOSE_CODES, or an error) stays in the room
   * for its `resume` (RECONNECT_GRACE_SECONDS); 0: it leaves at once.
   */
  reconnectGraceMs: number;
}

/** TURN servers for peer-to-peer media, with credentials the edge derives per participant. */
export interface TurnConfig {
  secret: string;
  urls: readonly string[];
  ttlSeconds: number;
}

/** Join tokens are required; these keys verify them (and the room API's tokens). */
export interface AccessConfig {
  keys: TokenKeys;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** The part of `env` that holds settings; anything else is ignored. */
export type ConfigVars = Partial<Record<keyof z.input<typeof ConfigSchema>, unknown>> & WebhookVars;

const cache = new WeakMap<object, Config>();

/** Validates the Worker's `[vars]` once per env object; throws ConfigError naming every bad var. */
export function readConfig(vars: ConfigVars): Config {
  const hit = cache.get(vars);
  if (hit !== undefined) return hit;
  const parsed = ConfigSchema.safeParse({
    MAX_PARTICIPANTS: vars.MAX_PARTICIPANTS,
    RATE_BURST: vars.RATE_BURST,
    RATE_PER_SECOND: vars.RATE_PER_SECOND,
    ALLOWED_ORIGINS: vars.ALLOWED_ORIGINS,
    MEDIA_NODE_SECRET: vars.MEDIA_NODE_SECRET,
    MEDIA_NODES: vars.MEDIA_NODES,
    MEDIA_NODE_TTL_MS: vars.MEDIA_NODE_TTL_MS,
    MEDIA_CHECK_INTERVAL_MS: vars.MEDIA_CHECK_INTERVAL_MS,
    MEDIA_NODE_TIMEOUT_MS: vars.MEDIA_NODE_TIMEOUT_MS,
    MEDIA_NODE_CALLS_IN_FLIGHT: vars.MEDIA_NODE_CALLS_IN_FLIGHT,
    MEDIA_NODE_HOLD_MS: vars.MEDIA_NODE_HOLD_MS,
    API_KEYS: vars.API_KEYS,
    JWKS: vars.JWKS,
    TURN_SECRET: vars.TURN_SECRET,
    TURN_URLS: vars.TURN_URLS,
    TURN_TTL_SECONDS: vars.TURN_TTL_SECONDS,
    RECONNECT_GRACE_SECONDS: vars.RECONNECT_GRACE_SECONDS,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "config"}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  const v = parsed.data;
  const config: Config = {
    maxParticipants: v.MAX_PARTICIPANTS,
    maxSockets: Math.min(MAX_SOCKETS_PER_OBJECT, v.MAX_PARTICIPANTS * 2),
    rateBurst: v.RATE_BURST,
    ratePerSecond: v.RATE_PER_SECOND,
    allowedOrigins: v.ALLOWED_ORIGINS,
    media:
      v.MEDIA_NODE_SECRET === undefined
        ? undefined
        : {
            secret: v.MEDIA_NODE_SECRET,
            staticNodes: v.MEDIA_NODES,
            nodeTtlMs: v.MEDIA_NODE_TTL_MS,
            checkIntervalMs: v.MEDIA_CHECK_INTERVAL_MS,
            timeoutMs: v.MEDIA_NODE_TIMEOUT_MS,
            callsInFlight: v.MEDIA_NODE_CALLS_IN_FLIGHT,
            holdMs: v.MEDIA_NODE_HOLD_MS,
          },
    access:
      v.API_KEYS.size === 0 && v.JWKS === undefined
        ? undefined
        : { keys: { secrets: v.API_KEYS, jwks: v.JWKS as TokenKeys["jwks"] } },
    webhooks: readWebhooks(vars, v.API_KEYS),
    turn: readTurn(v.TURN_SECRET, v.TURN_URLS, v.TURN_TTL_SECONDS),
    reconnectGraceMs: v.RECONNECT_GRACE_SECONDS * 1000,
  };
  cache.set(vars, config);
  return config;
}

/** TURN_SECRET and TURN_URLS come together: one without the other is a mistake worth naming. */
function readTurn(secret: string | undefined, urls: string[], ttlSeconds: number): TurnConfig | undefined {
  if (secret === undefined && urls.length === 0) return undefined;
  if (secret === undefined) throw new ConfigError("invalid configuration: TURN_URLS is set but TURN_SECRET is not");
  if (urls.length === 0) throw new ConfigError("invalid configuration: TURN_SECRET is set but TURN_URLS is not");
  return { secret, urls, ttlSeconds };
}

/** Whether a WebSocket upgrade from `origin` may proceed (no Origin header: not a browser, allowed). */
export function originAllowed(config: Config, origin: string | undefined): boolean {
  if (config.allowedOrigins === "any" || origin === undefined) return true;
  return config.allowedOrigins.has(origin);
}

// ---- Webhooks: WEBHOOK_URLS, WEBHOOK_API_KEY (signed with a secret of API_KEYS) ----

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.username === "" && url.password === "";
  } catch {
    return false;
  }
}

const WebhookSchema = z.object({
  WEBHOOK_URLS: commaList(
    z.string().refine(isHttpUrl, "each webhook URL must be http(s)://host[:port]/path, without credentials"),
  ).transform((urls) => [...new Set(urls)]),
  WEBHOOK_API_KEY: z.preprocess(unset, z.string().optional()),
});

type WebhookVars = Partial<Record<keyof z.input<typeof WebhookSchema>, unknown>>;

/** Where a room posts its events (LiveKit's webhooks), and the API key that signs them. */
export interface WebhookConfig {
  /** WEBHOOK_URLS: every event goes to each. */
  urls: readonly string[];
  /** WEBHOOK_API_KEY, default the first of API_KEYS: the `iss` of each signature. */
  apiKey: string;
  /** Its secret (from API_KEYS). */
  apiSecret: string;
}

/**
 * The webhook settings; undefined when WEBHOOK_URLS is unset. `keys` is API_KEYS, parsed.
 * Throws ConfigError when they cannot be signed.
 */
function readWebhooks(vars: WebhookVars, keys: ReadonlyMap<string, string>): WebhookConfig | undefined {
  const parsed = WebhookSchema.safeParse({ WEBHOOK_URLS: vars.WEBHOOK_URLS, WEBHOOK_API_KEY: vars.WEBHOOK_API_KEY });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "config"}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  const { WEBHOOK_URLS: urls, WEBHOOK_API_KEY: wanted } = parsed.data;
  if (urls.length === 0) return undefined;
  const apiKey = wanted ?? keys.keys().next().value;
  if (apiKey === undefined)
    throw new ConfigError("invalid configuration: WEBHOOK_URLS needs API_KEYS to sign webhooks");
  const apiSecret = keys.get(apiKey);
  if (apiSecret === undefined) {
    throw new ConfigError(`invalid configuration: WEBHOOK_API_KEY '${apiKey}' is not one of API_KEYS`);
  }
  return { urls, apiKey, apiSecret };
}
