// The real parts of an SFU deployment on loopback: `wrangler dev` (the edge) and media nodes as child
// processes (`node media-node/src/main.ts`), all on ports nobody else can take (tests/support), all
// stopped by `stop()` (and SIGKILLed if the test process exits first).
import { randomBytes } from "node:crypto";
import {
  type MediaNodeStatus,
  MediaNodesResponse,
  mediaPaths,
  RoomState,
  registryPaths,
  signedFetch,
} from "@huddle/protocol";
import { type ApiClient, apiClient } from "../../media/helpers.ts";
import { type Edge, startEdge } from "../../support/edge.ts";
import { startTestMediaNode, type TestMediaNode } from "../../support/media-nodes.ts";
import { waitFor } from "../../support/wait.ts";

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
  /** Extra MEDIA_NODE_* settings for every node. */
  nodeEnv?: NodeJS.ProcessEnv;
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
  secret: string,
  edgeUrl: string | undefined,
  env: NodeJS.ProcessEnv | undefined,
): Promise<NodeProcess> {
  const node = await startTestMediaNode(name, secret, {
    announceIntervalMs: ANNOUNCE_INTERVAL_MS,
    ...(edgeUrl === undefined ? {} : { edgeUrl }),
    ...(env === undefined ? {} : { env }),
  });
  return { ...node, api: apiClient(node.url, secret) };
}

/**
 * Starts the edge and `options.nodes` media nodes (static: the nodes first, as the edge's list
 * names them; announced: the edge first, as the nodes announce to it); on any failure stops what
 * started and throws.
 */
export async function startCluster(name: string, options: ClusterOptions): Promise<Cluster> {
  const secret = randomBytes(24).toString("hex");
  const vars: Record<string, string> = { ...EDGE_MEDIA_VARS, MEDIA_NODE_SECRET: secret, ...options.vars };
  const nodes: NodeProcess[] = [];
  let edge: Edge | undefined;
  const stop = async () => {
    await Promise.all([...nodes.map((node) => node.stop()), edge?.stop()]);
  };
  const startEdgeWith = (extra: Record<string, string>) =>
    startEdge(`integration-${name}`, { ...vars, ...extra }, { privateAssets: true });
  try {
    if (options.mode === "announced") edge = await startEdgeWith({});
    for (let i = 0; i < options.nodes; i++) {
      nodes.push(await startNode(`media-${name}-${i}`, secret, edge?.url, options.nodeEnv));
    }
    edge ??= await startEdgeWith({ MEDIA_NODES: nodes.map((node) => node.url).join(",") });
  } catch (error) {
    await stop();
    throw error;
  }
  const edgeUrl = edge.url;

  const registry = async (): Promise<MediaNodeStatus[]> => {
    const res = await signedFetch(secret, new URL(registryPaths.nodes, edgeUrl));
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET ${registryPaths.nodes} -> ${res.status} ${text.slice(0, 300)}`);
    return MediaNodesResponse.parse(JSON.parse(text)).nodes;
  };
  let last: MediaNodeStatus[] | string = "no answer yet";
  const waitForRegistry = async (check: (nodes: MediaNodeStatus[]) => boolean, what: string) => {
    try {
      return await waitFor(
        what,
        async () => {
          try {
            last = await registry();
          } catch (error) {
            last = String(error);
            return undefined;
          }
          return check(last) ? last : undefined;
        },
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
