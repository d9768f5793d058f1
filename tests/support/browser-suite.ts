// What the browser suites' runners (tests/e2e/run.ts, tests/network/run.ts) and the browser
// benchmarks share: building the web client they serve, running vitest as a child, and a
// benchmark's re-run of itself inside the loopback-only namespace.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runInLoopbackNamespace } from "./netns.ts";
import { REPO_ROOT, WEB_DIST } from "./paths.ts";
import { startChild } from "./processes.ts";

/** `npm run build -w web`, unless HUDDLE_E2E_SKIP_BUILD=1; exits the process when it fails. */
export function buildWeb(tag: string): void {
  if (process.env.HUDDLE_E2E_SKIP_BUILD === "1") {
    console.log(`[${tag}] HUDDLE_E2E_SKIP_BUILD=1: using the existing web/dist`);
    return;
  }
  console.log(`[${tag}] building the web client (npm run build -w web)`);
  const result = spawnSync("npm", ["run", "build", "-w", "web"], { cwd: REPO_ROOT, stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`[${tag}] the web client did not build; see the output above`);
    process.exit(1);
  }
}

/** What web/dist is built from: a change to any of these makes the build stale. */
const WEB_SOURCES = ["web/src", "web/index.html", "web/vite.config.ts", "web/package.json", "protocol/src"];

/** The newest modification time (ms) of a file at or under `path` (0 when there is none). */
function newestUnder(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestUnder(join(path, entry)));
  return newest;
}

/**
 * Builds web/dist when it is missing or older than its sources (benchmarks: a stale build
 * measures yesterday's client); false when the build failed.
 */
export function ensureWebBuilt(): boolean {
  const index = join(WEB_DIST, "index.html");
  const built = existsSync(index) ? statSync(index).mtimeMs : 0;
  const changed = Math.max(...WEB_SOURCES.map((source) => newestUnder(join(REPO_ROOT, source))));
  if (built > changed) return true;
  return spawnSync("npm", ["run", "build", "-w", "web"], { cwd: REPO_ROOT, stdio: "inherit" }).status === 0;
}

/**
 * A browser benchmark started outside the loopback-only namespace: builds web/dist when it is
 * missing, then runs the script at `scriptUrl` (its import.meta.url) again inside the namespace
 * with the same arguments. Its exit code (1 when the build failed), or null when no namespace
 * can be made here (the caller fails, or runs on the host and says so).
 */
export async function rerunBenchInNamespace(scriptUrl: string): Promise<number | null> {
  if (!ensureWebBuilt()) return 1;
  return runInLoopbackNamespace(fileURLToPath(scriptUrl), process.argv.slice(2));
}

/** `vitest run --config <config> ...args` as a child (echoed, stopped with the others); its exit code. */
export function runVitest(config: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const vitest = join(REPO_ROOT, "node_modules", "vitest", "vitest.mjs");
  const child = startChild("vitest", process.execPath, [vitest, "run", "--config", config, ...args], {
    env: process.stdout.isTTY ? env : { NO_COLOR: "1", ...env },
    echo: true,
    runsToCompletion: true,
  });
  return child.exited.then((code) => (typeof code === "number" ? code : 1));
}
