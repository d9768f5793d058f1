// What the browser suites' runners (tests/e2e/run.ts, tests/network/run.ts) and the browser
// benchmarks share: building the web client they serve, running vitest as a child, and a
// benchmark's re-run of itself inside the loopback-only namespace.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
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

/** Builds web/dist only when it is not there yet (benchmarks); false when the build failed. */
export function ensureWebBuilt(): boolean {
  if (existsSync(join(WEB_DIST, "index.html"))) return true;
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
