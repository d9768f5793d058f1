import {
  DEFAULT_MAX_PARTICIPANTS,
  DEFAULT_RATE_BURST,
  DEFAULT_RATE_PER_SECOND,
  MEDIA_SECRET_MIN_LENGTH,
} from "@huddle/protocol";
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
});

/** How the edge reaches media nodes; absent when no secret is set (every room is peer-to-peer). */
export interface MediaConfig {
  secret: string;
  /** MEDIA_NODES: always candidates, no announcement needed. */
  staticNodes: readonly string[];
  nodeTtlMs: number;
  checkIntervalMs: number;
  timeoutMs: number;
}

export interface Config {
  maxParticipants: number;
  /** Sockets (joined or not) one room accepts: room for joiners that are still connecting. */
  maxSockets: number;
  rateBurst: number;
  ratePerSecond: number;
  allowedOrigins: "any" | ReadonlySet<string>;
  media: MediaConfig | undefined;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** The part of `env` that holds settings; anything else is ignored. */
export type ConfigVars = Partial<Record<keyof z.input<typeof ConfigSchema>, unknown>>;

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
          },
  };
  cache.set(vars, config);
  return config;
}

/** Whether a WebSocket upgrade from `origin` may proceed (no Origin header: not a browser, allowed). */
export function originAllowed(config: Config, origin: string | undefined): boolean {
  if (config.allowedOrigins === "any" || origin === undefined) return true;
  return config.allowedOrigins.has(origin);
}
