// `npm start`: builds the web client, starts one media node and `wrangler dev`
// (which serves the client too), waits until each answers its health check,
// prints the URL to open, and stops everything on Ctrl-C.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { localSecret } from "./lib/dev-vars.ts";
import { isPortFree, waitForHealthy } from "./lib/ports.ts";
import { type Service, startService, stopAll } from "./lib/processes.ts";
import { wranglerEnv } from "./lib/wrangler-env.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const env = process.env;
const host = env.HUDDLE_HOST ?? "127.0.0.1";
const edgePort = Number(env.HUDDLE_PORT ?? 8787);
const mediaPort = Number(env.HUDDLE_MEDIA_PORT ?? 4000);
const rtcPort = Number(env.HUDDLE_RTC_PORT ?? 40000);
const announcedIp = env.HUDDLE_ANNOUNCED_IP ?? "127.0.0.1";
const withMedia = env.HUDDLE_NO_MEDIA !== "1";

function fail(sentence: string): never {
  console.error(`\n[start] ${sentence}\n`);
  process.exit(1);
}

function log(line: string): void {
  console.log(`[start] ${line}`);
}

async function preflight(): Promise<void> {
  const major = Number(process.versions.node.split(".")[0]);
  if (major < 22) fail(`Node.js ${process.versions.node} is too old: install Node.js 22 or newer (see .nvmrc).`);
  if (!existsSync(join(root, "node_modules"))) fail("Dependencies are missing: run `npm install` first.");
  const ports: [string, number][] = [["edge (HUDDLE_PORT)", edgePort]];
  if (withMedia)
    ports.push(["media node API (HUDDLE_MEDIA_PORT)", mediaPort], ["media node RTC (HUDDLE_RTC_PORT)", rtcPort]);
  for (const [what, port] of ports) {
    if (!(await isPortFree(port, host === "0.0.0.0" ? "0.0.0.0" : "127.0.0.1"))) {
      fail(
        `Port ${port} for the ${what} is busy: stop what uses it, or set ${what.match(/\((\w+)\)/)?.[1]} to a free port.`,
      );
    }
  }
  if (withMedia) {
    const require = createRequire(join(root, "package.json"));
    let workerBin = env.MEDIASOUP_WORKER_BIN;
    try {
      workerBin ??= join(dirname(require.resolve("mediasoup/package.json")), "worker/out/Release/mediasoup-worker");
    } catch {
      fail("mediasoup is not installed: run `npm install` (or set HUDDLE_NO_MEDIA=1 for peer-to-peer only).");
    }
    if (!existsSync(workerBin)) {
      fail(
        "The mediasoup worker binary is missing: run `npm install` again (on Debian/Ubuntu first `sudo apt-get install build-essential meson ninja-build pkg-config python3 libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev libabsl-dev libflatbuffers-dev flatbuffers-compiler`), or set HUDDLE_NO_MEDIA=1 for peer-to-peer only.",
      );
    }
  }
}

function buildWeb(): void {
  log("building the web client (web/dist)");
  const result = spawnSync("npm", ["run", "build", "-w", "web"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) fail("The web client did not build: see the Vite output above.");
}

function prefixed(name: string): (line: string) => void {
  return (line) => {
    if (line.trim() !== "") console.log(`[${name}] ${line}`);
  };
}

async function main(): Promise<void> {
  await preflight();
  buildWeb();
  const secret = localSecret(join(root, ".dev.vars"));
  const services: Service[] = [];

  const shutdown = async (signal: string) => {
    log(`${signal}: stopping`);
    await stopAll();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  const mediaUrl = `http://127.0.0.1:${mediaPort}`;
  if (withMedia) {
    const media = startService("media-node", process.execPath, ["media-node/src/main.ts"], {
      cwd: root,
      env: {
        ...env,
        MEDIA_NODE_HOST: "127.0.0.1",
        MEDIA_NODE_PORT: String(mediaPort),
        MEDIA_NODE_ANNOUNCED_IP: announcedIp,
        MEDIA_NODE_RTC_PORT_MIN: String(rtcPort),
        MEDIA_NODE_WORKERS: env.MEDIA_NODE_WORKERS ?? "1",
        MEDIA_NODE_SECRET: secret,
      },
      onLine: prefixed("media-node"),
    });
    services.push(media);
  }

  const edgeArgs = [
    "wrangler",
    "dev",
    "--ip",
    host,
    "--port",
    String(edgePort),
    "--show-interactive-dev-session=false",
  ];
  if (withMedia) edgeArgs.push("--var", `MEDIA_NODES:${mediaUrl}`);
  const edge = startService("edge", "npx", edgeArgs, {
    cwd: root,
    env: wranglerEnv(root, env),
    onLine: prefixed("edge"),
  });
  services.push(edge);

  try {
    if (withMedia) await waitForHealthy(`${mediaUrl}/healthz`, 30_000, services[0]?.exited);
    await waitForHealthy(`http://127.0.0.1:${edgePort}/healthz`, 60_000, edge.exited);
  } catch (error) {
    await stopAll();
    fail(`${(error as Error).message}; see the lines above.`);
  }

  const shown = host === "0.0.0.0" ? "localhost" : host === "127.0.0.1" ? "localhost" : host;
  console.log(`\n  huddle is running: open http://${shown}:${edgePort}/ in two browser tabs.\n  Ctrl-C stops it.\n`);

  const first = await Promise.race(services.map((s) => s.exited.then((code) => ({ name: s.name, code }))));
  log(`${first.name} exited (code ${first.code}); stopping the rest`);
  await stopAll();
  process.exit(1);
}

await main();
