import { existsSync } from "node:fs";
import { join } from "node:path";
import { waitForHealthy } from "../../scripts/lib/ports.ts";
import { REPO_ROOT } from "./paths.ts";
import { type Child, startChild } from "./processes.ts";

export const WORKER_BIN =
  process.env.MEDIASOUP_WORKER_BIN ??
  join(REPO_ROOT, "node_modules", "mediasoup", "worker", "out", "Release", "mediasoup-worker");

/** Why no media node can run here (no worker binary), or undefined when one can. */
export const mediaNodeAvailable = (): string | undefined =>
  existsSync(WORKER_BIN) ? undefined : `no mediasoup worker binary at ${WORKER_BIN}`;

export interface TestMediaNodeOptions {
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

/** What main.ts prints once its API listens (MEDIA_NODE_PORT=0: the port the kernel chose). */
const LISTENING = /^media-node listening on (http:\/\/\S+)/;

/**
 * A media node process (`node media-node/src/main.ts`) on loopback with one worker: its API on
 * the port it binds itself (port 0, read from its first line, so no other process can take it
 * first), RTC on any free port.
 */
export async function startTestMediaNode(
  name: string,
  secret: string,
  options: TestMediaNodeOptions = {},
): Promise<TestMediaNode> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MEDIA_NODE_HOST: "127.0.0.1",
    MEDIA_NODE_PORT: "0",
    MEDIA_NODE_ANNOUNCED_IP: "127.0.0.1",
    MEDIA_NODE_RTC_LISTEN_IP: "127.0.0.1",
    MEDIA_NODE_RTC_PORT_MIN: "0",
    MEDIA_NODE_WORKERS: "1",
    MEDIA_NODE_SECRET: secret,
    MEDIA_NODE_LOG_LEVEL: "warn",
    MEDIA_NODE_ANNOUNCE_INTERVAL_MS: String(options.announceIntervalMs ?? 1000),
    ...options.env,
  };
  delete env.MEDIA_NODE_PUBLIC_URL; // it announces the address it listens on
  if (options.edgeUrl !== undefined) env.MEDIA_NODE_EDGE_URL = options.edgeUrl;
  let listening: (url: string) => void = () => {};
  const announced = new Promise<string>((resolve) => {
    listening = resolve;
  });
  const child = startChild(name, process.execPath, [join(REPO_ROOT, "media-node", "src", "main.ts")], {
    env,
    ...(options.echo === undefined ? {} : { echo: options.echo }),
    onLine: (line) => {
      const url = LISTENING.exec(line)?.[1];
      if (url !== undefined) listening(url);
    },
  });
  // A media node that is there but does not start is a failure, not a reason to skip.
  const url = await Promise.race([
    announced,
    child.exited.then((code) => {
      throw new Error(`${name} exited (${code}) before it listened; its last lines:\n${child.tail()}`);
    }),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${name} did not listen within 30 s:\n${child.tail()}`)), 30_000).unref(),
    ),
  ]).catch(async (error: unknown) => {
    await child.stop();
    throw error;
  });
  await waitForHealthy(`${url}/healthz`, 30_000, child);
  return { url, child, kill: () => child.kill(), stop: () => child.stop() };
}
