// Placement across two announcing media nodes: by load, and around a draining node.
import { type EnsureRoomResponse, mediaPaths as p } from "@huddle/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RoomClient } from "../support/room-client.ts";
import { type Cluster, entryOf, type NodeProcess, roomOnNode, startCluster } from "./support/cluster.ts";
import { connectedTransport, consume, produce } from "./support/sfu.ts";

let cluster: Cluster;
/** `first` sorts first by URL: with equal load the edge would pick it (ties go in URL order). */
let first: NodeProcess;
let second: NodeProcess;
const clients: RoomClient[] = [];

beforeAll(async () => {
  cluster = await startCluster("placement", { nodes: 2, mode: "announced" });
  const sorted = [...cluster.nodes].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  first = sorted[0] as NodeProcess;
  second = sorted[1] as NodeProcess;
  await cluster.waitForRegistry(
    (nodes) => [first, second].every((node) => nodes.some((n) => n.url === node.url && n.eligible)),
    "both nodes to announce themselves and be eligible",
  );
});
afterAll(async () => {
  for (const client of clients) client.close();
  await cluster?.stop();
});

async function join(roomId: string, username: string) {
  const joined = await RoomClient.join(cluster.wsUrl, roomId, username);
  clients.push(joined.client);
  if (joined.joined.sfu === undefined) throw new Error(`${username} joined ${roomId} without sfu`);
  return joined;
}

/** Rooms made directly on a node (not through the edge): load the edge learns of by announcements. */
async function loadNode(node: NodeProcess, prefix: string, count: number): Promise<string[]> {
  const rooms: string[] = [];
  for (let i = 0; i < count; i++) {
    const roomId = `${prefix}-${i}`;
    const created = await node.api.call<EnsureRoomResponse>("PUT", p.room(roomId));
    expect(created.status).toBe(201);
    rooms.push(roomId);
  }
  return rooms;
}

async function holds(node: NodeProcess, roomId: string): Promise<boolean> {
  return (await node.api.call("GET", p.room(roomId))).status === 200;
}

describe("placement across two nodes", () => {
  it("lists both announced nodes with their URL, workers and load", async () => {
    const nodes = await cluster.registry();
    for (const node of [first, second]) {
      expect(entryOf(nodes, node)).toMatchObject({
        source: "announced",
        eligible: true,
        draining: false,
        workers: 1,
        failedUntil: 0,
      });
    }
  });

  it("puts a new room on the less loaded node", async () => {
    const direct = await loadNode(first, "direct-first", 3);
    await cluster.waitForRegistry(
      (nodes) => entryOf(nodes, first).load.rooms >= 3 && entryOf(nodes, second).load.rooms === 0,
      "the registry to show three rooms on the first node and none on the second",
    );
    const { client } = await join("placed-by-load", "alice");
    expect(await holds(second, "placed-by-load")).toBe(true);
    expect(await holds(first, "placed-by-load")).toBe(false);
    // The room works there.
    await connectedTransport(client, "send");
    client.close();
    for (const roomId of direct) await first.api.del(p.room(roomId));
  });

  it("puts no new room on a draining node, even when the other is busier, and keeps its rooms working", async () => {
    // The second node gets busier than the first ...
    const direct = await loadNode(second, "direct-second", 3);
    await cluster.waitForRegistry(
      (nodes) => entryOf(nodes, first).load.rooms === 0 && entryOf(nodes, second).load.rooms >= 3,
      "the registry to see the first node empty and three rooms on the second",
    );
    // ... so a room goes to the first node, which then drains.
    const { client: alice, joined } = await join("before-drain", "alice");
    expect(await holds(first, "before-drain")).toBe(true);
    const caps = joined.sfu?.rtpCapabilities;
    if (caps === undefined) throw new Error("no sfu");

    const drained = await first.api.call("POST", p.drain);
    expect(drained).toEqual({ status: 200, body: { draining: true } });
    await cluster.waitForRegistry((nodes) => {
      const a = entryOf(nodes, first);
      const b = entryOf(nodes, second);
      return a.draining && !a.eligible && b.eligible && b.load.rooms >= 3;
    }, "the registry to show the first node draining and the second with three rooms");
    const registry = await cluster.registry();
    expect(entryOf(registry, second).load.rooms).toBeGreaterThan(entryOf(registry, first).load.rooms);

    // New rooms go to the second node.
    for (const roomId of ["after-drain-1", "after-drain-2"]) {
      const { client } = await join(roomId, "carol");
      expect(await holds(second, roomId)).toBe(true);
      expect(await holds(first, roomId)).toBe(false);
      client.close();
    }

    // The room on the draining node keeps working: produce, a newcomer sees it and consumes it there.
    const send = await connectedTransport(alice, "send");
    const audio = await produce(alice, send.id, "audio");
    const { client: bob, joined: bobJoined } = await join("before-drain", "bob");
    expect(bobJoined.sfu?.rtpCapabilities).toEqual(caps);
    expect(bobJoined.sfu?.producers.map((x) => x.producerId)).toEqual([audio.id]);
    const recv = await connectedTransport(bob, "recv");
    const consumed = await consume(bob, recv.id, audio.id, caps);
    expect(consumed.user).toBe("alice");
    const state = await roomOnNode(first, "before-drain");
    expect(state.producers.map((x) => x.producerId)).toEqual([audio.id]);
    expect(state.peers.flatMap((peer) => peer.consumers.map((c) => c.id))).toEqual([consumed.id]);
    expect(await holds(second, "before-drain")).toBe(false);

    for (const client of [alice, bob]) expect(client.unparsable).toEqual([]);
    for (const roomId of direct) await second.api.del(p.room(roomId));
  });
});
