// `wrangler dev` for the root wrangler.toml, for suites and benchmarks that need no web client.
// Like tests/e2e/support/edge.ts, but its static assets are a private empty folder instead of
// web/dist: `wrangler dev` reloads the Worker (resetting every Durable Object and dropping every
// socket) whenever its assets change, e.g. when another run rebuilds the web client meanwhile.
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { wranglerEnv } from "../../../scripts/lib/wrangler-env.ts";
import { REPO_ROOT } from "../../e2e/support/paths.ts";
import { type Child, freePort, startChild, waitForHttp } from "../../e2e/support/processes.ts";

export interface Edge {
  /** http://127.0.0.1:PORT */
  url: string;
  child: Child;
  stop(): Promise<void>;
}

/** Starts the edge on a free loopback port with `vars` (`--var KEY:VALUE`) and its own storage (deleted on exit). */
export async function startApiEdge(name: string, vars: Record<string, string>, echo = false): Promise<Edge> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const scratch = join(REPO_ROOT, ".wrangler", `${name}-${randomBytes(4).toString("hex")}`);
  const assets = join(scratch, "assets");
  mkdirSync(assets, { recursive: true });
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
    join(scratch, "state"),
    "--assets",
    assets,
    "--show-interactive-dev-session=false",
    "--live-reload=false",
    "--log-level",
    "warn",
  ];
  for (const [key, value] of Object.entries(vars)) args.push("--var", `${key}:${value}`);
  const child = startChild(`edge:${name}`, process.execPath, args, {
    cwd: REPO_ROOT,
    env: wranglerEnv(REPO_ROOT),
    echo,
  });
  void child.exited.then(() => rmSync(scratch, { recursive: true, force: true }));
  try {
    await waitForHttp(`${url}/healthz`, child, 90_000);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { url, child, stop: () => child.stop() };
}
