// `npm run test:e2e`: the browser suites, end to end, in real headless Chromium.
//
// 1. builds the web client (web/dist) unless HUDDLE_E2E_SKIP_BUILD=1;
// 2. re-runs itself inside a loopback-only network namespace and a private PID namespace
//    (root + unshare), so no packet leaves 127.0.0.0/8 and no process outlives the run;
//    without them it runs directly and prints a warning;
// 3. starts `wrangler dev` (the edge, which also serves web/dist) with no media node for the
//    mesh suites, web/dist on a second origin (as a CDN would host it), and, when a mediasoup
//    worker is built, a media node plus a second edge configured with it for the SFU suite;
// 4. runs vitest with tests/e2e/vitest.config.ts (extra arguments are passed on, e.g. a file
//    name filter), then stops everything, pass or fail.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEdge, startSfuEdge } from "../support/edge.ts";
import { insideNamespace, runInLoopbackNamespace } from "../support/netns.ts";
import { REPO_ROOT } from "../support/paths.ts";
import { reportChildren, startChild, stopAllChildren } from "../support/processes.ts";
import { type StaticSite, startStaticSite } from "./support/static-site.ts";

const log = (line: string) => console.log(`[e2e] ${line}`);
const args = process.argv.slice(2);

function buildWeb(): void {
  if (process.env.HUDDLE_E2E_SKIP_BUILD === "1") {
    log("HUDDLE_E2E_SKIP_BUILD=1: using the existing web/dist");
    return;
  }
  log("building the web client (npm run build -w web)");
  const result = spawnSync("npm", ["run", "build", "-w", "web"], { cwd: REPO_ROOT, stdio: "inherit" });
  if (result.status !== 0) {
    console.error("[e2e] the web client did not build; see the output above");
    process.exit(1);
  }
}

function runVitest(env: NodeJS.ProcessEnv): Promise<number> {
  const vitest = join(REPO_ROOT, "node_modules", "vitest", "vitest.mjs");
  const child = startChild(
    "vitest",
    process.execPath,
    [vitest, "run", "--config", "tests/e2e/vitest.config.ts", ...args],
    { env: process.stdout.isTTY ? env : { NO_COLOR: "1", ...env }, echo: true, runsToCompletion: true },
  );
  return child.exited.then((code) => (typeof code === "number" ? code : 1));
}

async function main(): Promise<number> {
  if (!insideNamespace()) {
    buildWeb();
    const code = await runInLoopbackNamespace(fileURLToPath(import.meta.url), args);
    if (code !== null) return code;
    console.warn(
      "[e2e] WARNING: not root or `unshare` is unavailable: running WITHOUT the loopback-only network namespace " +
        "(Chromium, the edge and the media node use the host's network stack).",
    );
  }
  const stop = async (signal: string) => {
    log(`${signal}: stopping everything`);
    await stopAllChildren();
    process.exit(130);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  let site: StaticSite | undefined;
  try {
    // The app on a second origin, as a CDN would host it (allowed by the mesh edge).
    let meshUrl = "";
    site = await startStaticSite(() => ({ edgeUrl: meshUrl }));
    log("starting the edge without a media node (mesh suites)");
    const mesh = await startEdge("mesh", { MAX_PARTICIPANTS: "3" }, { extraOrigins: [site.url] });
    meshUrl = mesh.url;
    log(`mesh edge: ${mesh.url}; the app also at ${site.url} (and ${site.url}/configured/ with a config.json)`);
    const env: NodeJS.ProcessEnv = { ...process.env, HUDDLE_E2E_MESH_URL: mesh.url, HUDDLE_E2E_SITE_URL: site.url };
    const sfu = await startSfuEdge();
    if ("edge" in sfu) {
      log(`SFU edge: ${sfu.edge.url}`);
      env.HUDDLE_E2E_SFU_URL = sfu.edge.url;
    } else {
      log(`no media node, so the SFU suites will FAIL: ${sfu.unavailable}`);
      env.HUDDLE_E2E_SFU_UNAVAILABLE = sfu.unavailable;
    }
    const code = await runVitest(env);
    if (code !== 0) reportChildren("the browser suites failed");
    return code;
  } catch (error) {
    console.error(`[e2e] ${(error as Error).message}`);
    return 1;
  } finally {
    await stopAllChildren();
    await site?.close();
  }
}

process.exit(await main());
