import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** Reads KEY=VALUE lines of a dotenv file (the format of wrangler's .dev.vars). */
export function readDotenv(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match?.[1]) continue;
    out[match[1]] = (match[2] ?? "").replace(/^"(.*)"$/, "$1");
  }
  return out;
}

/**
 * The local edge<->media-node secret: MEDIA_NODE_SECRET from .dev.vars, which `wrangler dev`
 * reads; created (random, 32 bytes) on first use (`created` says so).
 */
export function ensureLocalSecret(devVarsPath: string): { secret: string; created: boolean } {
  const existing = readDotenv(devVarsPath).MEDIA_NODE_SECRET;
  if (existing && existing.length >= 16) return { secret: existing, created: false };
  const secret = randomBytes(32).toString("hex");
  const before = existsSync(devVarsPath) ? readFileSync(devVarsPath, "utf8") : "";
  const sep = before === "" || before.endsWith("\n") ? "" : "\n";
  writeFileSync(devVarsPath, `${before}${sep}MEDIA_NODE_SECRET=${secret}\n`, { mode: 0o600 });
  return { secret, created: true };
}
