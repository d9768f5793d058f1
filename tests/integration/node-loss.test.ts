// A room's media node dies (kill -9): the edge moves the room to the other node, tells every member
// once, keeps the membership, and the call can be rebuilt there. Found by the periodic probe
// (announcing nodes), or by the first request that fails (static nodes, probe off).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_DTLS_PARAMETERS, opusRtpParameters } from "../media/helpers.ts";
import { RoomClient } from "../support/room-client.ts";
import { type Cluster, entryOf, type NodeProcess, roomOnNode, startCluster } from "./support/cluster.ts";
import { connectedTransport, consume, produce } from "./support/sfu.ts";

let cluster: Cluster;
const clients: RoomClient[] = [];

async function join(roomId: string, username: string) {
  const joined = await RoomClient.join(cluster.wsUrl, roomId, username);
  clients.push(joined.client);
  return joined;
}

async function stopAll(): Promise<void> {
  for (const client of clients.splice(0)) client.close();
  await cluster?.stop();
}

describe("losing a room's media node, found by the probe", () => {
  beforeAll(async () => {
    cluster = await startCluster("loss-probe", { nodes: 2, mode: "announced" });
    await cluster.waitForRegistry(
      (nodes) => cluster.nodes.every((node) => nodes.some((n) => n.url === node.url && n.eligible)),
      "both nodes to announce themselves and be eligible",
    );
  });
  afterAll(stopAll);

  it("sends each member one media-reset with a new router on the other node, and the call rebuilds there", async () => {
    const roomId = "node-loss";
    const { client: alice, joined } = await join(roomId, "alice");
    const { client: bob } = await join(roomId, "bob");
    const caps = joined.sfu?.rtpCapabilities;
    if (caps === undefined) throw new Error(`joined carries no sfu: ${JSON.stringify(joined)}`);
    const lost = await cluster.nodeOf(roomId);
    if (lost === undefined) throw new Error(`no node holds ${roomId}`);
    const other = cluster.nodes.find((node) => node !== lost) as NodeProcess;
    expect((await roomOnNode(lost, roomId)).rtpCapabilities).toEqual(caps);

    // A call in progress: alice sends audio, bob receives it.
    const oldSend = await connectedTransport(alice, "send");
    const oldAudio = await produce(alice, oldSend.id, "audio");
    const oldRecv = await connectedTransport(bob, "recv");
    const oldConsumer = await consume(bob, oldRecv.id, oldAudio.id, caps);

    await lost.kill();

    const [aliceReset, bobReset] = await Promise.all([alice.waitFor("media-reset"), bob.waitFor("media-reset")]);
    for (const reset of [aliceReset, bobReset]) {
      expect(reset.reason).toBe("media-node-lost");
      expect(reset.sfu?.rtpCapabilities).toBeDefined();
      expect(reset.sfu?.producers).toEqual([]);
    }
    const newCaps = aliceReset.sfu?.rtpCapabilities;
    if (newCaps === undefined) throw new Error("media-reset carries no sfu");
    expect(bobReset.sfu?.rtpCapabilities).toEqual(newCaps);
    // The room has a router on the surviving node, the one the reset describes.
    expect((await roomOnNode(other, roomId)).rtpCapabilities).toEqual(newCaps);
    expect(entryOf(await cluster.registry(), lost).eligible).toBe(false);

    // Membership untouched: chat flows, nobody left, and a newcomer sees both.
    await alice.expect(
      "chat-message",
      { from: "alice", text: "still here?", timestamp: new Date().toISOString() },
      "chat-message",
    );
    expect(await bob.waitFor("chat-message", (d) => d.text === "still here?")).toMatchObject({ from: "alice" });
    const { client: carol, joined: carolJoined } = await join(roomId, "carol");
    expect([...carolJoined.users].sort()).toEqual(["alice", "bob", "carol"]);
    expect(carolJoined.sfu?.rtpCapabilities).toEqual(newCaps);
    expect(carolJoined.sfu?.producers).toEqual([]);

    // The old objects are forgotten.
    expect(
      await alice.expectError("produce", {
        transportId: oldSend.id,
        kind: "audio",
        rtpParameters: opusRtpParameters(777),
        appData: { source: "microphone" },
      }),
    ).toBe("not-found");
    expect(await bob.expectError("resume-consumer", { consumerId: oldConsumer.id })).toBe("not-found");

    // Rebuilt on the other node: transports, connect, produce, consume.
    const send = await alice.expect("create-transport", { direction: "send" }, "webRtcTransportCreated");
    await alice.expect(
      "connect-transport",
      { transportId: send.id, dtlsParameters: CLIENT_DTLS_PARAMETERS },
      "transport-connected",
    );
    const video = await produce(alice, send.id, "video");
    for (const client of [bob, carol]) {
      expect(await client.waitFor("new-producer", (d) => d.producerId === video.id)).toMatchObject({
        user: "alice",
        kind: "video",
      });
    }
    const recv = await connectedTransport(bob, "recv");
    const consumed = await consume(bob, recv.id, video.id, newCaps);
    expect(consumed).toMatchObject({ producerId: video.id, user: "alice", kind: "video" });
    await bob.expect("resume-consumer", { consumerId: consumed.id }, "consumer-resumed");
    const state = await roomOnNode(other, roomId);
    expect(state.producers.map((x) => x.producerId)).toEqual([video.id]);
    expect(state.peers.flatMap((peer) => peer.consumers)).toEqual([
      expect.objectContaining({ id: consumed.id, producerId: video.id, paused: false }),
    ]);

    // Exactly one media-reset per member, and nobody was reported leaving.
    for (const client of [alice, bob, carol]) await client.sync();
    expect(alice.all("media-reset")).toHaveLength(1);
    expect(bob.all("media-reset")).toHaveLength(1);
    expect(carol.all("media-reset")).toHaveLength(0);
    for (const client of [alice, bob, carol]) {
      expect(client.all("user-left")).toEqual([]);
      expect(client.unparsable).toEqual([]);
    }
  });
});

describe("losing a room's media node, found by a request", () => {
  beforeAll(async () => {
    // The probe practically off: only the failing request can notice the loss.
    cluster = await startCluster("loss-request", {
      nodes: 2,
      mode: "static",
      vars: { MEDIA_CHECK_INTERVAL_MS: "3600000" },
    });
  });
  afterAll(stopAll);

  it("answers the failed request media-unavailable and resets the room once, on the other node", async () => {
    const roomId = "node-loss-request";
    const { client: alice } = await join(roomId, "alice");
    const { client: bob } = await join(roomId, "bob");
    const lost = await cluster.nodeOf(roomId);
    if (lost === undefined) throw new Error(`no node holds ${roomId}`);
    const other = cluster.nodes.find((node) => node !== lost) as NodeProcess;
    const send = await connectedTransport(alice, "send");

    await lost.kill();
    expect(
      await alice.expectError("produce", {
        transportId: send.id,
        kind: "audio",
        rtpParameters: opusRtpParameters(4321),
        appData: { source: "microphone" },
      }),
    ).toBe("media-unavailable");

    const [aliceReset, bobReset] = await Promise.all([alice.waitFor("media-reset"), bob.waitFor("media-reset")]);
    expect(aliceReset.reason).toBe("media-node-lost");
    expect(bobReset).toEqual(aliceReset);
    const caps = aliceReset.sfu?.rtpCapabilities;
    if (caps === undefined) throw new Error("media-reset carries no sfu");
    expect((await roomOnNode(other, roomId)).rtpCapabilities).toEqual(caps);

    const newSend = await connectedTransport(alice, "send");
    const audio = await produce(alice, newSend.id, "audio");
    await bob.waitFor("new-producer", (d) => d.producerId === audio.id);
    const recv = await connectedTransport(bob, "recv");
    expect(await consume(bob, recv.id, audio.id, caps)).toMatchObject({ producerId: audio.id, user: "alice" });

    for (const client of [alice, bob]) {
      await client.sync();
      expect(client.all("media-reset")).toHaveLength(1);
      expect(client.all("user-left")).toEqual([]);
      expect(client.unparsable).toEqual([]);
    }
  });
});

describe("losing the only media node", () => {
  beforeAll(async () => {
    cluster = await startCluster("loss-last", { nodes: 1, mode: "static" });
  });
  afterAll(stopAll);

  it("resets the room without sfu: the call falls back to the mesh, membership and chat intact", async () => {
    const roomId = "node-loss-last";
    const { client: alice, joined } = await join(roomId, "alice");
    expect(joined.sfu).toBeDefined();
    const { client: bob } = await join(roomId, "bob");
    await connectedTransport(alice, "send");

    await (cluster.nodes[0] as NodeProcess).kill();
    const [aliceReset, bobReset] = await Promise.all([alice.waitFor("media-reset"), bob.waitFor("media-reset")]);
    expect(aliceReset).toEqual({ reason: "media-node-lost" });
    expect(bobReset).toEqual({ reason: "media-node-lost" });

    // No media node: SFU requests are refused, the mesh relay and chat work, a newcomer gets no sfu.
    expect(await alice.expectError("create-transport", { direction: "send" })).toBe("media-unavailable");
    const offer = { type: "offer" as const, sdp: "v=0\r\n" };
    alice.send("webrtc-offer", { target: "bob", payload: offer });
    expect(await bob.waitFor("webrtc-offer")).toEqual({ from: "alice", target: "bob", payload: offer });
    const { client: carol, joined: carolJoined } = await join(roomId, "carol");
    expect(carolJoined.sfu).toBeUndefined();
    expect([...carolJoined.users].sort()).toEqual(["alice", "bob", "carol"]);

    for (const client of [alice, bob, carol]) {
      await client.sync();
      expect(client.all("user-left")).toEqual([]);
      expect(client.unparsable).toEqual([]);
    }
    expect(alice.all("media-reset")).toHaveLength(1);
    expect(bob.all("media-reset")).toHaveLength(1);
  });
});
