import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseApiKeys } from "@huddle/protocol/access";
import { readDotenv } from "./dev-vars.ts";

/** `npm run token`'s usage line. */
export const TOKEN_USAGE =
  "npm run token -- --room R --user U [--name N] [--admin] [--ttl 2h] [--key K --secret S] [--url http://127.0.0.1:8787]";

/** A token's default lifetime: LiveKit's (6 hours). */
export const DEFAULT_TTL = "6h";
export const DEFAULT_EDGE_URL = "http://127.0.0.1:8787";

export class TokenArgsError extends Error {
  override name = "TokenArgsError";
}

export interface TokenArgs {
  room: string;
  user: string;
  name: string | undefined;
  admin: boolean;
  ttlSeconds: number;
  key: string | undefined;
  secret: string | undefined;
  /** The edge (serving the web client), without a trailing slash. */
  url: string;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90s`, `30m`, `2h`, `1d`, or plain seconds, as seconds (at most a year). */
export function parseTtl(raw: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(raw.trim());
  const seconds = match === null ? Number.NaN : Number(match[1]) * (UNITS[match[2] || "s"] ?? 1);
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > 366 * 86_400) {
    throw new TokenArgsError(`--ttl ${raw}: use a duration such as 90s, 30m, 2h or 1d (at most 366d)`);
  }
  return seconds;
}

/** The command line after `npm run token --`. Throws TokenArgsError saying what is wrong. */
export function parseTokenArgs(argv: readonly string[]): TokenArgs {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new TokenArgsError((error as Error).message);
  }
  const { room, user } = values;
  if (room === undefined || room.trim() === "") throw new TokenArgsError("--room is required");
  if (user === undefined || user.trim() === "") throw new TokenArgsError("--user is required");
  if (values.secret !== undefined && values.key === undefined) {
    throw new TokenArgsError("--secret needs --key (the API key it belongs to)");
  }
  let url: URL;
  try {
    url = new URL(values.url ?? DEFAULT_EDGE_URL);
  } catch {
    throw new TokenArgsError(`--url ${values.url}: not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new TokenArgsError("--url must be http(s)");
  return {
    room,
    user,
    name: values.name,
    admin: values.admin ?? false,
    ttlSeconds: parseTtl(values.ttl ?? DEFAULT_TTL),
    key: values.key,
    secret: values.secret,
    url: url.toString().replace(/\/+$/, ""),
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      room: { type: "string" },
      user: { type: "string" },
      name: { type: "string" },
      admin: { type: "boolean" },
      ttl: { type: "string" },
      key: { type: "string" },
      secret: { type: "string" },
      url: { type: "string" },
    },
  });
}

/** The API key and secret that sign the token, and where they came from. */
export interface SigningKey {
  apiKey: string;
  apiSecret: string;
  from: string;
}

/**
 * `--key/--secret`, else `API_KEYS` (or npm start's `HUDDLE_API_KEYS`) from the environment,
 * else `API_KEYS` from the repo's .dev.vars; the first pair, or the one `--key` names.
 */
export function signingKey(args: TokenArgs, env: NodeJS.ProcessEnv, repoRoot: string): SigningKey {
  if (args.key !== undefined && args.secret !== undefined) {
    try {
      parseApiKeys(`${args.key}:${args.secret}`); // the edge's own rules (e.g. the secret's length)
    } catch (error) {
      throw new TokenArgsError(`--key/--secret: ${(error as Error).message.replace(/^API_KEYS: /, "")}`);
    }
    return { apiKey: args.key, apiSecret: args.secret, from: "--key/--secret" };
  }
  const devVars = join(repoRoot, ".dev.vars");
  const sources: [string, string | undefined][] = [
    ["API_KEYS in the environment", env.API_KEYS],
    ["HUDDLE_API_KEYS in the environment", env.HUDDLE_API_KEYS],
    [`API_KEYS in ${devVars}`, readDotenv(devVars).API_KEYS],
  ];
  for (const [from, raw] of sources) {
    if (raw === undefined || raw.trim() === "") continue;
    let keys: Map<string, string>;
    try {
      keys = parseApiKeys(raw);
    } catch (error) {
      throw new TokenArgsError(`${from}: ${(error as Error).message}`);
    }
    const apiKey = args.key ?? keys.keys().next().value;
    const apiSecret = apiKey === undefined ? undefined : keys.get(apiKey);
    if (apiKey === undefined || apiSecret === undefined) {
      throw new TokenArgsError(`${from} has no key '${args.key ?? ""}' (it has: ${[...keys.keys()].join(", ")})`);
    }
    return { apiKey, apiSecret, from };
  }
  throw new TokenArgsError(
    `no API key to sign with: pass --key K --secret S, set API_KEYS=key:secret, or add API_KEYS=key:secret to ${devVars} (the edge reads it too)`,
  );
}

/** The link that opens the web client in `room` with `token` (in the fragment: it stays out of server logs). */
export function inviteLink(url: string, room: string, token: string): string {
  return `${url}/?room=${encodeURIComponent(room)}#token=${token}`;
}
