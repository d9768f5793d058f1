import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { waitForHealthy } from "../../scripts/lib/ports.ts";
import { wranglerEnv as offlineWranglerEnv } from "../../scripts/lib/wrangler-env.ts";
import { mediaNodeAvailable, startTestMediaNode } from "./media-nodes.ts";
import { REPO_ROOT } from "./paths.ts";
import { reservePort } from "./ports.ts";
import { type Child, startChild } from "./processes.ts";

/**
 * Environment for every wrangler run here: offline, quiet, config kept inside the project, and
 * without wrangler.toml's [build] step (the web client is built once by the suite that serves it,
 * not at every edge start).
 */
export function wranglerEnv(): NodeJS.ProcessEnv {
  return { ...offlineWranglerEnv(REPO_ROOT), HUDDLE_SKIP_WEB_BUILD: "1" };
}

export interface Edge {
  /** http://127.0.0.1:PORT, serving the web build and the room sockets. */
  url: string;
  child: Child;
  stop(): Promise<void>;
}

export interface EdgeOptions {
  /** Origins besides the edge's own that may open room sockets (ALLOWED_ORIGINS). */
  extraOrigins?: string[];
  /**
   * Serve an empty private folder instead of web/dist (suites without a browser): `wrangler dev`
   * reloads the Worker, resetting every room and dropping every socket, whenever its assets
   * change, e.g. when another run rebuilds the web client meanwhile.
   */
  privateAssets?: boolean;
  echo?: boolean;
  /** Listen on this port instead of a fresh one (an edge started again where its clients look for it). */
  port?: number;
  /** Another wrangler config than the root wrangler.toml (a benchmark's baseline worker). */
  config?: string;
}

/**
 * `wrangler dev` for the root wrangler.toml on a reserved loopback port, serving web/dist, with its
 * own Durable Object storage (deleted on stop) so parallel runs never share rooms. Only its own
 * origin and `extraOrigins` may open room sockets from a browser (ALLOWED_ORIGINS).
 */
export async function startEdge(name: string, vars: Record<string, string>, options: EdgeOptions = {}): Promise<Edge> {
  const port = options.port ?? (await reservePort());
  const inspectorPort = await reservePort();
  const url = `http://127.0.0.1:${port}`;
  const scratch = join(REPO_ROOT, ".wrangler", `test-${name}-${randomBytes(4).toString("hex")}`);
  const persistTo = join(scratch, "state");
  const args = [
    join(REPO_ROOT, "node_modules", "wrangler", "bin", "wrangler.js"),
    "dev",
    ...(options.config === undefined ? [] : ["--config", options.config]),
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    persistTo,
    ...(options.privateAssets ? ["--assets", privateAssets(scratch)] : []),
    "--show-interactive-dev-session=false",
    "--live-reload=false",
    "--log-level",
    "warn",
  ];
  // The Origin allow-list: the edge's own origin (it serves the app) plus any other host of the app.
  const origins = [url, ...(options.extraOrigins ?? [])].join(",");
  for (const [key, value] of Object.entries({ ALLOWED_ORIGINS: origins, ...vars }))
    args.push("--var", `${key}:${value}`);
  const child = startChild(`edge:${name}`, process.execPath, args, {
    env: wranglerEnv(),
    ...(options.echo === undefined ? {} : { echo: options.echo }),
  });
  // However the process ends (stop(), stopAllChildren(), a crash), its storage goes with it:
  // once workerd (in its group) is dead too, so nothing writes there meanwhile. A failure here
  // must not become an unhandled rejection (vitest would fail a passing run).
  void child.gone.then(() => removeScratch(scratch));
  const stop = () => child.stop();
  try {
    await waitForHealthy(`${url}/healthz`, 90_000, child);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, child, stop };
}

/**
 * For the SFU suite and the benchmark: a media node on loopback (when its mediasoup worker is
 * built) and an edge configured with it (MEDIA_NODES, MEDIA_NODE_SECRET, and `vars`, e.g. a
 * higher MAX_PARTICIPANTS than the suite's 3); or why there is
 * none (HUDDLE_E2E_SFU=0, no worker binary, no media node). Throws when one exists but fails.
 */
export async function startSfuEdge(
  vars: Record<string, string> = {},
): Promise<{ edge: Edge } | { unavailable: string }> {
  if (process.env.HUDDLE_E2E_SFU === "0") return { unavailable: "HUDDLE_E2E_SFU=0" };
  const missing = mediaNodeAvailable();
  if (missing !== undefined) return { unavailable: missing };
  const secret = randomBytes(32).toString("hex");
  // The edge's port first: the node pushes its events (active speaker, scores, closures) there.
  const port = await reservePort();
  const media = await startTestMediaNode("media-node", secret, { edgeUrl: `http://127.0.0.1:${port}` });
  const edge = await startEdge(
    "sfu",
    { MAX_PARTICIPANTS: "3", ...vars, MEDIA_NODES: media.url, MEDIA_NODE_SECRET: secret },
    { port },
  );
  return { edge };
}

function privateAssets(scratch: string): string {
  const dir = join(scratch, "assets");
  mkdirSync(dir, { recursive: true });
  return dir;
}

function removeScratch(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  } catch (error) {
    console.warn(`[edge] could not remove ${dir}: ${(error as Error).message}`);
  }
}
