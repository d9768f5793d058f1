import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { closeAll, isError, isType, joinAll, roomStub, TestClient, uniqueRoom } from "./client.ts";

async function room(names: readonly string[]): Promise<{ roomId: string; clients: TestClient[] }> {
  const roomId = uniqueRoom("msg");
  const clients = await joinAll(roomId, names);
  // Drain the user-joined announcements so later counts only see what the test does.
  for (const client of clients) await client.sync();
  for (const client of clients) client.inbox.length = 0;
  return { roomId, clients };
}

function three(clients: TestClient[]): [TestClient, TestClient, TestClient] {
  const [a, b, c] = clients;
  if (!a || !b || !c) throw new Error("expected three clients");
  return [a, b, c];
}

describe("chat-message", () => {
  it("reaches everyone once, sender included; from and timestamp are the server's; requestId only on the sender's copy", async () => {
    const { clients } = await room(["alice", "bob", "carol"]);
    const [alice, bob, carol] = three(clients);
    const claimed = "2000-01-01T00:00:00.000Z";
    alice.send({
      type: "chat-message",
      data: { from: "carol", text: "hello, room", timestamp: claimed },
      requestId: "c-1",
    });
    const [own] = await alice.waitFor(isType("chat-message"));
    const [atBob] = await bob.waitFor(isType("chat-message"));
    const [atCarol] = await carol.waitFor(isType("chat-message"));
    expect(own?.requestId).toBe("c-1");
    expect(own?.data.from).toBe("alice");
    expect(own?.data.text).toBe("hello, room");
    expect(own?.data.timestamp).not.toBe(claimed);
    expect(new Date(own?.data.timestamp ?? "").toISOString()).toBe(own?.data.timestamp);
    expect(atBob).toEqual({ type: "chat-message", data: own?.data });
    expect(atCarol).toEqual({ type: "chat-message", data: own?.data });
    for (const client of clients) await client.sync();
    for (const client of clients) expect(client.count(isType("chat-message"))).toBe(1);
    await closeAll(clients);
  });
});

describe("webrtc relays", () => {
  it.each([
    ["webrtc-offer", { type: "offer", sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n" }],
    ["webrtc-answer", { type: "answer", sdp: "v=0\r\n" }],
    ["webrtc-ice-candidate", { candidate: "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host", sdpMid: "0" }],
  ] as const)("%s reaches only its target, from stamped by the server, nothing echoed", async (type, payload) => {
    const { clients } = await room(["alice", "bob", "carol"]);
    const [alice, bob, carol] = three(clients);
    // A claimed `from` inside data is not part of the client schema and is dropped.
    alice.send({ type, data: { target: "bob", payload, from: "carol" }, requestId: "r-1" });
    const [relayed] = await bob.waitFor(isType(type));
    expect(relayed).toEqual({ type, data: { from: "alice", target: "bob", payload } });
    for (const client of clients) await client.sync();
    expect(alice.inbox).toEqual([]);
    expect(carol.inbox).toEqual([]);
    expect(bob.inbox).toHaveLength(1);
    await closeAll(clients);
  });

  it("a target that is not in this room (absent, in another room, or yourself) is unknown-target to the sender only", async () => {
    const { clients } = await room(["alice", "bob"]);
    const [alice, bob] = clients as [TestClient, TestClient];
    const elsewhere = await room(["dave"]);
    const [dave] = elsewhere.clients as [TestClient];
    const offer = { type: "offer", sdp: "v=0" };
    alice.send({ type: "webrtc-offer", data: { target: "nobody", payload: offer }, requestId: "u-1" });
    alice.send({ type: "webrtc-offer", data: { target: "dave", payload: offer }, requestId: "u-2" });
    alice.send({ type: "webrtc-answer", data: { target: "alice", payload: offer }, requestId: "u-3" });
    const errors = await alice.waitFor(isError("unknown-target"), 3);
    expect(errors.map((e) => e.requestId)).toEqual(["u-1", "u-2", "u-3"]);
    await bob.sync();
    await dave.sync();
    expect(bob.inbox).toEqual([]);
    expect(dave.inbox).toEqual([]);
    await closeAll([...clients, dave]);
  });
});

describe("media-state", () => {
  it("is stored with the socket, broadcast to the others, and listed in joined.data.media (also after eviction)", async () => {
    const { roomId, clients } = await room(["alice", "bob"]);
    const [alice, bob] = clients as [TestClient, TestClient];
    alice.send({ type: "media-state", data: { microphone: true, camera: false, screen: true }, requestId: "ms" });
    const [state] = await bob.waitFor(isType("media-state"));
    expect(state).toEqual({
      type: "media-state",
      data: { user: "alice", microphone: true, camera: false, screen: true },
    });
    await alice.sync();
    expect(alice.inbox).toEqual([]);
    await evictDurableObject(roomStub(roomId));
    const { client: carol, joined } = await TestClient.join(roomId, "carol");
    expect(joined.data.media).toEqual([{ user: "alice", microphone: true, camera: false, screen: true }]);
    await closeAll([...clients, carol]);
  });
});

describe("SFU messages without a media node", () => {
  const dtlsParameters = { fingerprints: [{ algorithm: "sha-256", value: "AB:CD:EF" }] };
  const rtpParameters = { codecs: [{ mimeType: "audio/opus", payloadType: 100, clockRate: 48000, channels: 2 }] };
  it.each([
    ["create-transport", { direction: "send" }],
    ["connect-transport", { transportId: "t1", dtlsParameters }],
    ["produce", { transportId: "t1", kind: "audio", rtpParameters }],
    ["consume", { transportId: "t1", producerId: "p1", rtpCapabilities: {} }],
    ["resume-consumer", { consumerId: "c1" }],
    ["set-consumer-layers", { consumerId: "c1", spatialLayer: 0 }],
    ["set-consumer-layers", { consumerId: "c1", spatialLayer: 3, temporalLayer: 3, priority: 255 }],
    ["pause-consumer", { consumerId: "c1" }],
    ["close-producer", { producerId: "p1" }],
    ["pause-producer", { producerId: "p1" }],
    ["resume-producer", { producerId: "p1" }],
  ] as const)("%s gets media-unavailable (requestId echoed) and reaches nobody", async (type, data) => {
    const { clients } = await room(["alice", "bob"]);
    const [alice, bob] = clients as [TestClient, TestClient];
    alice.send({ type, data, requestId: `sfu-${type}` });
    const [error] = await alice.waitFor(isError("media-unavailable"));
    expect(error?.requestId).toBe(`sfu-${type}`);
    await bob.sync();
    expect(bob.inbox).toEqual([]);
    await closeAll(clients);
  });
});

describe("receiver-driven layers: bounds", () => {
  it.each([
    ["a spatial layer above MAX_SPATIAL_LAYER", { consumerId: "c1", spatialLayer: 4 }],
    ["a negative spatial layer", { consumerId: "c1", spatialLayer: -1 }],
    ["a fractional spatial layer", { consumerId: "c1", spatialLayer: 0.5 }],
    ["a temporal layer above MAX_TEMPORAL_LAYER", { consumerId: "c1", spatialLayer: 0, temporalLayer: 4 }],
    ["priority 0", { consumerId: "c1", spatialLayer: 0, priority: 0 }],
    ["priority above 255", { consumerId: "c1", spatialLayer: 0, priority: 256 }],
    ["no consumerId", { spatialLayer: 0 }],
    ["an empty consumerId", { consumerId: "", spatialLayer: 0 }],
    ["no spatial layer", { consumerId: "c1" }],
  ])("set-consumer-layers with %s is invalid-message and reaches nobody", async (_what, data) => {
    const { clients } = await room(["alice", "bob"]);
    const [alice, bob] = clients as [TestClient, TestClient];
    alice.send({ type: "set-consumer-layers", data, requestId: "bad-layers" });
    const [error] = await alice.waitFor(isError("invalid-message"));
    expect(error?.requestId).toBe("bad-layers");
    await bob.sync();
    expect(bob.inbox).toEqual([]);
    await closeAll(clients);
  });

  it("pause-consumer without a consumerId is invalid-message", async () => {
    const { clients } = await room(["alice"]);
    const [alice] = clients as [TestClient];
    alice.send({ type: "pause-consumer", data: {}, requestId: "bad-pause" });
    const [error] = await alice.waitFor(isError("invalid-message"));
    expect(error?.requestId).toBe("bad-pause");
    await closeAll(clients);
  });
});

describe("keepalive", () => {
  it('the exact frame {"type":"ping","data":{}} is answered with pong by the runtime without waking the room', async () => {
    const { roomId, clients } = await room(["alice"]);
    const [alice] = clients as [TestClient];
    const stub = roomStub(roomId);
    await evictDurableObject(stub);
    await alice.ping();
    // Still asleep: evicting a Durable Object that is not running is refused.
    await expect(evictDurableObject(stub)).rejects.toThrow();
    await alice.close();
  });
});
