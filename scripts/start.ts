// `npm start`: builds the web client, starts one media node and `wrangler dev` (which serves
// the client too), waits until each answers its health check, prints the URL to open, and
// stops everything on Ctrl-C (SIGINT), SIGTERM or SIGHUP (terminal closed).
// Quiet by default: warnings and errors only (and a part's last lines if it fails);
// HUDDLE_START_VERBOSE=1 prints everything (the build, every request, the media node's log).
// Settings: HUDDLE_* environment variables (README, "Configuration").
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { networkInterfaces } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseApiKeys } from "@huddle/protocol/access";
import { ensureLocalSecret, readDotenv } from "./lib/dev-vars.ts";
import { isPortFree, isUdpPortFree, waitForHealthy } from "./lib/ports.ts";
import { type Service, startService, stopAll } from "./lib/processes.ts";
import { wranglerEnv } from "./lib/wrangler-env.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const env = process.env;

function fail(sentence: string): never {
  console.error(`\n[start] ${sentence}\n`);
  process.exit(1);
}

function log(line: string): void {
  console.log(`[start] ${line}`);
}

function port(name: string, fallback: number): number {
  const raw = env[name];
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) fail(`${name}=${raw} is not a port: use 1-65535.`);
  return value;
}

/** The first non-internal IPv4 address: what other machines on the network reach us by. */
function lanAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}

const host = env.HUDDLE_HOST || "127.0.0.1";
const loopbackOnly = host === "127.0.0.1" || host === "localhost";
/** How we (and the printed URL) reach the edge: loopback unless it listens on one other address. */
const edgeHost = loopbackOnly || host === "0.0.0.0" ? "127.0.0.1" : host;
const edgePort = port("HUDDLE_PORT", 8787);
const mediaPort = port("HUDDLE_MEDIA_PORT", 4000);
const rtcPort = port("HUDDLE_RTC_PORT", 40000);
const workers = Number(env.MEDIA_NODE_WORKERS || 1);
const announcedIp = env.HUDDLE_ANNOUNCED_IP || (host === "0.0.0.0" ? lanAddress() : edgeHost);
const rtcListenIp = loopbackOnly ? "127.0.0.1" : "0.0.0.0";
const stateDir = resolve(root, env.HUDDLE_STATE_DIR || ".wrangler/state");
const withMedia = env.HUDDLE_NO_MEDIA !== "1";
const verbose = env.HUDDLE_START_VERBOSE === "1";
const mediaUrl = `http://127.0.0.1:${mediaPort}`;
const edgeUrl = `http://${edgeHost}:${edgePort}`;
/** HUDDLE_API_KEYS: API_KEYS for this run (opt-in; a lasting setting belongs in .dev.vars). */
const apiKeys = env.HUDDLE_API_KEYS?.trim() || undefined;
/** Set once a stop signal arrived: whatever fails from then on is us stopping things. */
let stopping = false;

/** The mediasoup worker binary the media node will run (mediasoup's default path, or MEDIASOUP_WORKER_BIN). */
function workerBinary(): string {
  if (env.MEDIASOUP_WORKER_BIN) return env.MEDIASOUP_WORKER_BIN;
  const require = createRequire(join(root, "media-node", "package.json"));
  let entry: string;
  try {
    entry = require.resolve("mediasoup"); // <package>/node/lib/index.js ("./package.json" is not exported)
  } catch {
    fail("mediasoup is not installed: run `npm install` (or set HUDDLE_NO_MEDIA=1 for peer-to-peer only).");
  }
  return join(dirname(entry), "..", "..", "worker", "out", "Release", "mediasoup-worker");
}

/** Whether join tokens are required, and where the keys come from; fails on keys the edge would refuse. */
function accessMode(): string {
  const devVars = readDotenv(join(root, ".dev.vars")).API_KEYS?.trim() || undefined;
  const [raw, from] = apiKeys !== undefined ? [apiKeys, "from HUDDLE_API_KEYS"] : [devVars, "set in .dev.vars"];
  if (raw === undefined) return "rooms are open (no API_KEYS)";
  try {
    parseApiKeys(raw);
  } catch (error) {
    fail(
      `${(error as Error).message.replace(/^API_KEYS/, `API_KEYS (${from})`)}: use key:secret pairs, comma-separated.`,
    );
  }
  return `join tokens required (API_KEYS ${from}): mint one with \`npm run token -- --room R --user U\``;
}

async function preflight(): Promise<void> {
  if (!existsSync(join(root, "node_modules", "wrangler"))) fail("Dependencies are missing: run `npm install` first.");
  accessMode();
  const busy = async (what: string, variable: string, p: number, udp = false) => {
    if (
      (await isPortFree(p, host === "localhost" ? "127.0.0.1" : host)) &&
      (!udp || (await isUdpPortFree(p, rtcListenIp)))
    )
      return;
    fail(`Port ${p} (${what}) is busy: stop the program that uses it, or set ${variable} to a free port.`);
  };
  await busy("the edge and web client", "HUDDLE_PORT", edgePort);
  if (!withMedia) return;
  if (!Number.isInteger(workers) || workers < 1)
    fail(`MEDIA_NODE_WORKERS=${env.MEDIA_NODE_WORKERS} must be 1 or more.`);
  await busy("the media node's API", "HUDDLE_MEDIA_PORT", mediaPort);
  for (let i = 0; i < workers; i++) await busy("media over UDP and TCP", "HUDDLE_RTC_PORT", rtcPort + i, true);
  const binary = workerBinary();
  if (!existsSync(binary)) {
    fail(
      `The mediasoup worker binary is missing (${binary}): run \`npm install\` again; on Debian/Ubuntu without internet access first \`sudo apt-get install build-essential meson ninja-build pkg-config python3 libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev libabsl-dev libflatbuffers-dev flatbuffers-compiler\` (or set HUDDLE_NO_MEDIA=1 for peer-to-peer calls only).`,
    );
  }
  // Run without mediasoup's environment, a healthy worker exits at once with code 41.
  const probe = spawnSync(binary, [], { env: {}, encoding: "utf8", timeout: 10_000 });
  const missingLibrary = /error while loading shared libraries: (\S+?):/.exec(probe.stderr ?? "")?.[1];
  if (missingLibrary !== undefined) {
    fail(
      `The mediasoup worker cannot load ${missingLibrary}: on Debian/Ubuntu run \`sudo apt-get install libssl3 libuv1 libsrtp2-1 libusrsctp2 libabsl20220623\`.`,
    );
  }
  if (probe.status !== 41) {
    fail(
      `The mediasoup worker at ${binary} does not run (${probe.error?.message ?? `exit code ${probe.status}`}): run \`npm install\` again to rebuild it.`,
    );
  }
}

/** Prints a part's lines as `[name] line`, except those `hide` matches (unless verbose). */
function prefixed(name: string, hide?: RegExp): (line: string) => void {
  return (line) => {
    if (!verbose && hide?.test(line)) return;
    console.log(`[${name}] ${line}`);
  };
}

/** A part's last lines, after it failed (quiet mode did not print them). */
function printTail(service: Service): void {
  if (verbose) return;
  console.error(`[start] the last lines of ${service.name}:`);
  for (const line of service.tail().split("\n")) console.error(`[${service.name}] ${line}`);
}

async function buildWeb(): Promise<void> {
  log("building the web client (web/dist)");
  const build = startService("web build", "npm", ["run", "build", "-w", "web"], {
    cwd: root,
    ...(verbose ? { inheritOutput: true } : {}),
  });
  const code = await build.exited;
  await build.stop(); // nothing is left, but it leaves the list of running services
  if (code !== 0 && !stopping) {
    printTail(build);
    fail("The web client did not build: see the Vite output above.");
  }
}

function startMediaNode(secret: string): Service {
  return startService("media-node", process.execPath, ["media-node/src/main.ts"], {
    cwd: root,
    env: {
      ...env,
      MEDIA_NODE_HOST: "127.0.0.1",
      MEDIA_NODE_PORT: String(mediaPort),
      MEDIA_NODE_ANNOUNCED_IP: announcedIp,
      MEDIA_NODE_RTC_LISTEN_IP: rtcListenIp,
      MEDIA_NODE_RTC_PORT_MIN: String(rtcPort),
      MEDIA_NODE_WORKERS: String(workers),
      MEDIA_NODE_SECRET: secret,
      // Quiet: warnings and errors (we say ourselves when it is up).
      MEDIA_NODE_LOG_LEVEL: env.MEDIA_NODE_LOG_LEVEL || (verbose ? "info" : "warn"),
    },
    onLine: prefixed("media-node", /^media-node listening on /),
  });
}

function startEdge(): Service {
  // MEDIA_NODE_SECRET reaches wrangler dev through .dev.vars; the node list through --var.
  const args = [join(root, "node_modules", "wrangler", "bin", "wrangler.js"), "dev"];
  args.push("--ip", host, "--port", String(edgePort), "--persist-to", stateDir);
  args.push("--show-interactive-dev-session=false", "--live-reload=false");
  // Quiet: no line per request (wrangler's info level), only its warnings and errors.
  if (!verbose) args.push("--log-level", "warn");
  if (withMedia) args.push("--var", `MEDIA_NODES:${mediaUrl}`);
  // Overrides .dev.vars for this run (it shows in the process list: local development only).
  if (apiKeys !== undefined) args.push("--var", `API_KEYS:${apiKeys}`);
  return startService("edge", process.execPath, args, {
    cwd: root,
    // web/dist is built above: not again by wrangler.toml's [build] step.
    env: { ...wranglerEnv(root, env), HUDDLE_SKIP_WEB_BUILD: "1" },
    onLine: prefixed("edge"),
  });
}

async function main(): Promise<void> {
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    await stopAll();
    log("stopped");
    process.exit(0);
  };
  // SIGHUP: the terminal was closed. Our children have their own process groups, so only we hear it.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void shutdown(signal));

  await preflight();
  await buildWeb();
  if (stopping) return;
  const services: Service[] = [];
  try {
    if (withMedia) {
      const { secret, created } = ensureLocalSecret(join(root, ".dev.vars"));
      if (created) log("created .dev.vars with a new MEDIA_NODE_SECRET (the edge <-> media node secret; git-ignored)");
      log(`starting the media node (${mediaUrl})`);
      const media = startMediaNode(secret);
      services.push(media);
      await waitForHealthy(`${mediaUrl}/healthz`, 30_000, media);
    }
    log(`starting the edge (wrangler dev, ${edgeUrl})`);
    const edge = startEdge();
    services.push(edge);
    await waitForHealthy(`${edgeUrl}/healthz`, 90_000, edge);
  } catch (error) {
    if (stopping) return;
    await stopAll();
    fail((error as Error).message);
  }
  if (stopping) return;

  const shown = edgeHost === "127.0.0.1" ? "localhost" : edgeHost;
  const mode = withMedia ? `calls go through the media node at ${mediaUrl}` : "peer-to-peer calls only";
  console.log(`\n  huddle is running (${mode}).`);
  console.log(`  Open http://${shown}:${edgePort}/ in two browser tabs. Ctrl-C stops it.`);
  console.log(`  Access: ${accessMode()}.`);
  if (!verbose) console.log("  (HUDDLE_START_VERBOSE=1 npm start prints every request and log line.)");
  console.log("");

  const first = await Promise.race(services.map((s) => s.exited.then((code) => ({ name: s.name, code }))));
  if (stopping) return;
  stopping = true;
  log(`${first.name} exited (code ${first.code}); stopping the rest`);
  const failed = services.find((service) => service.name === first.name);
  if (failed !== undefined) printTail(failed);
  await stopAll();
  process.exit(1);
}

await main();
