// The batch routes of the media node (consume-many, consumers/resume, consumers/layers) against a real worker:
// each producer of a batch gets the consumer (or the error) a single consume would have given,
// one failing id does not stop the others, and the objects exist in the worker afterwards.
import {
  type ConsumeManyResponse,
  type CreateTransportResponse,
  type DumpResponse,
  type EnsureRoomResponse,
  type ProduceResponse,
  mediaPaths as p,
  type ResumeConsumersResponse,
  type RoomState,
  type RtpCapabilities,
  type SetConsumerLayersResponse,
} from "@huddle/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MediaNode } from "../../media-node/src/node.ts";
import {
  type ApiClient,
  apiClient,
  countObjects,
  errorOf,
  opusRtpParameters,
  startTestNode,
  vp8RtpParameters,
} from "./helpers.ts";

const ROOM = "batch";
const UNKNOWN = "00000000-0000-0000-0000-000000000000";

let node: MediaNode;
let api: ApiClient;
let caps: RtpCapabilities;
let recv: CreateTransportResponse;
let send: CreateTransportResponse;
const producers: ProduceResponse[] = [];

beforeAll(async () => {
  node = await startTestNode();
  api = apiClient(node.url);
  caps = (await api.call<EnsureRoomResponse>("PUT", p.room(ROOM))).body.rtpCapabilities;
  const source = (await api.call<CreateTransportResponse>("POST", p.transports(ROOM, "src"), { direction: "send" }))
    .body;
  for (const [i, body] of [
    { kind: "audio", rtpParameters: opusRtpParameters(1001) },
    { kind: "video", rtpParameters: vp8RtpParameters(2002), appData: { source: "camera" } },
    { kind: "audio", rtpParameters: opusRtpParameters(3003) },
  ].entries()) {
    const answer = await api.call<ProduceResponse>("POST", p.produce(ROOM, "src", source.id), body);
    expect(answer.status, `producer ${i}`).toBe(201);
    producers.push(answer.body);
  }
  recv = (await api.call<CreateTransportResponse>("POST", p.transports(ROOM, "joiner"), { direction: "recv" })).body;
  send = (await api.call<CreateTransportResponse>("POST", p.transports(ROOM, "joiner"), { direction: "send" })).body;
});
afterAll(async () => {
  await node?.close();
});

describe("consume-many", () => {
  let consumed: ConsumeManyResponse;

  it("consumes every producer of the batch, paused, and lists the ones it cannot", async () => {
    const ids = [producers[0]?.id, UNKNOWN, producers[1]?.id, producers[2]?.id] as string[];
    const answer = await api.call<ConsumeManyResponse>("POST", p.consumeMany(ROOM, "joiner", recv.id), {
      producerIds: ids,
      rtpCapabilities: caps,
    });
    expect(answer.status).toBe(201);
    consumed = answer.body;
    expect(consumed.consumers.map((c) => c.producerId)).toEqual([ids[0], ids[2], ids[3]]);
    expect(consumed.consumers.map((c) => c.kind)).toEqual(["audio", "video", "audio"]);
    expect(consumed.consumers.every((c) => c.producerPeerId === "src")).toBe(true);
    expect(consumed.consumers[1]?.appData).toEqual({ source: "camera" });
    expect(new Set(consumed.consumers.map((c) => c.id)).size).toBe(3);
    expect(consumed.failed).toEqual([{ id: UNKNOWN, error: { code: "not-found", message: expect.any(String) } }]);
    const room = await api.call<{ peers: { peerId: string; consumers: { paused: boolean }[] }[] }>("GET", p.room(ROOM));
    const joiner = room.body.peers.find((peer) => peer.peerId === "joiner");
    expect(joiner?.consumers.map((c) => c.paused)).toEqual([true, true, true]);
    expect(countObjects((await api.call<DumpResponse>("GET", p.dump)).body).consumers).toBe(3);
  });

  it("answers cannot-consume for each producer the capabilities cannot receive, consuming the rest", async () => {
    const audioOnly = { codecs: caps.codecs?.filter((c) => c.kind === "audio"), headerExtensions: [] };
    const other = (await api.call<CreateTransportResponse>("POST", p.transports(ROOM, "other"), { direction: "recv" }))
      .body;
    const answer = await api.call<ConsumeManyResponse>("POST", p.consumeMany(ROOM, "other", other.id), {
      producerIds: [producers[0]?.id, producers[1]?.id],
      rtpCapabilities: audioOnly,
    });
    expect(answer.status).toBe(201);
    expect(answer.body.consumers.map((c) => c.producerId)).toEqual([producers[0]?.id]);
    expect(answer.body.failed.map((f) => [f.id, f.error.code])).toEqual([[producers[1]?.id, "cannot-consume"]]);
  });

  it("refuses the whole batch on a send transport, a repeated id, or an empty list", async () => {
    const wrong = await api.call("POST", p.consumeMany(ROOM, "joiner", send.id), {
      producerIds: [producers[0]?.id],
      rtpCapabilities: caps,
    });
    expect([wrong.status, errorOf(wrong).code]).toEqual([409, "wrong-direction"]);
    for (const producerIds of [[], [producers[0]?.id, producers[0]?.id]]) {
      const bad = await api.call("POST", p.consumeMany(ROOM, "joiner", recv.id), {
        producerIds,
        rtpCapabilities: caps,
      });
      expect([bad.status, errorOf(bad).code]).toEqual([400, "invalid-body"]);
    }
    const missing = await api.call("POST", p.consumeMany(ROOM, "joiner", UNKNOWN), {
      producerIds: [producers[0]?.id],
      rtpCapabilities: caps,
    });
    expect([missing.status, errorOf(missing).code]).toEqual([404, "not-found"]);
  });

  it("resumes several consumers in one call; another peer's consumer is not found", async () => {
    const ids = consumed.consumers.map((c) => c.id);
    const answer = await api.call<ResumeConsumersResponse>("POST", p.consumersResume(ROOM, "joiner"), {
      consumerIds: [ids[0], ids[1]],
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      consumers: [
        { consumerId: ids[0], paused: false },
        { consumerId: ids[1], paused: false },
      ],
      failed: [],
    });
    const foreign = await api.call<ResumeConsumersResponse>("POST", p.consumersResume(ROOM, "other"), {
      consumerIds: [ids[2]],
    });
    expect(foreign.body.consumers).toEqual([]);
    expect(foreign.body.failed.map((f) => [f.id, f.error.code])).toEqual([[ids[2], "not-found"]]);
  });
});

describe("consumers/layers", () => {
  it("sets a simulcast consumer's preferred layers and priority; a simple one keeps its stream", async () => {
    const source = (await api.call<CreateTransportResponse>("POST", p.transports(ROOM, "cam"), { direction: "send" }))
      .body;
    const simulcast = vp8RtpParameters(7000);
    simulcast.encodings = [{ ssrc: 7000 }, { ssrc: 7001 }, { ssrc: 7002 }];
    const camera = await api.call<ProduceResponse>("POST", p.produce(ROOM, "cam", source.id), {
      kind: "video",
      rtpParameters: simulcast,
      appData: { source: "camera" },
    });
    expect(camera.status).toBe(201);
    const viewerRecv = (
      await api.call<CreateTransportResponse>("POST", p.transports(ROOM, "viewer"), { direction: "recv" })
    ).body;
    const many = await api.call<ConsumeManyResponse>("POST", p.consumeMany(ROOM, "viewer", viewerRecv.id), {
      producerIds: [camera.body.id, producers[0]?.id],
      rtpCapabilities: caps,
    });
    const [video, audio] = many.body.consumers;
    if (video === undefined || audio === undefined) throw new Error(`consume-many: ${JSON.stringify(many.body)}`);

    const answer = await api.call<SetConsumerLayersResponse>("POST", p.consumersLayers(ROOM, "viewer"), {
      consumers: [
        { consumerId: video.id, spatialLayer: 0, priority: 9 },
        { consumerId: audio.id, spatialLayer: 1 },
        { consumerId: UNKNOWN, spatialLayer: 1 },
      ],
    });
    expect(answer.status).toBe(200);
    expect(answer.body.consumers).toEqual([
      { consumerId: video.id, preferredLayers: expect.objectContaining({ spatialLayer: 0 }), priority: 9 },
      { consumerId: audio.id, priority: 1 },
    ]);
    expect(answer.body.failed.map((f) => [f.id, f.error.code])).toEqual([[UNKNOWN, "not-found"]]);
    const state = (await api.call<RoomState>("GET", p.room(ROOM))).body;
    const viewer = state.peers.find((peer) => peer.peerId === "viewer");
    expect(viewer?.consumers.find((c) => c.id === video.id)).toMatchObject({
      preferredLayers: { spatialLayer: 0 },
      priority: 9,
    });

    // Another peer's consumer is not found; out-of-range layers and priorities are refused whole.
    const foreign = await api.call<SetConsumerLayersResponse>("POST", p.consumersLayers(ROOM, "joiner"), {
      consumers: [{ consumerId: video.id, spatialLayer: 2 }],
    });
    expect(foreign.body.failed.map((f) => [f.id, f.error.code])).toEqual([[video.id, "not-found"]]);
    for (const consumers of [
      [{ consumerId: video.id, spatialLayer: 4 }],
      [{ consumerId: video.id, spatialLayer: 0, priority: 0 }],
      [
        { consumerId: video.id, spatialLayer: 0 },
        { consumerId: video.id, spatialLayer: 1 },
      ],
      [],
    ]) {
      const bad = await api.call("POST", p.consumersLayers(ROOM, "viewer"), { consumers });
      expect([bad.status, errorOf(bad).code]).toEqual([400, "invalid-body"]);
    }
  });
});
