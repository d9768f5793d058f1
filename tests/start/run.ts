// `npm run test:start`: `npm start` exactly as a new user runs it, checked end to end.
//
// Re-runs itself inside a loopback-only network namespace and a private PID namespace (root +
// unshare; see tests/support/netns.ts), so the stack's fixed-looking ports collide with
// nothing, no packet leaves 127.0.0.0/8, and "no process left behind" can be checked against
// every process in the namespace. Then runs vitest with tests/start/vitest.config.ts (extra
// arguments are passed on). Unlike test:e2e it does not build the web client: start.ts does.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { insideNamespace, runInLoopbackNamespace } from "../support/netns.ts";
import { REPO_ROOT } from "../support/paths.ts";
import { startChild, stopAllChildren } from "../support/processes.ts";

const args = process.argv.slice(2);

async function main(): Promise<number> {
  if (!insideNamespace()) {
    const code = await runInLoopbackNamespace(fileURLToPath(import.meta.url), args);
    if (code !== null) return code;
    console.warn(
      "[start-test] WARNING: not root or `unshare` is unavailable: running WITHOUT the loopback-only network " +
        "namespace (the stack uses the host's network stack; leftover processes are checked by pid only).",
    );
  }
  const stop = async (signal: string) => {
    console.log(`[start-test] ${signal}: stopping`);
    await stopAllChildren();
    process.exit(130);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  const vitest = join(REPO_ROOT, "node_modules", "vitest", "vitest.mjs");
  const env = process.stdout.isTTY ? process.env : { NO_COLOR: "1", ...process.env };
  const child = startChild(
    "vitest",
    process.execPath,
    [vitest, "run", "--config", "tests/start/vitest.config.ts", ...args],
    { env, echo: true, runsToCompletion: true },
  );
  const code = await child.exited;
  await stopAllChildren();
  return typeof code === "number" ? code : 1;
}

process.exit(await main());
