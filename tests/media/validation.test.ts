import {
  type ConsumeResponse,
  type CreatePlainTransportResponse,
  type EnsureRoomResponse,
  MEDIA_API_MAX_BODY_BYTES,
  type ProduceResponse,
  mediaPaths as p,
  type RoomState,
  type RtpCapabilities,
  signRequest,
} from "@huddle/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MediaNode } from "../../media-node/src/node.ts";
import { type ApiClient, apiClient, errorOf, opusRtpParameters, SECRET, startTestNode } from "./helpers.ts";

let node: MediaNode;
let api: ApiClient;
const room = "val";
let caps: RtpCapabilities;
let aliceSend: CreatePlainTransportResponse;
let aliceRecv: CreatePlainTransportResponse;
let bobRecv: CreatePlainTransportResponse;
let aliceProducer: ProduceResponse;
let bobConsumer: ConsumeResponse;

beforeAll(async () => {
  node = await startTestNode();
  api = apiClient(node.url);
  caps = (await api.put<EnsureRoomResponse>(p.room(room))).rtpCapabilities;
  aliceSend = await api.post(p.plainTransports(room, "alice"), { direction: "send" });
  aliceRecv = await api.post(p.plainTransports(room, "alice"), { direction: "recv" });
  bobRecv = await api.post(p.plainTransports(room, "bob"), { direction: "recv" });
  aliceProducer = await api.post(p.produce(room, "alice", aliceSend.id), {
    kind: "audio",
    rtpParameters: opusRtpParameters(5555),
  });
  bobConsumer = await api.post(p.consume(room, "bob", bobRecv.id), {
    producerId: aliceProducer.id,
    rtpCapabilities: caps,
  });
});
afterAll(async () => {
  await node?.close();
});

async function expectError(
  method: string,
  path: string,
  body: unknown,
  status: number,
  code: string,
  messageContains?: string,
) {
  const answer = await api.call(method, path, body);
  expect(answer.status, `${method} ${path} ${JSON.stringify(answer.body)}`).toBe(status);
  const error = errorOf(answer);
  expect(error.code).toBe(code);
  if (messageContains !== undefined) expect(error.message).toContain(messageContains);
  return error;
}

describe("bad bodies get 400 with the zod message", () => {
  it("rejects a transport request without or with a wrong direction", async () => {
    await expectError("POST", p.transports(room, "alice"), {}, 400, "invalid-body", "direction");
    await expectError("POST", p.transports(room, "alice"), { direction: "sideways" }, 400, "invalid-body", "direction");
    await expectError(
      "POST",
      p.transports(room, "alice"),
      { direction: "send", extra: 1 },
      400,
      "invalid-body",
      "extra",
    );
    await expectError("POST", p.transports(room, "alice"), [1, 2], 400, "invalid-body");
    await expectError("POST", p.transports(room, "alice"), null, 400, "invalid-body");
  });

  it("rejects a body that is not JSON", async () => {
    const path = p.transports(room, "alice");
    const body = "{direction: send";
    const headers = await signRequest({ secret: SECRET, method: "POST", url: path, body });
    const res = await fetch(new URL(path, node.url), { method: "POST", headers, body });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: "invalid-body", message: "body is not valid JSON" } });
  });

  it("rejects produce parameters of the wrong shape", async () => {
    const path = p.produce(room, "alice", aliceSend.id);
    await expectError(
      "POST",
      path,
      { kind: "audio", rtpParameters: { codecs: [] } },
      400,
      "invalid-body",
      "rtpParameters.codecs",
    );
    await expectError(
      "POST",
      path,
      { kind: "smell", rtpParameters: opusRtpParameters(1) },
      400,
      "invalid-body",
      "kind",
    );
    await expectError(
      "POST",
      path,
      { kind: "audio", rtpParameters: opusRtpParameters(1), appData: { deep: { nested: true } } },
      400,
      "invalid-body",
      "appData",
    );
  });

  it("passes mediasoup's own rejection on as 400 rejected", async () => {
    const error = await expectError(
      "POST",
      p.produce(room, "alice", aliceSend.id),
      {
        kind: "audio",
        rtpParameters: {
          codecs: [{ mimeType: "audio/G722", payloadType: 9, clockRate: 8000 }],
          encodings: [{ ssrc: 9 }],
        },
      },
      400,
      "rejected",
    );
    expect(error.message.length).toBeGreaterThan(0);
  });

  it("rejects bad connect bodies for each transport type", async () => {
    await expectError(
      "POST",
      p.connect(room, "alice", aliceSend.id),
      { ip: "not an ip", port: 1 },
      400,
      "invalid-body",
      "ip",
    );
    await expectError(
      "POST",
      p.connect(room, "alice", aliceSend.id),
      { ip: "127.0.0.1", port: 70000 },
      400,
      "invalid-body",
      "port",
    );
    const webrtc = await api.post<{ id: string }>(p.transports(room, "alice"), { direction: "send" });
    await expectError(
      "POST",
      p.connect(room, "alice", webrtc.id),
      { dtlsParameters: { fingerprints: [] } },
      400,
      "invalid-body",
      "dtlsParameters.fingerprints",
    );
    await api.del(p.transport(room, "alice", webrtc.id));
  });

  it("rejects bad path parameters and query strings", async () => {
    await expectError("PUT", p.room("no spaces allowed"), undefined, 400, "invalid-param", "roomId");
    await expectError("PUT", "/v1/rooms/%E0%A4%A", undefined, 400, "invalid-param");
    await expectError("POST", p.transports(room, "a/b"), { direction: "send" }, 400, "invalid-param", "peerId");
    await expectError("GET", "/v1/events?since=-4", undefined, 400, "invalid-param", "since");
  });

  it("refuses a body over the limit with 413", async () => {
    const big = { direction: "send", pad: "x".repeat(MEDIA_API_MAX_BODY_BYTES) };
    await expectError("POST", p.transports(room, "alice"), big, 413, "too-large");
  });

  it("answers unknown routes 404 and wrong methods 405", async () => {
    await expectError("GET", "/v2/rooms", undefined, 404, "not-found");
    await expectError("PATCH", p.room(room), undefined, 405, "method-not-allowed");
  });
});

describe("conflicts", () => {
  it("refuses to produce on a recv transport or consume on a send transport", async () => {
    await expectError(
      "POST",
      p.produce(room, "alice", aliceRecv.id),
      { kind: "audio", rtpParameters: opusRtpParameters(7) },
      409,
      "wrong-direction",
    );
    await expectError(
      "POST",
      p.consume(room, "alice", aliceSend.id),
      { producerId: aliceProducer.id, rtpCapabilities: caps },
      409,
      "wrong-direction",
    );
  });

  it("answers cannot-consume when the capabilities lack the producer's codec", async () => {
    const videoOnly = { codecs: caps.codecs?.filter((c) => c.kind === "video"), headerExtensions: [] };
    await expectError(
      "POST",
      p.consume(room, "alice", aliceRecv.id),
      { producerId: aliceProducer.id, rtpCapabilities: videoOnly },
      409,
      "cannot-consume",
    );
  });
});

describe("unknown ids get 404", () => {
  const unknown = "00000000-0000-0000-0000-000000000000";

  it("for rooms, transports, producers and consumers", async () => {
    await expectError("GET", p.room("nope"), undefined, 404, "not-found", "room nope");
    await expectError("DELETE", p.room("nope"), undefined, 404, "not-found");
    await expectError("POST", p.transports("nope", "alice"), { direction: "send" }, 404, "not-found");
    await expectError("POST", p.connect(room, "alice", unknown), { ip: "127.0.0.1", port: 9 }, 404, "not-found");
    await expectError(
      "POST",
      p.produce(room, "alice", unknown),
      { kind: "audio", rtpParameters: opusRtpParameters(1) },
      404,
      "not-found",
    );
    await expectError(
      "POST",
      p.consume(room, "bob", bobRecv.id),
      { producerId: unknown, rtpCapabilities: caps },
      404,
      "not-found",
    );
    await expectError("POST", p.consumerResume(room, "bob", unknown), undefined, 404, "not-found");
    await expectError("POST", p.producerPause(room, "alice", unknown), undefined, 404, "not-found");
    await expectError("DELETE", p.producer(room, "alice", unknown), undefined, 404, "not-found");
    await expectError("POST", p.consumerResume(room, "bob", "x".repeat(300)), undefined, 404, "not-found");
    await expectError(
      "POST",
      p.transports(room, "nobody").replace("/transports", "/consumers/x/resume"),
      undefined,
      404,
      "not-found",
    );
  });

  it("for another peer's transports, producers and consumers, which stay untouched", async () => {
    await expectError(
      "POST",
      p.consume(room, "mallory", aliceRecv.id),
      { producerId: aliceProducer.id, rtpCapabilities: caps },
      404,
      "not-found",
    );
    await expectError(
      "POST",
      p.produce(room, "bob", aliceSend.id),
      { kind: "audio", rtpParameters: opusRtpParameters(8) },
      404,
      "not-found",
    );
    await expectError("DELETE", p.transport(room, "bob", aliceSend.id), undefined, 404, "not-found");
    await expectError("POST", p.producerPause(room, "bob", aliceProducer.id), undefined, 404, "not-found");
    await expectError("DELETE", p.producer(room, "bob", aliceProducer.id), undefined, 404, "not-found");
    await expectError("POST", p.consumerResume(room, "alice", bobConsumer.id), undefined, 404, "not-found");

    const state = await api.get<RoomState>(p.room(room));
    expect(state.producers).toEqual([
      expect.objectContaining({ producerId: aliceProducer.id, peerId: "alice", paused: false }),
    ]);
    expect(state.peers.find((x) => x.peerId === "bob")?.consumers).toEqual([
      expect.objectContaining({ id: bobConsumer.id, paused: true }),
    ]);
    expect(state.peers.find((x) => x.peerId === "mallory")).toBeUndefined();
    expect(state.peers.find((x) => x.peerId === "alice")?.transports).toHaveLength(2);
  });
});

describe("nothing a client says crashes the node", () => {
  it("answers every route with a 4xx for garbage bodies and keeps serving", async () => {
    const unknown = "00000000-0000-0000-0000-000000000000";
    const paths: [string, string][] = [
      ["PUT", p.room(room)],
      ["POST", p.transports(room, "fuzz")],
      ["POST", p.plainTransports(room, "fuzz")],
      ["POST", p.connect(room, "alice", aliceSend.id)],
      ["POST", p.produce(room, "alice", aliceSend.id)],
      ["POST", p.consume(room, "bob", bobRecv.id)],
      ["POST", p.consumerResume(room, "bob", unknown)],
      ["POST", p.producerResume(room, "alice", aliceProducer.id)],
      ["DELETE", p.peer(room, "fuzz")],
    ];
    const bodies: unknown[] = [
      0,
      "x",
      true,
      [],
      { direction: null },
      { kind: "audio", rtpParameters: { codecs: [{ mimeType: "audio/opus", payloadType: -1, clockRate: 0 }] } },
      {
        kind: "video",
        rtpParameters: {
          codecs: [{ mimeType: "video/VP8", payloadType: 96, clockRate: 90000 }],
          encodings: [{ ssrc: 2 ** 33 }],
        },
      },
      {
        producerId: aliceProducer.id,
        rtpCapabilities: { codecs: [{ kind: "audio", mimeType: "audio/opus", clockRate: -5 }] },
      },
      { producerId: aliceProducer.id, rtpCapabilities: { codecs: "all" } },
      { dtlsParameters: { role: "server", fingerprints: [{ algorithm: "sha-256", value: "zz" }] } },
      { ip: "::1", port: 1, rtcpPort: 2 },
      JSON.parse(`${"[".repeat(500)}${"]".repeat(500)}`),
      { constructor: { prototype: { polluted: true } } },
    ];
    const texts = ['{"__proto__":{"polluted":true,"direction":"send"}}', "\u0000", "{".repeat(10_000), "💥", ""];
    for (const [method, path] of paths) {
      for (const body of bodies) {
        const answer = await api.call(method, path, body);
        expect(answer.status, `${method} ${path} ${JSON.stringify(body)?.slice(0, 80)}`).toBeLessThan(500);
      }
      for (const text of texts) {
        const answer = await api.callText(method, path, text);
        expect(answer.status, `${method} ${path} ${text.slice(0, 40)}`).toBeLessThan(500);
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const health = await fetch(new URL(p.health, node.url));
    expect(health.status).toBe(200);
  });
});
