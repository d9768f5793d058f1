import { createHmac, randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";
import {
  type ClosePeerResponse,
  type ConsumeResponse,
  type CreatePlainTransportResponse,
  type CreateTransportResponse,
  type EnsureRoomResponse,
  type EventsResponse,
  type ProduceResponse,
  mediaPaths as p,
  type RoomState,
  type RtpCapabilities,
} from "@huddle/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MediaNode } from "../../media-node/src/node.ts";
import {
  type ApiClient,
  apiClient,
  countObjects,
  opusRtpParameters,
  RtpEndpoint,
  startTestNode,
  waitFor,
} from "./helpers.ts";

let node: MediaNode;
let api: ApiClient;

beforeAll(async () => {
  node = await startTestNode();
  api = apiClient(node.url);
});
afterAll(async () => {
  await node?.close();
});

const FINGERPRINT = {
  algorithm: "sha-256",
  value: "82:5A:68:3D:36:C3:0A:DE:AF:E7:32:43:D2:88:83:57:AC:2D:65:E5:80:C4:B6:FB:AF:1A:A0:21:9F:6D:0C:AD",
} as const;

function webrtcAudio(ssrc: number) {
  return {
    kind: "audio",
    rtpParameters: {
      mid: String(ssrc),
      codecs: [{ mimeType: "audio/opus", payloadType: 111, clockRate: 48000, channels: 2 }],
      encodings: [{ ssrc }],
    },
  };
}

describe("closing frees every mediasoup object (counted in the workers' own dumps)", () => {
  const room = "life";
  let caps: RtpCapabilities;

  it("closing a peer closes its transports, producers, consumers and the consumers of its producers", async () => {
    const empty = countObjects(await api.dump());
    expect(empty).toEqual({ routers: 0, transports: 0, producers: 0, consumers: 0, webRtcTransports: 0 });
    caps = (await api.put<EnsureRoomResponse>(p.room(room))).rtpCapabilities;
    const baseline = countObjects(await api.dump());
    expect(baseline).toEqual({ routers: 1, transports: 0, producers: 0, consumers: 0, webRtcTransports: 0 });

    // alice: a WebRTC send transport with a producer, a WebRTC recv transport, a plain send transport with two producers
    const aSend = await api.post<CreateTransportResponse>(p.transports(room, "alice"), { direction: "send" });
    await api.post(p.connect(room, "alice", aSend.id), {
      dtlsParameters: { role: "client", fingerprints: [FINGERPRINT] },
    });
    const aMic = await api.post<ProduceResponse>(p.produce(room, "alice", aSend.id), webrtcAudio(101));
    const aRecv = await api.post<CreateTransportResponse>(p.transports(room, "alice"), {
      direction: "recv",
      sctp: true,
    });
    const aPlain = await api.post<CreatePlainTransportResponse>(p.plainTransports(room, "alice"), {
      direction: "send",
    });
    const aP1 = await api.post<ProduceResponse>(p.produce(room, "alice", aPlain.id), {
      kind: "audio",
      rtpParameters: opusRtpParameters(201),
    });
    await api.post(p.produce(room, "alice", aPlain.id), { kind: "audio", rtpParameters: opusRtpParameters(202) });

    // bob: consumes two of alice's producers and produces one that alice consumes
    const bRecv = await api.post<CreatePlainTransportResponse>(p.plainTransports(room, "bob"), { direction: "recv" });
    await api.post<ConsumeResponse>(p.consume(room, "bob", bRecv.id), { producerId: aMic.id, rtpCapabilities: caps });
    await api.post<ConsumeResponse>(p.consume(room, "bob", bRecv.id), { producerId: aP1.id, rtpCapabilities: caps });
    const bSend = await api.post<CreatePlainTransportResponse>(p.plainTransports(room, "bob"), { direction: "send" });
    const bMic = await api.post<ProduceResponse>(p.produce(room, "bob", bSend.id), {
      kind: "audio",
      rtpParameters: opusRtpParameters(301),
    });
    await api.post(p.consume(room, "alice", aRecv.id), { producerId: bMic.id, rtpCapabilities: caps });

    expect(countObjects(await api.dump())).toEqual({
      routers: 1,
      transports: 5,
      producers: 4,
      consumers: 3,
      webRtcTransports: 2,
    });

    const closed = await api.del<ClosePeerResponse>(p.peer(room, "alice"));
    expect(closed).toEqual({ peerId: "alice", closed: { transports: 3, producers: 3, consumers: 1 } });
    // Only bob's two transports and his producer remain; his consumers of alice's producers are gone.
    expect(countObjects(await api.dump())).toEqual({
      routers: 1,
      transports: 2,
      producers: 1,
      consumers: 0,
      webRtcTransports: 0,
    });
    const state = await api.get<RoomState>(p.room(room));
    expect(state.peers.map((x) => x.peerId)).toEqual(["bob"]);
    expect(state.peers[0]?.consumers).toEqual([]);
    expect(state.producers.map((x) => x.producerId)).toEqual([bMic.id]);

    // Closing a peer again (or one that never had anything) is harmless.
    expect(await api.del(p.peer(room, "alice"))).toEqual({
      peerId: "alice",
      closed: { transports: 0, producers: 0, consumers: 0 },
    });

    await api.del(p.peer(room, "bob"));
    expect(countObjects(await api.dump())).toEqual(baseline);
    const load = await api.load();
    expect(load.totals).toEqual({ rooms: 1, transports: 0, producers: 0, consumers: 0 });
    expect((await api.get<RoomState>(p.room(room))).peers).toEqual([]);
  });

  it("closing a room closes its router", async () => {
    await api.post(p.transports(room, "carol"), { direction: "send" });
    await api.del(p.room(room));
    expect(countObjects(await api.dump())).toEqual({
      routers: 0,
      transports: 0,
      producers: 0,
      consumers: 0,
      webRtcTransports: 0,
    });
  });
});

/** A STUN Binding request as a controlling ICE agent sends it (RFC 8445), signed with the server's password. */
function stunBindingRequest(serverUfrag: string, clientUfrag: string, serverPassword: string): Buffer {
  const attr = (type: number, value: Buffer) => {
    const header = Buffer.alloc(4);
    header.writeUInt16BE(type, 0);
    header.writeUInt16BE(value.length, 2);
    const padding = Buffer.alloc((4 - (value.length % 4)) % 4);
    return Buffer.concat([header, value, padding]);
  };
  const priority = Buffer.alloc(4);
  priority.writeUInt32BE(0x6e0001ff, 0);
  const attrs = Buffer.concat([
    attr(0x0006, Buffer.from(`${serverUfrag}:${clientUfrag}`)), // USERNAME
    attr(0x0024, priority), // PRIORITY
    attr(0x802a, randomBytes(8)), // ICE-CONTROLLING
    attr(0x0025, Buffer.alloc(0)), // USE-CANDIDATE
  ]);
  const header = Buffer.alloc(20);
  header.writeUInt16BE(0x0001, 0); // Binding request
  header.writeUInt32BE(0x2112a442, 4);
  randomBytes(12).copy(header, 8);
  header.writeUInt16BE(attrs.length + 24, 2);
  const integrity = createHmac("sha1", serverPassword)
    .update(Buffer.concat([header, attrs]))
    .digest();
  const withIntegrity = Buffer.concat([header, attrs, attr(0x0008, integrity)]);
  withIntegrity.writeUInt16BE(attrs.length + 24 + 8, 2);
  const fingerprint = Buffer.alloc(4);
  fingerprint.writeUInt32BE((crc32(withIntegrity) ^ 0x5354554e) >>> 0, 0);
  return Buffer.concat([withIntegrity, attr(0x8028, fingerprint)]);
}

/** A DTLS ClientHello record that offers no cipher suite: a DTLS server must fail the handshake. */
function brokenClientHello(): Buffer {
  const body = Buffer.concat([
    Buffer.from([0xfe, 0xfd]), // client_version DTLS 1.2
    randomBytes(32), // random
    Buffer.from([0x00]), // session_id
    Buffer.from([0x00]), // cookie
    Buffer.from([0x00, 0x00]), // cipher_suites: none
    Buffer.from([0x01, 0x00]), // compression: null
  ]);
  const handshake = Buffer.alloc(12);
  handshake[0] = 1; // ClientHello
  handshake.writeUIntBE(body.length, 1, 3);
  handshake.writeUInt16BE(0, 4); // message_seq
  handshake.writeUIntBE(0, 6, 3); // fragment_offset
  handshake.writeUIntBE(body.length, 9, 3); // fragment_length
  const record = Buffer.alloc(13);
  record[0] = 22; // handshake
  record.writeUInt16BE(0xfeff, 1); // DTLS 1.0 record version
  record.writeUInt16BE(0, 3); // epoch
  record.writeUIntBE(0, 5, 6); // sequence number
  record.writeUInt16BE(handshake.length + body.length, 11);
  return Buffer.concat([record, handshake, body]);
}

describe("a transport whose DTLS fails", () => {
  it("is closed with its producers, and the edge can learn it from the room and the event feed", async () => {
    const room = "dtls";
    await api.put(p.room(room));
    const before = (await api.get<EventsResponse>(p.events(0))).next;
    const t = await api.post<CreateTransportResponse>(p.transports(room, "frank"), { direction: "send" });
    await api.post(p.connect(room, "frank", t.id), { dtlsParameters: { role: "client", fingerprints: [FINGERPRINT] } });
    const mic = await api.post<ProduceResponse>(p.produce(room, "frank", t.id), webrtcAudio(401));
    const udp = t.iceCandidates.find((c) => c.protocol === "udp");
    expect(udp).toBeDefined();

    const client = await RtpEndpoint.open();
    try {
      const stun = stunBindingRequest(t.iceParameters.usernameFragment, "clientufrag", t.iceParameters.password);
      await client.send(stun, udp?.port ?? 0);
      await waitFor("ICE to connect", async () => {
        const state = await api.get<RoomState>(p.room(room));
        const iceState = state.peers[0]?.transports[0]?.iceState;
        return iceState === "completed" || iceState === "connected";
      });
      await client.send(brokenClientHello(), udp?.port ?? 0);
      const state = await waitFor("the failed transport to be closed", async () => {
        const s = await api.get<RoomState>(p.room(room));
        return s.peers.length === 0 ? s : undefined;
      });
      expect(state.producers).toEqual([]);
      expect(state.events).toEqual([
        expect.objectContaining({
          type: "transport-closed",
          peerId: "frank",
          transportId: t.id,
          reason: "dtls-failed",
        }),
        expect.objectContaining({ type: "producer-closed", peerId: "frank", producerId: mic.id }),
      ]);
      const feed = await api.get<EventsResponse>(p.events(before));
      expect(feed.events.map((e) => e.type)).toEqual(["transport-closed", "producer-closed"]);
      expect(feed.gap).toBe(false);
      expect(countObjects(await api.dump())).toMatchObject({ routers: 1, transports: 0, producers: 0 });
    } finally {
      client.close();
    }
  });
});
