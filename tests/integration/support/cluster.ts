// The real parts of an SFU deployment on loopback: `wrangler dev` (the edge) and media nodes as child
// processes (`node media-node/src/main.ts`), all on free ports, all stopped by `stop()` (and SIGKILLed
// if the test process exits first).
import { randomBytes } from "node:crypto";
import { type MediaNodeStatus, MediaNodesResponse, mediaPaths, RoomState, signedFetch } from "@huddle/protocol";
import { type Edge, startEdge } from "../../e2e/support/edge.ts";
import { startTestMediaNode, type TestMediaNode } from "../../e2e/support/media-nodes.ts";
import { type Child, freePort } from "../../e2e/support/processes.ts";
import { type ApiClient, apiClient, waitFor } from "../../media/helpers.ts";

const VERBOSE = process.env.HUDDLE_TEST_VERBOSE === "1";

/** Every process group started here, SIGKILLed when the test process exits without stopping them. */
const groups = new Set<number>();
process.once("exit", () => {
  for (const pid of groups) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
});

function track(child: Child): Child {
  const pid = child.process.pid;
  if (pid !== undefined) {
    groups.add(pid);
    void child.exited.then(() => groups.delete(pid));
  }
  return child;
}

export interface NodeProcess extends TestMediaNode {
  /** Signed client of its API (tests/media/helpers.ts). */
  api: ApiClient;
}

export interface ClusterOptions {
  /** Media node processes. */
  nodes: number;
  /** `static`: listed in MEDIA_NODES, not announcing; `announced`: MEDIA_NODE_EDGE_URL set, nothing static. */
  mode: "static" | "announced";
  /** Extra `--var`s for the edge. */
  vars?: Record<string, string>;
}

export interface Cluster {
  secret: string;
  edge: Edge;
  /** ws://127.0.0.1:PORT of the edge. */
  wsUrl: string;
  nodes: NodeProcess[];
  /** The edge's registry (signed GET /v1/media-nodes), schema-checked. */
  registry(): Promise<MediaNodeStatus[]>;
  /** Polls the registry until `check` holds (generous timeout); returns the last answer. */
  waitForRegistry(check: (nodes: MediaNodeStatus[]) => boolean, what: string): Promise<MediaNodeStatus[]>;
  /** The node that holds `roomId` (GET /v1/rooms/:roomId answers 200), or undefined. */
  nodeOf(roomId: string): Promise<NodeProcess | undefined>;
  stop(): Promise<void>;
}

/** Edge settings of every cluster: short probe and TTL so node loss is seen within seconds. */
export const EDGE_MEDIA_VARS = {
  MEDIA_CHECK_INTERVAL_MS: "500",
  MEDIA_NODE_TTL_MS: "4000",
  MEDIA_NODE_TIMEOUT_MS: "3000",
};

export const ANNOUNCE_INTERVAL_MS = 1000;

async function startNode(
  name: string,
  port: number,
  secret: string,
  edgeUrl: string | undefined,
): Promise<NodeProcess> {
  const node = await startTestMediaNode(name, secret, {
    port,
    announceIntervalMs: ANNOUNCE_INTERVAL_MS,
    echo: VERBOSE,
    ...(edgeUrl === undefined ? {} : { edgeUrl }),
  });
  track(node.child);
  return { ...node, api: apiClient(node.url, secret) };
}

/** Starts the edge and `options.nodes` media nodes; on any failure stops what started and throws. */
export async function startCluster(name: string, options: ClusterOptions): Promise<Cluster> {
  const secret = randomBytes(24).toString("hex");
  const ports: number[] = [];
  for (let i = 0; i < options.nodes; i++) ports.push(await freePort());
  const urls = ports.map((port) => `http://127.0.0.1:${port}`);
  const vars: Record<string, string> = { ...EDGE_MEDIA_VARS, MEDIA_NODE_SECRET: secret, ...options.vars };
  if (options.mode === "static") vars.MEDIA_NODES = urls.join(",");
  const nodes: NodeProcess[] = [];
  let edge: Edge | undefined;
  const stop = async () => {
    await Promise.all([...nodes.map((node) => node.stop()), edge?.stop()]);
  };
  try {
    edge = await startEdge(`integration-${name}`, vars, { privateAssets: true, echo: VERBOSE });
    track(edge.child);
    for (const [i, port] of ports.entries()) {
      const edgeUrl = options.mode === "announced" ? edge.url : undefined;
      nodes.push(await startNode(`media-${name}-${i}`, port, secret, edgeUrl));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const edgeUrl = edge.url;

  const registry = async (): Promise<MediaNodeStatus[]> => {
    const res = await signedFetch(secret, new URL(mediaPaths.nodes, edgeUrl));
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET ${mediaPaths.nodes} -> ${res.status} ${text.slice(0, 300)}`);
    return MediaNodesResponse.parse(JSON.parse(text)).nodes;
  };
  let last: MediaNodeStatus[] | string = "no answer yet";
  const waitForRegistry = async (check: (nodes: MediaNodeStatus[]) => boolean, what: string) => {
    try {
      return await waitFor(
        async () => {
          try {
            last = await registry();
          } catch (error) {
            last = String(error);
            return undefined;
          }
          return check(last) ? last : undefined;
        },
        what,
        30_000,
        200,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; the registry said: ${JSON.stringify(last)}`);
    }
  };
  const nodeOf = async (roomId: string) => {
    for (const node of nodes) {
      if (node.child.process.exitCode !== null || node.child.process.signalCode !== null) continue;
      const answer = await node.api.call("GET", mediaPaths.room(roomId));
      if (answer.status === 200) return node;
    }
    return undefined;
  };

  return {
    secret,
    edge,
    wsUrl: edgeUrl.replace(/^http/, "ws"),
    nodes,
    registry,
    waitForRegistry,
    nodeOf,
    stop,
  };
}

/** GET /v1/rooms/:roomId on a node, schema-checked (throws on anything but 200). */
export async function roomOnNode(node: NodeProcess, roomId: string): Promise<RoomState> {
  return RoomState.parse(await node.api.get(mediaPaths.room(roomId)));
}

/** The registry's entry for a node (throws when the registry does not list it). */
export function entryOf(nodes: MediaNodeStatus[], node: NodeProcess): MediaNodeStatus {
  const entry = nodes.find((n) => n.url === node.url);
  if (entry === undefined) throw new Error(`the registry does not list ${node.url}: ${JSON.stringify(nodes)}`);
  return entry;
}
