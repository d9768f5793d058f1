// A simulcast producer's layer watch on a real media node and mediasoup worker: real VP8 RTP on
// three SSRCs into a plain transport, consumed on another. When the publisher stops its top
// layer, every consumer is capped at the layer that still flows (mediasoup itself never changes a
// consumer's preferred layers: it waits 1.5 s, then switches on its own, frozen meanwhile); when
// the layer flows again, each goes back to what its receiver asked for.
import {
  type ConsumeResponse,
  type CreatePlainTransportResponse,
  type EnsureRoomResponse,
  type ProduceResponse,
  mediaPaths as p,
  type RoomState,
  type SetConsumerLayersResponse,
} from "@huddle/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MediaNode } from "../../media-node/src/node.ts";
import { simulcastVp8 } from "../integration/support/sfu.ts";
import { type ApiClient, apiClient, RtpEndpoint, startTestNode, waitFor } from "./helpers.ts";

const ROOM = "layer-watch";
const SSRC = 5000;

let node: MediaNode;
let api: ApiClient;
let alice: RtpEndpoint;
let bob: RtpEndpoint;
let sender: NodeJS.Timeout | undefined;
/** The spatial layers Alice sends now. */
let sending = new Set([0, 1, 2]);
let bobsConsumer: ConsumeResponse;
let carolsConsumer: ConsumeResponse;

/** One VP8 packet (a whole frame): a key frame every 30th, on layer `layer`'s SSRC. */
function vp8Packet(layer: number, seq: number): Buffer {
  const packet = Buffer.alloc(12 + 1 + 10 + 60);
  packet[0] = 0x80;
  packet[1] = 0x80 | 96; // marker: the frame ends here
  packet.writeUInt16BE(seq & 0xffff, 2);
  packet.writeUInt32BE((seq * 3000) >>> 0, 4);
  packet.writeUInt32BE(SSRC + layer, 8);
  packet[12] = 0x10; // VP8 payload descriptor: start of partition 0
  const key = seq % 30 === 0;
  // Payload header: bit 0 clear is a key frame, which starts with the 0x9d012a start code and its size.
  packet[13] = key ? 0x10 : 0x11;
  if (key) {
    packet.set([0x00, 0x00, 0x9d, 0x01, 0x2a], 14);
    packet.writeUInt16LE(160 << layer, 19);
    packet.writeUInt16LE(90 << layer, 21);
  }
  return packet;
}

async function roomConsumer(peerId: string, consumerId: string) {
  const state = await api.get<RoomState>(p.room(ROOM));
  return state.peers.find((peer) => peer.peerId === peerId)?.consumers.find((c) => c.id === consumerId);
}
const preferredSpatial = async (peerId: string, consumer: ConsumeResponse) =>
  (await roomConsumer(peerId, consumer.id))?.preferredLayers?.spatialLayer;

beforeAll(async () => {
  node = await startTestNode();
  api = apiClient(node.url);
  alice = await RtpEndpoint.open();
  bob = await RtpEndpoint.open();
  const { rtpCapabilities } = await api.put<EnsureRoomResponse>(p.room(ROOM));
  const send = await api.post<CreatePlainTransportResponse>(p.plainTransports(ROOM, "alice"), { direction: "send" });
  await api.post(p.connect(ROOM, "alice", send.id), { ip: "127.0.0.1", port: alice.port });
  const producer = await api.post<ProduceResponse>(p.produce(ROOM, "alice", send.id), {
    kind: "video",
    rtpParameters: simulcastVp8(SSRC),
  });
  // 30 frames a second on each layer Alice sends.
  let seq = 0;
  sender = setInterval(() => {
    seq++;
    for (const layer of sending) void alice.send(vp8Packet(layer, seq), send.port).catch(() => {});
  }, 33);
  for (const peer of ["bob", "carol"]) {
    const recv = await api.post<CreatePlainTransportResponse>(p.plainTransports(ROOM, peer), { direction: "recv" });
    await api.post(p.connect(ROOM, peer, recv.id), { ip: "127.0.0.1", port: bob.port });
    const consumer = await api.post<ConsumeResponse>(p.consume(ROOM, peer, recv.id), {
      producerId: producer.id,
      rtpCapabilities,
    });
    await api.post(p.consumerResume(ROOM, peer, consumer.id));
    if (peer === "bob") bobsConsumer = consumer;
    else carolsConsumer = consumer;
  }
  // Carol shows Alice small: she wants the middle layer at most.
  await api.post(p.consumersLayers(ROOM, "carol"), { consumers: [{ consumerId: carolsConsumer.id, spatialLayer: 1 }] });
  const bobsSsrc = bobsConsumer.rtpParameters.encodings?.[0]?.ssrc ?? -1;
  await waitFor("Alice's video to reach Bob", () => bob.count(bobsSsrc) >= 30);
  expect(await preferredSpatial("bob", bobsConsumer)).toBe(2);
});

afterAll(async () => {
  clearInterval(sender);
  alice?.close();
  bob?.close();
  await node?.close();
});

describe("a simulcast producer's consumers follow the layers it sends", () => {
  it("caps every consumer at the highest layer that still flows when the top one stops", async () => {
    sending = new Set([0, 1]);
    await waitFor(
      "Bob's consumer to be capped at layer 1",
      async () => (await preferredSpatial("bob", bobsConsumer)) === 1,
    );
    // Carol wanted no more than that: hers stays.
    expect(await preferredSpatial("carol", carolsConsumer)).toBe(1);

    sending = new Set([0]);
    await waitFor("both consumers to be capped at layer 0", async () => {
      const [b, c] = [await preferredSpatial("bob", bobsConsumer), await preferredSpatial("carol", carolsConsumer)];
      return b === 0 && c === 0;
    });
  });

  it("keeps a receiver's new wish while capped, and answers with the wish", async () => {
    const answer = await api.post<SetConsumerLayersResponse>(p.consumersLayers(ROOM, "bob"), {
      consumers: [{ consumerId: bobsConsumer.id, spatialLayer: 1, temporalLayer: 0 }],
    });
    expect(answer.consumers[0]?.preferredLayers).toEqual({ spatialLayer: 1, temporalLayer: 0 });
    // Only layer 0 flows: that is what the consumer forwards meanwhile.
    expect(await preferredSpatial("bob", bobsConsumer)).toBe(0);
  });

  it("goes back to each receiver's wish when the layers flow again", async () => {
    sending = new Set([0, 1, 2]);
    await waitFor("both consumers back at layer 1", async () => {
      const [b, c] = [await roomConsumer("bob", bobsConsumer.id), await roomConsumer("carol", carolsConsumer.id)];
      return (
        b?.preferredLayers?.spatialLayer === 1 &&
        b.preferredLayers.temporalLayer === 0 &&
        c?.preferredLayers?.spatialLayer === 1
      );
    });
    await api.post(p.consumersLayers(ROOM, "bob"), { consumers: [{ consumerId: bobsConsumer.id, spatialLayer: 2 }] });
    expect(await preferredSpatial("bob", bobsConsumer)).toBe(2);
  });

  it("leaves the layers alone while the whole producer is quiet (paused, or nothing to move to)", async () => {
    sending = new Set();
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await preferredSpatial("bob", bobsConsumer)).toBe(2);
    expect(await preferredSpatial("carol", carolsConsumer)).toBe(1);
    sending = new Set([0, 1, 2]);
  });
});
