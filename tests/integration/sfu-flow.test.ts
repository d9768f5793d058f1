// The SFU half of the protocol through the real edge (`wrangler dev`) and a real media node
// (static MEDIA_NODES, not announcing), checked against the node's own view of the room.
import { mediaPaths as p, RoomPreview, type RoomState, roomPreviewPath } from "@huddle/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_DTLS_PARAMETERS, vp8RtpParameters } from "../media/helpers.ts";
import { RoomClient } from "../support/room-client.ts";
import { waitFor } from "../support/wait.ts";
import { type Cluster, type NodeProcess, roomOnNode, startCluster } from "./support/cluster.ts";
import { connectedTransport, consume, mimeTypes, produce } from "./support/sfu.ts";

let cluster: Cluster;
let node: NodeProcess;
const clients: RoomClient[] = [];

beforeAll(async () => {
  cluster = await startCluster("flow", { nodes: 1, mode: "static" });
  node = cluster.nodes[0] as NodeProcess;
});
afterAll(async () => {
  for (const client of clients) client.close();
  await cluster?.stop();
});

async function join(roomId: string, username: string) {
  const joined = await RoomClient.join(cluster.wsUrl, roomId, username);
  clients.push(joined.client);
  return joined;
}

/** The node's peer that owns a transport (the node names peers by the edge's private socket id). */
function peerWith(state: RoomState, transportId: string) {
  return state.peers.find((peer) => peer.transports.some((t) => t.id === transportId));
}

describe("the SFU sequence through the edge", () => {
  it("lists the static node in the registry", async () => {
    const nodes = await cluster.registry();
    expect(nodes).toEqual([expect.objectContaining({ url: node.url, source: "static", eligible: true })]);
  });

  it("joins, creates and connects transports, produces, consumes, pauses, resumes, closes and leaves", async () => {
    const roomId = "sfu-flow";
    const { client: alice, joined: aliceJoined } = await join(roomId, "alice");
    expect(aliceJoined.users).toEqual(["alice"]);
    const sfu = aliceJoined.sfu;
    if (sfu === undefined) throw new Error(`joined carries no sfu: ${JSON.stringify(aliceJoined)}`);
    expect(mimeTypes(sfu.rtpCapabilities)).toEqual(expect.arrayContaining(["audio/opus", "video/vp8"]));
    expect(sfu.producers).toEqual([]);
    // The room's router is on the node, with the capabilities the client got.
    expect((await roomOnNode(node, roomId)).rtpCapabilities).toEqual(sfu.rtpCapabilities);

    // alice: send transport, connected, one audio producer before bob arrives.
    const send = await alice.expect("create-transport", { direction: "send" }, "webRtcTransportCreated");
    expect(send.direction).toBe("send");
    expect(send.iceCandidates.length).toBeGreaterThan(0);
    expect(send.iceCandidates.every((c) => c.address === "127.0.0.1")).toBe(true);
    expect(send.dtlsParameters.fingerprints.length).toBeGreaterThan(0);
    const connected = await alice.expect(
      "connect-transport",
      { transportId: send.id, dtlsParameters: CLIENT_DTLS_PARAMETERS },
      "transport-connected",
    );
    expect(connected).toEqual({ transportId: send.id });
    const audio = await produce(alice, send.id, "audio");
    expect(audio.kind).toBe("audio");

    // bob joins: his sfu lists alice's producer.
    const { client: bob, joined: bobJoined } = await join(roomId, "bob");
    expect([...bobJoined.users].sort()).toEqual(["alice", "bob"]);
    expect(bobJoined.sfu?.rtpCapabilities).toEqual(sfu.rtpCapabilities);
    expect(bobJoined.sfu?.producers).toEqual([
      expect.objectContaining({
        producerId: audio.id,
        user: "alice",
        kind: "audio",
        appData: { source: "microphone" },
      }),
    ]);
    await alice.waitFor("user-joined", (d) => d.user === "bob");

    // alice's video, produced with bob in the room: bob gets new-producer (user and appData), alice does not.
    const video = await produce(alice, send.id, "video");
    expect(video.kind).toBe("video");
    const announced = await bob.waitFor("new-producer", (d) => d.producerId === video.id);
    expect(announced).toEqual({ producerId: video.id, user: "alice", kind: "video", appData: { source: "camera" } });

    // bob: recv transport, consume (paused on the node), resume.
    const recv = await connectedTransport(bob, "recv");
    expect(recv.direction).toBe("recv");
    const consumedAudio = await consume(bob, recv.id, audio.id, sfu.rtpCapabilities);
    expect(consumedAudio).toMatchObject({ producerId: audio.id, user: "alice", kind: "audio", producerPaused: false });
    expect(consumedAudio.rtpParameters.codecs[0]?.mimeType.toLowerCase()).toBe("audio/opus");
    let state = await roomOnNode(node, roomId);
    expect(peerWith(state, recv.id)?.consumers).toEqual([
      expect.objectContaining({ id: consumedAudio.id, producerId: audio.id, paused: true }),
    ]);
    const resumed = await bob.expect("resume-consumer", { consumerId: consumedAudio.id }, "consumer-resumed");
    expect(resumed).toEqual({ consumerId: consumedAudio.id });
    state = await roomOnNode(node, roomId);
    expect(peerWith(state, recv.id)?.consumers).toEqual([
      expect.objectContaining({ id: consumedAudio.id, paused: false }),
    ]);
    const consumedVideo = await consume(bob, recv.id, video.id, sfu.rtpCapabilities);
    expect(consumedVideo).toMatchObject({
      producerId: video.id,
      user: "alice",
      kind: "video",
      producerPaused: false,
      appData: { source: "camera" },
    });

    // pause / resume / close a producer: the others get the event, the sender gets it as the reply.
    const pausedReply = await alice.request("pause-producer", { producerId: video.id });
    expect(pausedReply).toMatchObject({ type: "producer-paused", data: { producerId: video.id, user: "alice" } });
    expect(await bob.waitFor("producer-paused", (d) => d.producerId === video.id)).toEqual({
      producerId: video.id,
      user: "alice",
    });
    state = await roomOnNode(node, roomId);
    expect(state.producers.find((x) => x.producerId === video.id)?.paused).toBe(true);

    const resumedReply = await alice.request("resume-producer", { producerId: video.id });
    expect(resumedReply).toMatchObject({ type: "producer-resumed", data: { producerId: video.id, user: "alice" } });
    expect(await bob.waitFor("producer-resumed", (d) => d.producerId === video.id)).toEqual({
      producerId: video.id,
      user: "alice",
    });
    state = await roomOnNode(node, roomId);
    expect(state.producers.find((x) => x.producerId === video.id)?.paused).toBe(false);

    const closedReply = await alice.request("close-producer", { producerId: audio.id });
    expect(closedReply).toMatchObject({ type: "producer-closed", data: { producerId: audio.id, user: "alice" } });
    expect(await bob.waitFor("producer-closed", (d) => d.producerId === audio.id)).toEqual({
      producerId: audio.id,
      user: "alice",
    });
    state = await roomOnNode(node, roomId);
    expect(state.producers.map((x) => x.producerId)).toEqual([video.id]);
    // Closing the producer closed bob's consumer of it.
    expect(peerWith(state, recv.id)?.consumers.map((c) => c.id)).toEqual([consumedVideo.id]);
    await alice.sync();
    expect(alice.all("new-producer")).toEqual([]);
    expect(state.peers).toHaveLength(2);

    // alice leaves: bob gets user-left, then producer-closed for her remaining producer.
    alice.send("leave-room", { roomId, username: "alice" });
    await bob.waitFor("user-left", (d) => d.user === "alice");
    await bob.waitFor("producer-closed", (d) => d.producerId === video.id);
    const leftAt = bob.indexOf("user-left", (d) => d.user === "alice");
    expect(leftAt).toBeLessThan(bob.indexOf("producer-closed", (d) => d.producerId === video.id));
    await bob.sync();
    expect(bob.all("user-left")).toEqual([{ user: "alice" }]);
    // One producer-closed per producer (the audio one was closed earlier, not again on leave).
    expect(bob.all("producer-closed").map((d) => d.producerId)).toEqual([audio.id, video.id]);

    // On the node: alice's peer is gone with her transport and producers; bob's peer stays.
    // (mediasoup closes the consumers of a closed producer a moment after the producer itself.)
    state = await waitFor("alice's peer, her producers and bob's consumers of them to leave the node", async () => {
      const s = await roomOnNode(node, roomId);
      const settled = peerWith(s, send.id) === undefined && peerWith(s, recv.id)?.consumers.length === 0;
      return settled ? s : undefined;
    });
    expect(state.peers).toHaveLength(1);
    expect(peerWith(state, recv.id)?.consumers).toEqual([]);
    expect(state.producers).toEqual([]);

    expect(alice.unparsable).toEqual([]);
    expect(bob.unparsable).toEqual([]);
  });

  it("gives the lobby's room preview the router's capabilities while a node serves the room", async () => {
    const roomId = "sfu-preview";
    const previewOf = async () => {
      const response = await fetch(`${cluster.wsUrl.replace(/^ws/, "http")}${roomPreviewPath(roomId)}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect(response.status).toBe(200);
      return RoomPreview.parse(await response.json());
    };
    // Nobody in the room: no node serves it, so there is nothing to get ready for.
    expect(await previewOf()).toEqual({ roomId, recording: null });
    const { client: dave, joined } = await join(roomId, "dave");
    expect(joined.sfu).toBeDefined();
    expect(await previewOf()).toEqual({ roomId, recording: null, rtpCapabilities: joined.sfu?.rtpCapabilities });
    dave.close();
  });

  it("closes the room on its node when the last member leaves", async () => {
    const roomId = "sfu-last-leaves";
    const { client: carol, joined } = await join(roomId, "carol");
    expect(joined.sfu).toBeDefined();
    await connectedTransport(carol, "send");
    expect((await node.api.call("GET", p.room(roomId))).status).toBe(200);
    carol.close();
    await waitFor(
      "the room to be closed on the node",
      async () => (await node.api.call("GET", p.room(roomId))).status === 404,
    );
  });
});

describe("ownership of transports, producers and consumers", () => {
  it("answers not-found for another user's ids and leaves the node as it was", async () => {
    const roomId = "sfu-ownership";
    const { client: alice, joined } = await join(roomId, "alice");
    const caps = joined.sfu?.rtpCapabilities;
    if (caps === undefined) throw new Error("joined carries no sfu");
    const { client: mallory } = await join(roomId, "mallory");

    const aliceSend = await connectedTransport(alice, "send");
    const aliceRecv = await connectedTransport(alice, "recv");
    const video = await produce(alice, aliceSend.id, "video");
    const malloryRecv = await connectedTransport(mallory, "recv");
    const malloryConsumer = await consume(mallory, malloryRecv.id, video.id, caps);
    const aliceConsumer = await consume(alice, aliceRecv.id, video.id, caps);
    const before = await roomOnNode(node, roomId);

    const attempts: Array<[string, Promise<string>]> = [
      [
        "connect alice's transport",
        mallory.expectError("connect-transport", { transportId: aliceRecv.id, dtlsParameters: CLIENT_DTLS_PARAMETERS }),
      ],
      [
        "produce on alice's transport",
        mallory.expectError("produce", {
          transportId: aliceSend.id,
          kind: "video",
          rtpParameters: vp8RtpParameters(4242),
          appData: { source: "camera" },
        }),
      ],
      [
        "consume on alice's transport",
        mallory.expectError("consume", { transportId: aliceRecv.id, producerId: video.id, rtpCapabilities: caps }),
      ],
      ["resume alice's consumer", mallory.expectError("resume-consumer", { consumerId: aliceConsumer.id })],
      ["pause alice's producer", mallory.expectError("pause-producer", { producerId: video.id })],
      ["resume alice's producer", mallory.expectError("resume-producer", { producerId: video.id })],
      ["close alice's producer", mallory.expectError("close-producer", { producerId: video.id })],
      ["resume mallory's consumer as alice", alice.expectError("resume-consumer", { consumerId: malloryConsumer.id })],
      [
        "consume an unknown producer",
        mallory.expectError("consume", {
          transportId: malloryRecv.id,
          producerId: "00000000-0000-4000-8000-000000000000",
          rtpCapabilities: caps,
        }),
      ],
      [
        "connect an unknown transport",
        mallory.expectError("connect-transport", {
          transportId: "00000000-0000-4000-8000-000000000001",
          dtlsParameters: CLIENT_DTLS_PARAMETERS,
        }),
      ],
    ];
    const codes = await Promise.all(attempts.map(async ([what, code]) => [what, await code] as const));
    expect(Object.fromEntries(codes)).toEqual(Object.fromEntries(attempts.map(([what]) => [what, "not-found"])));

    // Nothing changed on the node: same transports, the producer still unpaused, both consumers still paused.
    const after = await roomOnNode(node, roomId);
    expect(after.producers).toEqual(before.producers);
    expect(after.producers).toEqual([expect.objectContaining({ producerId: video.id, paused: false })]);
    const byId = (state: RoomState) =>
      state.peers
        .map((peer) => ({
          transports: peer.transports.map((t) => t.id).sort(),
          producers: peer.producers.map((x) => [x.id, x.paused]),
          consumers: peer.consumers.map((c) => [c.id, c.paused]),
        }))
        .sort((a, b) => String(a.transports[0]).localeCompare(String(b.transports[0])));
    expect(byId(after)).toEqual(byId(before));
    expect(peerWith(after, malloryRecv.id)?.consumers).toEqual([
      expect.objectContaining({ id: malloryConsumer.id, paused: true }),
    ]);
    expect(peerWith(after, aliceRecv.id)?.consumers).toEqual([
      expect.objectContaining({ id: aliceConsumer.id, paused: true }),
    ]);

    // And nobody was told anything happened to the producer.
    await alice.sync();
    await mallory.sync();
    for (const type of ["producer-paused", "producer-resumed", "producer-closed"] as const) {
      expect(alice.all(type)).toEqual([]);
      expect(mallory.all(type)).toEqual([]);
    }
    expect(alice.unparsable).toEqual([]);
    expect(mallory.unparsable).toEqual([]);
  });
});

describe("the node's refusals and the room's memory", () => {
  it("maps wrong direction, rejected parameters and a second connect to invalid-message, creating nothing", async () => {
    const roomId = "sfu-refusals";
    const { client: dave, joined } = await join(roomId, "dave");
    const caps = joined.sfu?.rtpCapabilities;
    if (caps === undefined) throw new Error("joined carries no sfu");
    const send = await connectedTransport(dave, "send");
    const recv = await connectedTransport(dave, "recv");
    const audio = await produce(dave, send.id, "audio");
    const before = await roomOnNode(node, roomId);

    const codes = {
      "produce on a recv transport": await dave.expectError("produce", {
        transportId: recv.id,
        kind: "video",
        rtpParameters: vp8RtpParameters(9001),
      }),
      "consume on a send transport": await dave.expectError("consume", {
        transportId: send.id,
        producerId: audio.id,
        rtpCapabilities: caps,
      }),
      "produce a codec the router lacks": await dave.expectError("produce", {
        transportId: send.id,
        kind: "video",
        rtpParameters: { codecs: [{ mimeType: "video/AV2", payloadType: 101, clockRate: 90000 }], encodings: [] },
      }),
      "connect a transport twice": await dave.expectError("connect-transport", {
        transportId: send.id,
        dtlsParameters: CLIENT_DTLS_PARAMETERS,
      }),
    };
    expect(codes).toEqual({
      "produce on a recv transport": "invalid-message",
      "consume on a send transport": "invalid-message",
      "produce a codec the router lacks": "invalid-message",
      "connect a transport twice": "invalid-message",
    });
    const after = await roomOnNode(node, roomId);
    expect(after.producers).toEqual(before.producers);
    expect(after.peers.flatMap((peer) => peer.consumers)).toEqual([]);
    expect(dave.unparsable).toEqual([]);
  });

  it("tells a newcomer which producers are paused", async () => {
    const roomId = "sfu-paused";
    const { client: erin } = await join(roomId, "erin");
    const send = await connectedTransport(erin, "send");
    const audio = await produce(erin, send.id, "audio");
    const video = await produce(erin, send.id, "video");
    await erin.expect("pause-producer", { producerId: video.id }, "producer-paused");
    const { joined } = await join(roomId, "frank");
    const producers = joined.sfu?.producers ?? [];
    expect(producers.find((x) => x.producerId === video.id)).toMatchObject({ user: "erin", paused: true });
    expect(producers.find((x) => x.producerId === audio.id)?.paused ?? false).toBe(false);
    expect(producers).toHaveLength(2);
  });
});
