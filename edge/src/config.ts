import { DEFAULT_MAX_PARTICIPANTS, DEFAULT_RATE_BURST, DEFAULT_RATE_PER_SECOND } from "@huddle/protocol";
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

const OriginList = z.preprocess(
  (value) => (value === undefined ? "" : value),
  z
    .string()
    .transform((raw) =>
      raw
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part !== ""),
    )
    .pipe(
      z.array(
        z.union([
          z.literal("*"),
          z.string().refine(isOrigin, "each origin must be scheme://host[:port] (no path, no trailing slash)"),
        ]),
      ),
    )
    .transform((origins) => (origins.length === 0 || origins.includes("*") ? "any" : new Set(origins))),
);

const ConfigSchema = z.object({
  MAX_PARTICIPANTS: integer(DEFAULT_MAX_PARTICIPANTS, 1, Math.floor(MAX_SOCKETS_PER_OBJECT / 2)),
  RATE_BURST: integer(DEFAULT_RATE_BURST, 1, 1_000_000),
  RATE_PER_SECOND: z.preprocess(unset, z.coerce.number().positive().max(1_000_000).default(DEFAULT_RATE_PER_SECOND)),
  ALLOWED_ORIGINS: OriginList,
});

export interface Config {
  maxParticipants: number;
  /** Sockets (joined or not) one room accepts: room for joiners that are still connecting. */
  maxSockets: number;
  rateBurst: number;
  ratePerSecond: number;
  allowedOrigins: "any" | ReadonlySet<string>;
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
  };
  cache.set(vars, config);
  return config;
}

/** Whether a WebSocket upgrade from `origin` may proceed (no Origin header: not a browser, allowed). */
export function originAllowed(config: Config, origin: string | undefined): boolean {
  if (config.allowedOrigins === "any" || origin === undefined) return true;
  return config.allowedOrigins.has(origin);
}
