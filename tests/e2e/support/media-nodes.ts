import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./paths.ts";
import { type Child, freePort, startChild, waitForHttp } from "./processes.ts";

export const WORKER_BIN =
  process.env.MEDIASOUP_WORKER_BIN ??
  join(REPO_ROOT, "node_modules", "mediasoup", "worker", "out", "Release", "mediasoup-worker");

export interface TestMediaNode {
  url: string;
  child: Child;
  /** kill -9 of the node and its mediasoup worker (its whole process group), as a crashed VM would. */
  kill(): void;
}

/** A media node on loopback with one worker; `edgeUrl` makes it announce itself there every second. */
export async function startTestMediaNode(name: string, secret: string, edgeUrl?: string): Promise<TestMediaNode> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MEDIA_NODE_HOST: "127.0.0.1",
    MEDIA_NODE_PORT: String(port),
    MEDIA_NODE_ANNOUNCED_IP: "127.0.0.1",
    MEDIA_NODE_RTC_LISTEN_IP: "127.0.0.1",
    MEDIA_NODE_RTC_PORT_MIN: "0",
    MEDIA_NODE_WORKERS: "1",
    MEDIA_NODE_SECRET: secret,
    MEDIA_NODE_LOG_LEVEL: "warn",
    MEDIA_NODE_ANNOUNCE_INTERVAL_MS: "1000",
  };
  if (edgeUrl !== undefined) env.MEDIA_NODE_EDGE_URL = edgeUrl;
  const child = startChild(name, process.execPath, [join(REPO_ROOT, "media-node", "src", "main.ts")], {
    cwd: REPO_ROOT,
    env,
    echo: process.env.HUDDLE_E2E_VERBOSE === "1",
  });
  await waitForHttp(`${url}/healthz`, child, 30_000);
  return {
    url,
    child,
    kill: () => {
      const pid = child.process.pid;
      if (pid !== undefined) process.kill(-pid, "SIGKILL");
    },
  };
}

export const mediaNodeAvailable = (): string | undefined =>
  existsSync(WORKER_BIN) ? undefined : `no mediasoup worker binary at ${WORKER_BIN}`;
