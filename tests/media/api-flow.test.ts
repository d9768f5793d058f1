import {
  type ConsumeResponse,
  type ConsumerStateResponse,
  type CreatePlainTransportResponse,
  type CreateTransportResponse,
  type EnsureRoomResponse,
  type ProduceResponse,
  type ProducerStateResponse,
  mediaPaths as p,
  type RoomState,
  type RtpCapabilities,
} from "@huddle/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MediaNode } from "../../media-node/src/node.ts";
import {
  type ApiClient,
  apiClient,
  errorOf,
  opusPacket,
  opusRtpParameters,
  RtpEndpoint,
  startTestNode,
  waitFor,
} from "./helpers.ts";

const FINGERPRINT = {
  algorithm: "sha-256",
  value: "82:5A:68:3D:36:C3:0A:DE:AF:E7:32:43:D2:88:83:57:AC:2D:65:E5:80:C4:B6:FB:AF:1A:A0:21:9F:6D:0C:AD",
} as const;

let node: MediaNode;
let api: ApiClient;

beforeAll(async () => {
  node = await startTestNode();
  api = apiClient(node.url);
});
afterAll(async () => {
  await node?.close();
});

describe("the API over HTTP with WebRTC transports", () => {
  const room = "flow-webrtc";
  let caps: RtpCapabilities;

  it("creates the room's router once and returns its rtpCapabilities", async () => {
    const first = await api.call<EnsureRoomResponse>("PUT", p.room(room));
    expect(first.status).toBe(201);
    expect(first.body.created).toBe(true);
    const mimeTypes = first.body.rtpCapabilities.codecs?.map((c) => c.mimeType) ?? [];
    expect(mimeTypes).toContain("audio/opus");
    expect(mimeTypes).toContain("video/VP8");
    const again = await api.call<EnsureRoomResponse>("PUT", p.room(room));
    expect(again.status).toBe(200);
    expect(again.body.created).toBe(false);
    expect(again.body.rtpCapabilities).toEqual(first.body.rtpCapabilities);
    caps = first.body.rtpCapabilities;
  });

  it("creates a send transport with ICE candidates on the worker's WebRtcServer port", async () => {
    const load = await api.load();
    const rtcPort = load.workers[0]?.rtcPort;
    const t = await api.post<CreateTransportResponse>(p.transports(room, "alice"), { direction: "send" });
    expect(t.direction).toBe("send");
    expect(t.iceParameters.usernameFragment.length).toBeGreaterThan(0);
    expect(t.dtlsParameters.fingerprints.length).toBeGreaterThan(0);
    expect(t.sctpParameters).toBeUndefined();
    const udp = t.iceCandidates.find((c) => c.protocol === "udp");
    const tcp = t.iceCandidates.find((c) => c.protocol === "tcp");
    expect(udp?.address).toBe("127.0.0.1");
    expect(udp?.port).toBe(rtcPort?.udp);
    expect(tcp?.port).toBe(rtcPort?.tcp);

    const connected = await api.post(p.connect(room, "alice", t.id), {
      dtlsParameters: { role: "client", fingerprints: [FINGERPRINT] },
    });
    expect(connected).toEqual({ transportId: t.id });
    const twice = await api.call("POST", p.connect(room, "alice", t.id), {
      dtlsParameters: { role: "client", fingerprints: [FINGERPRINT] },
    });
    expect(twice.status).toBe(409);
    expect(errorOf(twice).code).toBe("invalid-state");

    const sctp = await api.post<CreateTransportResponse>(p.transports(room, "alice"), {
      direction: "recv",
      sctp: true,
    });
    expect(sctp.sctpParameters?.MIS).toBe(1024);
  });

  it("produces, consumes (paused), resumes, and reports it all in GET room", async () => {
    const send = await api.post<CreateTransportResponse>(p.transports(room, "carol"), { direction: "send" });
    const produced = await api.post<ProduceResponse>(p.produce(room, "carol", send.id), {
      kind: "audio",
      rtpParameters: {
        mid: "0",
        codecs: [
          {
            mimeType: "audio/opus",
            payloadType: 111,
            clockRate: 48000,
            channels: 2,
            parameters: { minptime: 10, useinbandfec: 1 },
            rtcpFeedback: [{ type: "transport-cc" }],
          },
        ],
        headerExtensions: [{ uri: "urn:ietf:params:rtp-hdrext:sdes:mid", id: 4 }],
        encodings: [{ ssrc: 12345678, dtx: false }],
        rtcp: { cname: "carol-cname", reducedSize: true },
      },
      appData: { source: "microphone" },
    });
    expect(produced.kind).toBe("audio");

    const recv = await api.post<CreateTransportResponse>(p.transports(room, "dave"), { direction: "recv" });
    const consumed = await api.post<ConsumeResponse>(p.consume(room, "dave", recv.id), {
      producerId: produced.id,
      rtpCapabilities: caps,
    });
    expect(consumed.producerId).toBe(produced.id);
    expect(consumed.producerPeerId).toBe("carol");
    expect(consumed.kind).toBe("audio");
    expect(consumed.producerPaused).toBe(false);
    expect(consumed.appData).toEqual({ source: "microphone" });
    expect(consumed.rtpParameters.codecs[0]?.mimeType).toBe("audio/opus");

    let state = await api.get<RoomState>(p.room(room));
    const dave = state.peers.find((peer) => peer.peerId === "dave");
    expect(dave?.consumers).toEqual([
      expect.objectContaining({ id: consumed.id, paused: true, producerId: produced.id }),
    ]);
    expect(state.producers).toContainEqual({
      producerId: produced.id,
      peerId: "carol",
      kind: "audio",
      paused: false,
      appData: { source: "microphone" },
    });

    const resumed = await api.post<ConsumerStateResponse>(p.consumerResume(room, "dave", consumed.id));
    expect(resumed).toEqual({ consumerId: consumed.id, paused: false });
    const paused = await api.post<ProducerStateResponse>(p.producerPause(room, "carol", produced.id));
    expect(paused).toEqual({ producerId: produced.id, paused: true });
    state = await api.get<RoomState>(p.room(room));
    expect(state.peers.find((peer) => peer.peerId === "dave")?.consumers[0]).toMatchObject({
      paused: false,
      producerPaused: true,
    });

    await api.del(p.producer(room, "carol", produced.id));
    state = await api.get<RoomState>(p.room(room));
    expect(state.producers.find((x) => x.producerId === produced.id)).toBeUndefined();
    // The consumer of a closed producer closes with it.
    expect(state.peers.find((peer) => peer.peerId === "dave")?.consumers).toEqual([]);
  });

  it("closes a transport on DELETE and a room on DELETE", async () => {
    const t = await api.post<CreateTransportResponse>(p.transports(room, "erin"), { direction: "recv" });
    expect(await api.del(p.transport(room, "erin", t.id))).toEqual({ transportId: t.id, closed: true });
    expect((await api.call("DELETE", p.transport(room, "erin", t.id))).status).toBe(404);
    expect(await api.del(p.room(room))).toEqual({ roomId: room, closed: true });
    const gone = await api.call("GET", p.room(room));
    expect(gone.status).toBe(404);
    expect(errorOf(gone).code).toBe("not-found");
  });
});

describe("real RTP through plain transports", () => {
  const room = "flow-rtp";
  const SSRC_A = 1111;
  const SSRC_B = 2222;
  let alice: RtpEndpoint;
  let bob: RtpEndpoint;
  let sendPort: number;
  let seqA = 0;
  let seqB = 0;
  let consumerA: ConsumeResponse;
  let consumerB: ConsumeResponse;
  let producerA: ProduceResponse;
  const ssrcOf = (c: ConsumeResponse) => c.rtpParameters.encodings?.[0]?.ssrc ?? -1;

  /**
   * Sends `n` packets on each of A and B, interleaved, then waits until all of
   * B's have arrived. B is always flowing, so A's packets (sent before B's
   * last) had every chance to arrive too: the count of A says whether A flows.
   */
  async function burst(n: number): Promise<{ a: number; b: number }> {
    const a0 = bob.count(ssrcOf(consumerA));
    const b0 = bob.count(ssrcOf(consumerB));
    for (let i = 0; i < n; i++) {
      await alice.send(opusPacket(SSRC_A, seqA++), sendPort);
      await alice.send(opusPacket(SSRC_B, seqB++), sendPort);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await waitFor(`${n} packets of the control stream`, () => bob.count(ssrcOf(consumerB)) - b0 >= n);
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { a: bob.count(ssrcOf(consumerA)) - a0, b: bob.count(ssrcOf(consumerB)) - b0 };
  }

  beforeAll(async () => {
    alice = await RtpEndpoint.open();
    bob = await RtpEndpoint.open();
    const { rtpCapabilities } = await api.put<EnsureRoomResponse>(p.room(room));

    const send = await api.post<CreatePlainTransportResponse>(p.plainTransports(room, "alice"), { direction: "send" });
    expect(send.ip).toBe("127.0.0.1");
    sendPort = send.port;
    await api.post(p.connect(room, "alice", send.id), { ip: "127.0.0.1", port: alice.port });
    producerA = await api.post<ProduceResponse>(p.produce(room, "alice", send.id), {
      kind: "audio",
      rtpParameters: opusRtpParameters(SSRC_A),
    });
    const producerB = await api.post<ProduceResponse>(p.produce(room, "alice", send.id), {
      kind: "audio",
      rtpParameters: opusRtpParameters(SSRC_B),
    });

    const recv = await api.post<CreatePlainTransportResponse>(p.plainTransports(room, "bob"), { direction: "recv" });
    await api.post(p.connect(room, "bob", recv.id), { ip: "127.0.0.1", port: bob.port });
    consumerA = await api.post<ConsumeResponse>(p.consume(room, "bob", recv.id), {
      producerId: producerA.id,
      rtpCapabilities,
    });
    consumerB = await api.post<ConsumeResponse>(p.consume(room, "bob", recv.id), {
      producerId: producerB.id,
      rtpCapabilities,
    });
    expect(ssrcOf(consumerA)).not.toBe(ssrcOf(consumerB));
    await api.post(p.consumerResume(room, "bob", consumerB.id));
  });

  afterAll(() => {
    alice?.close();
    bob?.close();
  });

  it("forwards nothing to a consumer until it is resumed (consumers start paused)", async () => {
    const { a, b } = await burst(20);
    expect(b).toBe(20);
    expect(a).toBe(0);
  });

  it("forwards the producer's packets to the consumer once resumed", async () => {
    await api.post(p.consumerResume(room, "bob", consumerA.id));
    const { a, b } = await burst(20);
    expect(b).toBe(20);
    expect(a).toBe(20);
  });

  it("stops the flow when the producer is paused and restarts it on resume", async () => {
    await api.post(p.producerPause(room, "alice", producerA.id));
    const paused = await burst(20);
    expect(paused.b).toBe(20);
    expect(paused.a).toBe(0);

    await api.post(p.producerResume(room, "alice", producerA.id));
    const resumed = await burst(20);
    expect(resumed.b).toBe(20);
    expect(resumed.a).toBe(20);
  });

  it("stops the flow when the consumer is paused", async () => {
    await api.post(p.consumerPause(room, "bob", consumerA.id));
    const { a, b } = await burst(20);
    expect(b).toBe(20);
    expect(a).toBe(0);
  });
});
