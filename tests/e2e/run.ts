// `npm run test:e2e`: the browser suites, end to end, in real headless Chromium.
//
// 1. builds the web client (web/dist) unless HUDDLE_E2E_SKIP_BUILD=1;
// 2. re-runs itself inside a loopback-only network namespace and a private PID namespace
//    (root + unshare), so no packet leaves 127.0.0.0/8 and no process outlives the run;
//    without them it runs directly and prints a warning;
// 3. starts `wrangler dev` (the edge, which also serves web/dist) with no media node for the
//    mesh suites, web/dist on a second origin (as a CDN would host it), and, when a mediasoup
//    worker is built, a media node plus a second edge configured with it for the SFU suite, and
//    another pair with API_KEYS (rooms need join tokens) for the access suites;
// 4. runs vitest with tests/e2e/vitest.config.ts (extra arguments are passed on, e.g. a file
//    name filter), then stops everything, pass or fail.
import { fileURLToPath } from "node:url";
import { buildWeb, runVitest } from "../support/browser-suite.ts";
import { startEdge, startSfuEdge } from "../support/edge.ts";
import { insideNamespace, runInLoopbackNamespace } from "../support/netns.ts";
import { reportChildren, stopAllChildren } from "../support/processes.ts";
import { startAccessEdge } from "./support/access.ts";
import { type StaticSite, startStaticSite } from "./support/static-site.ts";

const log = (line: string) => console.log(`[e2e] ${line}`);
const args = process.argv.slice(2);

async function main(): Promise<number> {
  if (!insideNamespace()) {
    buildWeb("e2e");
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
    const access = await startAccessEdge();
    if ("edge" in access) {
      log(`access edge (API_KEYS, media node): ${access.edge.url}`);
      env.HUDDLE_E2E_ACCESS_URL = access.edge.url;
      env.HUDDLE_E2E_ACCESS_KEY = access.apiKey;
      env.HUDDLE_E2E_ACCESS_SECRET = access.apiSecret;
    } else {
      log(`no access edge, so the access suites will FAIL: ${access.unavailable}`);
      env.HUDDLE_E2E_ACCESS_UNAVAILABLE = access.unavailable;
    }
    const code = await runVitest("tests/e2e/vitest.config.ts", args, env);
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
