// Batch consumption through the real edge and a real media node: `consume-many` and
// `resume-consumers` answer each id as the single message would, in order, under the batch's
// requestId, with one edge-to-node call per batch (counted in the node's own /metrics).
import { mediaPaths as p, type ServerMessage, signedFetch } from "@huddle/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RoomClient as Client, type RoomClient } from "../support/room-client.ts";
import { waitFor } from "../support/wait.ts";
import { type Cluster, type NodeProcess, roomOnNode, startCluster } from "./support/cluster.ts";
import { connectedTransport, produce } from "./support/sfu.ts";

const UNKNOWN = "00000000-0000-0000-0000-000000000000";

let cluster: Cluster;
let node: NodeProcess;
const clients: RoomClient[] = [];

beforeAll(async () => {
  cluster = await startCluster("batch", { nodes: 1, mode: "static" });
  node = cluster.nodes[0] as NodeProcess;
});
afterAll(async () => {
  for (const client of clients) client.close();
  await cluster?.stop();
});

async function join(roomId: string, username: string) {
  const joined = await Client.join(cluster.wsUrl, roomId, username);
  clients.push(joined.client);
  return joined;
}

/** Calls the node answered on a route pattern (any status), from its /metrics. */
async function nodeCalls(route: string): Promise<number> {
  const res = await signedFetch(cluster.secret, new URL(p.metrics, node.url));
  const text = await res.text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("huddle_media_http_requests_total{") && line.includes(`route="${route}"`)) {
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return total;
}

const CONSUME_MANY = "/v1/rooms/:roomId/peers/:peerId/transports/:transportId/consume-many";
const CONSUME = "/v1/rooms/:roomId/peers/:peerId/transports/:transportId/consume";
const RESUME_MANY = "/v1/rooms/:roomId/peers/:peerId/consumers/resume";

/** Sends `type` with a requestId and collects the first `count` replies carrying it. */
async function batch(client: RoomClient, send: (requestId: string) => void, requestId: string, count: number) {
  send(requestId);
  const replies = () => client.received.filter((m) => m.requestId === requestId) as ServerMessage[];
  await waitFor(`${count} replies to ${requestId}`, () => replies().length >= count);
  // Nothing more for this request: everything the edge sent before a sync has arrived after it.
  await client.sync();
  return replies();
}

describe("consume-many and resume-consumers through the edge", () => {
  it("consume every producer of the room with one node call, and resume them with one more", async () => {
    const roomId = "sfu-batch";
    const { client: alice } = await join(roomId, "alice");
    const aliceSend = await connectedTransport(alice, "send");
    const aliceAudio = await produce(alice, aliceSend.id, "audio");
    const aliceVideo = await produce(alice, aliceSend.id, "video");
    const { client: carol } = await join(roomId, "carol");
    const carolSend = await connectedTransport(carol, "send");
    const carolAudio = await produce(carol, carolSend.id, "audio");

    const { client: bob, joined } = await join(roomId, "bob");
    const sfu = joined.sfu;
    if (sfu === undefined) throw new Error("joined carries no sfu");
    expect(sfu.producers.map((x) => x.producerId)).toEqual([aliceAudio.id, aliceVideo.id, carolAudio.id]);
    const recv = await connectedTransport(bob, "recv");
    const before = { many: await nodeCalls(CONSUME_MANY), single: await nodeCalls(CONSUME) };

    const producerIds = [aliceAudio.id, UNKNOWN, aliceVideo.id, carolAudio.id];
    const replies = await batch(
      bob,
      (requestId) =>
        bob.send(
          "consume-many",
          { transportId: recv.id, producerIds, rtpCapabilities: sfu.rtpCapabilities },
          requestId,
        ),
      "many-1",
      producerIds.length,
    );
    expect(replies.map((m) => m.type)).toEqual(["consumed", "error", "consumed", "consumed"]);
    const consumed = replies.flatMap((m) => (m.type === "consumed" ? [m.data] : []));
    expect(consumed.map((c) => [c.producerId, c.user, c.kind])).toEqual([
      [aliceAudio.id, "alice", "audio"],
      [aliceVideo.id, "alice", "video"],
      [carolAudio.id, "carol", "audio"],
    ]);
    const refused = replies[1];
    expect(refused?.type === "error" && refused.data.code).toBe("not-found");
    expect(await nodeCalls(CONSUME_MANY)).toBe(before.many + 1);
    expect(await nodeCalls(CONSUME)).toBe(before.single);

    // The node holds bob's three consumers, paused until resumed.
    const state = await roomOnNode(node, roomId);
    const bobPeer = state.peers.find((peer) => peer.transports.some((t) => t.id === recv.id));
    expect(bobPeer?.consumers.map((c) => [c.id, c.paused])).toEqual(consumed.map((c) => [c.id, true]));

    const resumeBefore = await nodeCalls(RESUME_MANY);
    const consumerIds = [...consumed.map((c) => c.id), UNKNOWN];
    const resumed = await batch(
      bob,
      (requestId) => bob.send("resume-consumers", { consumerIds }, requestId),
      "resume-1",
      consumerIds.length,
    );
    expect(resumed.map((m) => m.type)).toEqual(["consumer-resumed", "consumer-resumed", "consumer-resumed", "error"]);
    expect(resumed.slice(0, 3).map((m) => (m.type === "consumer-resumed" ? m.data.consumerId : ""))).toEqual(
      consumed.map((c) => c.id),
    );
    expect(await nodeCalls(RESUME_MANY)).toBe(resumeBefore + 1);
    const after = await roomOnNode(node, roomId);
    const bobAfter = after.peers.find((peer) => peer.transports.some((t) => t.id === recv.id));
    expect(bobAfter?.consumers.every((c) => !c.paused)).toBe(true);

    // Another member cannot consume on bob's transport, nor resume his consumers.
    const code = await carol.expectError("consume-many", {
      transportId: recv.id,
      producerIds: [aliceAudio.id],
      rtpCapabilities: sfu.rtpCapabilities,
    });
    expect(code).toBe("not-found");
    expect(await carol.expectError("resume-consumers", { consumerIds: [consumed[0]?.id as string] })).toBe("not-found");
  });

  it("refuses an empty or repeating batch as invalid, touching nothing", async () => {
    const { client } = await join("sfu-batch-bad", "dave");
    const recv = await connectedTransport(client, "recv");
    const caps = { codecs: [], headerExtensions: [] };
    expect(
      await client.expectError("consume-many", { transportId: recv.id, producerIds: [], rtpCapabilities: caps }),
    ).toBe("invalid-message");
    expect(await client.expectError("resume-consumers", { consumerIds: [UNKNOWN, UNKNOWN] })).toBe("invalid-message");
  });
});
