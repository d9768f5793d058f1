// What the browser suites' runners (tests/e2e/run.ts, tests/network/run.ts) and the browser
// benchmarks share: building the web client they serve, and running vitest as a child.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
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
