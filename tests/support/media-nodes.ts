import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./paths.ts";
import { type Child, freePort, startChild, waitForHttp } from "./processes.ts";

export const WORKER_BIN =
  process.env.MEDIASOUP_WORKER_BIN ??
  join(REPO_ROOT, "node_modules", "mediasoup", "worker", "out", "Release", "mediasoup-worker");

/** Why no media node can run here (no worker binary), or undefined when one can. */
export const mediaNodeAvailable = (): string | undefined =>
  existsSync(WORKER_BIN) ? undefined : `no mediasoup worker binary at ${WORKER_BIN}`;

export interface TestMediaNodeOptions {
  /** The port of its API; a free one when omitted. */
  port?: number;
  /** Announce itself to this edge (MEDIA_NODE_EDGE_URL) every `announceIntervalMs`. */
  edgeUrl?: string;
  announceIntervalMs?: number;
  /** More MEDIA_NODE_* settings (e.g. MEDIA_NODE_ALLOW_PLAIN for benchmarks). */
  env?: NodeJS.ProcessEnv;
  echo?: boolean;
}

export interface TestMediaNode {
  /** http://127.0.0.1:PORT: its API, and what it announces. */
  url: string;
  child: Child;
  /** kill -9 of the node and its mediasoup worker (its whole process group), as a crashed VM would. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** A media node process (`node media-node/src/main.ts`) on loopback with one worker, any free RTC port. */
export async function startTestMediaNode(
  name: string,
  secret: string,
  options: TestMediaNodeOptions = {},
): Promise<TestMediaNode> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MEDIA_NODE_HOST: "127.0.0.1",
    MEDIA_NODE_PORT: String(port),
    MEDIA_NODE_PUBLIC_URL: url,
    MEDIA_NODE_ANNOUNCED_IP: "127.0.0.1",
    MEDIA_NODE_RTC_LISTEN_IP: "127.0.0.1",
    MEDIA_NODE_RTC_PORT_MIN: "0",
    MEDIA_NODE_WORKERS: "1",
    MEDIA_NODE_SECRET: secret,
    MEDIA_NODE_LOG_LEVEL: "warn",
    MEDIA_NODE_ANNOUNCE_INTERVAL_MS: String(options.announceIntervalMs ?? 1000),
    ...options.env,
  };
  if (options.edgeUrl !== undefined) env.MEDIA_NODE_EDGE_URL = options.edgeUrl;
  const child = startChild(name, process.execPath, [join(REPO_ROOT, "media-node", "src", "main.ts")], {
    cwd: REPO_ROOT,
    env,
    echo: options.echo ?? process.env.HUDDLE_E2E_VERBOSE === "1",
  });
  // A media node that is there but does not start is a failure, not a reason to skip.
  await waitForHttp(`${url}/healthz`, child, 30_000);
  return {
    url,
    child,
    kill: async () => {
      const pid = child.process.pid;
      if (pid !== undefined) process.kill(-pid, "SIGKILL");
      await child.exited;
    },
    stop: () => child.stop(),
  };
}
