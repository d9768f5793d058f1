import { mkdirSync } from "node:fs";
import { join } from "node:path";

/**
 * Environment for every wrangler run on a machine without internet access:
 * no telemetry, no update check, no cf.json fetch, config kept inside the
 * project (.wrangler/ is git-ignored), and the local trace collector off
 * (it makes each WebSocket message about 5x dearer in `wrangler dev`).
 */
export function wranglerEnv(repoRoot: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const configHome = join(repoRoot, ".wrangler", "config");
  mkdirSync(configHome, { recursive: true });
  return {
    ...base,
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_HIDE_BANNER: "true",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_SEND_ERROR_REPORTS: "false",
    X_LOCAL_OBSERVABILITY: "false",
    XDG_CONFIG_HOME: configHome,
  };
}
