import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { wranglerEnv as offlineWranglerEnv } from "../../../scripts/lib/wrangler-env.ts";
import { REPO_ROOT } from "./paths.ts";
import { type Child, freePort, startChild, waitForHttp } from "./processes.ts";

/** Environment for every wrangler run here: offline, quiet, config kept inside the project. */
export function wranglerEnv(): NodeJS.ProcessEnv {
  return offlineWranglerEnv(REPO_ROOT);
}

export interface Edge {
  /** http://127.0.0.1:PORT, serving the web build and the room sockets. */
  url: string;
  child: Child;
  stop(): Promise<void>;
}

/**
 * `wrangler dev` for the root wrangler.toml on a free loopback port, serving web/dist, with its
 * own Durable Object storage (deleted on stop) so parallel runs never share rooms. Only its own
 * origin and `extraOrigins` may open room sockets (ALLOWED_ORIGINS).
 */
export async function startEdge(
  name: string,
  vars: Record<string, string>,
  extraOrigins: string[] = [],
): Promise<Edge> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const persistTo = join(REPO_ROOT, ".wrangler", `e2e-${name}-${randomBytes(4).toString("hex")}`);
  const args = [
    join(REPO_ROOT, "node_modules", "wrangler", "bin", "wrangler.js"),
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    persistTo,
    "--show-interactive-dev-session=false",
    "--live-reload=false",
    "--log-level",
    "warn",
  ];
  // The Origin allow-list: the edge's own origin (it serves the app) plus any other host of the app.
  const origins = [url, ...extraOrigins].join(",");
  for (const [key, value] of Object.entries({ ALLOWED_ORIGINS: origins, ...vars }))
    args.push("--var", `${key}:${value}`);
  const child = startChild(`edge:${name}`, process.execPath, args, {
    cwd: REPO_ROOT,
    env: wranglerEnv(),
    echo: process.env.HUDDLE_E2E_VERBOSE === "1",
  });
  // However the process ends (stop(), stopAllChildren(), a crash), its storage goes with it.
  void child.exited.then(() => rmSync(persistTo, { recursive: true, force: true }));
  const stop = () => child.stop();
  try {
    await waitForHttp(`${url}/healthz`, child, 90_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, child, stop };
}

/**
 * For the SFU suite and the benchmark: a media node on loopback (when its mediasoup worker is
 * built) and an edge configured with it (MEDIA_NODES, MEDIA_NODE_SECRET); or why there is
 * none (HUDDLE_E2E_SFU=0, no worker binary, no media node). Throws when one exists but fails.
 */
export async function startSfuEdge(): Promise<{ edge: Edge } | { unavailable: string }> {
  if (process.env.HUDDLE_E2E_SFU === "0") return { unavailable: "HUDDLE_E2E_SFU=0" };
  const worker =
    process.env.MEDIASOUP_WORKER_BIN ??
    join(REPO_ROOT, "node_modules", "mediasoup", "worker", "out", "Release", "mediasoup-worker");
  const main = join(REPO_ROOT, "media-node", "src", "main.ts");
  if (!existsSync(worker)) return { unavailable: `no mediasoup worker binary at ${worker}` };
  if (!existsSync(main)) return { unavailable: `no media node at ${main}` };
  const port = await freePort();
  const secret = randomBytes(32).toString("hex");
  const mediaUrl = `http://127.0.0.1:${port}`;
  const media = startChild("media-node", process.execPath, [main], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      MEDIA_NODE_HOST: "127.0.0.1",
      MEDIA_NODE_PORT: String(port),
      MEDIA_NODE_ANNOUNCED_IP: "127.0.0.1",
      MEDIA_NODE_RTC_LISTEN_IP: "127.0.0.1",
      MEDIA_NODE_RTC_PORT_MIN: "0",
      MEDIA_NODE_WORKERS: "1",
      MEDIA_NODE_SECRET: secret,
      MEDIA_NODE_LOG_LEVEL: "warn",
    },
    echo: process.env.HUDDLE_E2E_VERBOSE === "1",
  });
  // A media node that is there but does not start is a failure, not a reason to skip.
  await waitForHttp(`${mediaUrl}/healthz`, media, 30_000);
  const edge = await startEdge("sfu", { MAX_PARTICIPANTS: "3", MEDIA_NODES: mediaUrl, MEDIA_NODE_SECRET: secret });
  return { edge };
}
