// The media node's push path end to end: wrangler dev (the edge) and real media node processes.
// The room's periodic probe is off (an hour), so whatever reaches the clients here came by push.
import {
  type NodeEvent,
  type NodeEventsBatch,
  NodeEventsResponse,
  nodeEventsPath,
  signedFetch,
  signRequest,
} from "@huddle/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RoomClient } from "../support/room-client.ts";
import { SyntheticParticipant } from "../support/synthetic-participant.ts";
import { type Cluster, type NodeProcess, startCluster } from "./support/cluster.ts";
import { connectedTransport, produce } from "./support/sfu.ts";

let cluster: Cluster;
const clients: { close(): void }[] = [];

async function join(roomId: string, username: string) {
  const joined = await RoomClient.join(cluster.wsUrl, roomId, username);
  clients.push(joined.client);
  return joined;
}

/** POST a batch to the edge's node-events route, signed with `secret` (or unsigned when null). */
async function postEvents(batch: NodeEventsBatch, secret: string | null, init: { body?: string } = {}) {
  const url = new URL(nodeEventsPath, cluster.edge.url);
  const body = init.body ?? JSON.stringify(batch);
  const res =
    secret === null
      ? await fetch(url, { method: "POST", body, headers: { "content-type": "application/json" } })
      : await signedFetch(secret, url, { method: "POST", body, headers: { "content-type": "application/json" } });
  const text = await res.text();
  return { status: res.status, text };
}

/** The producers a newcomer to the room is told of (the edge's media store, as `joined.sfu`). */
async function producersSeenByNewcomer(roomId: string, username: string): Promise<string[]> {
  const { client, joined } = await join(roomId, username);
  client.close();
  return (joined.sfu?.producers ?? []).map((p) => p.producerId);
}

beforeAll(async () => {
  cluster = await startCluster("node-events", {
    nodes: 2,
    mode: "announced",
    vars: { MEDIA_CHECK_INTERVAL_MS: "3600000" },
    nodeEnv: {
      MEDIA_NODE_EVENTS_FLUSH_MS: "50",
      // A peer that stops talking ICE is noticed within seconds (werift checks consent every 4-6 s).
      MEDIA_NODE_ICE_CONSENT_TIMEOUT_S: "10",
      MEDIA_NODE_ICE_DISCONNECTED_CLOSE_MS: "500",
    },
  });
  await cluster.waitForRegistry(
    (nodes) => cluster.nodes.every((node) => nodes.some((n) => n.url === node.url && n.eligible)),
    "both nodes to announce themselves",
  );
});

afterAll(async () => {
  for (const client of clients.splice(0)) client.close();
  await cluster?.stop();
});

describe("a producer that dies on the node", () => {
  it("reaches the others at once as producer-closed and connection-quality lost, and the edge forgets it", async () => {
    const roomId = "push-dies";
    const { client: bob } = await join(roomId, "bob");
    const alice = await SyntheticParticipant.join(cluster.wsUrl, roomId, "alice", { video: false });
    clients.push(alice);
    const [audioId] = alice.producerIds;
    if (audioId === undefined) throw new Error("alice produces nothing");
    expect(await producersSeenByNewcomer(roomId, "carol")).toContain(audioId);

    alice.dropSendTransport();

    const closed = await bob.waitFor("producer-closed", (d) => d.producerId === audioId, 60_000);
    expect(closed.user).toBe("alice");
    expect(await bob.waitFor("connection-quality", (d) => d.user === "alice" && d.quality === "lost", 5_000)).toEqual({
      user: "alice",
      quality: "lost",
    });
    expect(await producersSeenByNewcomer(roomId, "dave")).not.toContain(audioId);
  });
});

describe("forged and misdirected event posts", () => {
  const roomId = "push-forged";
  let bob: RoomClient;
  let producerId: string;
  let home: NodeProcess;
  let other: NodeProcess;

  beforeAll(async () => {
    const alice = (await join(roomId, "alice")).client;
    bob = (await join(roomId, "bob")).client;
    const send = await connectedTransport(alice, "send");
    producerId = (await produce(alice, send.id, "audio")).id;
    const found = await cluster.nodeOf(roomId);
    if (found === undefined) throw new Error(`no node holds ${roomId}`);
    home = found;
    other = cluster.nodes.find((node) => node !== home) as NodeProcess;
  });

  const closing = (): Extract<NodeEvent, { type: "producer-closed" }> => ({
    type: "producer-closed",
    roomId,
    peerId: "unknown",
    producerId,
    reason: "transport-closed",
  });

  /** The event as the node would send it (the edge's peerId is the owner's socket id, learnt from the node). */
  async function realClosing(): Promise<Extract<NodeEvent, { type: "producer-closed" }>> {
    const state = await home.api.get<{ producers: { producerId: string; peerId: string }[] }>(`/v1/rooms/${roomId}`);
    const owner = state.producers.find((p) => p.producerId === producerId)?.peerId;
    if (owner === undefined) throw new Error("the node does not hold the producer");
    return { ...closing(), peerId: owner };
  }

  it("refuses unsigned, wrongly signed and replayed posts with 401, changing nothing", async () => {
    const batch = { nodeUrl: home.url, events: [await realClosing()] };
    expect((await postEvents(batch, null)).status).toBe(401);
    expect((await postEvents(batch, "another-secret-0123456789")).status).toBe(401);

    // The same signed request twice: the second is a replay.
    const url = new URL(nodeEventsPath, cluster.edge.url);
    const body = JSON.stringify({ nodeUrl: other.url, events: [closing()] });
    const headers = { ...(await signRequest({ secret: cluster.secret, method: "POST", url, body })) };
    const first = await fetch(url, { method: "POST", body, headers });
    expect(first.status).toBe(200);
    const replayed = await fetch(url, { method: "POST", body, headers });
    expect(replayed.status).toBe(401);

    // Signed but not a batch.
    expect((await postEvents(batch, cluster.secret, { body: '{"nodeUrl":"x","events":[]}' })).status).toBe(400);

    expect(await producersSeenByNewcomer(roomId, "carol")).toContain(producerId);
    expect(bob.all("producer-closed").some((d) => d.producerId === producerId)).toBe(false);
  });

  it("ignores events from a node the room is not on, and events naming objects the room does not hold", async () => {
    const real = await realClosing();
    const fromOther = await postEvents({ nodeUrl: other.url, events: [real] }, cluster.secret);
    expect(NodeEventsResponse.parse(JSON.parse(fromOther.text))).toEqual({ ok: true, applied: 0, ignored: 1 });
    const strangers = await postEvents(
      {
        nodeUrl: home.url,
        events: [
          closing(), // a peer that is not the producer's owner
          { ...real, producerId: "no-such-producer" },
          { ...real, roomId: "push-nobody-here" },
        ],
      },
      cluster.secret,
    );
    expect(NodeEventsResponse.parse(JSON.parse(strangers.text))).toEqual({ ok: true, applied: 0, ignored: 3 });
    expect(await producersSeenByNewcomer(roomId, "dave")).toContain(producerId);
    expect(bob.all("producer-closed").some((d) => d.producerId === producerId)).toBe(false);

    // The same event from the room's own node is acted on: the checks above could have failed.
    const fromHome = await postEvents({ nodeUrl: home.url, events: [real] }, cluster.secret);
    expect(NodeEventsResponse.parse(JSON.parse(fromHome.text))).toEqual({ ok: true, applied: 1, ignored: 0 });
    expect(await bob.waitFor("producer-closed", (d) => d.producerId === producerId, 10_000)).toMatchObject({
      user: "alice",
    });
  });
});
