import { PING_FRAME, PONG_FRAME } from "@huddle/protocol";
import { describe, expect, it, vi } from "vitest";
import { type ConnectionStatus, SignalingClient, SignalingError } from "../../../web/src/signaling/SignalingClient.ts";
import { FakeWebSocket, useFakeBrowser } from "./fake-websocket.ts";

// The web client's SignalingClient against a fake WebSocket, with fake timers: the test plays
// the edge, frame by frame, and moves the clock.

const RESUME = "a".repeat(32);

function joinedReply(requestId: string | undefined, users: string[] = ["alice"]) {
  return { type: "joined", data: { roomId: "room-1", users, resume: RESUME }, requestId };
}

interface Harness {
  client: SignalingClient;
  statuses: ConnectionStatus[];
  joined: unknown[];
}

function newClient(): Harness {
  const client = new SignalingClient("https://edge.example", { roomId: "room-1", username: "alice" });
  const statuses: ConnectionStatus[] = [];
  const joined: unknown[] = [];
  client.on("status", (status) => statuses.push(status));
  client.on("joined", (data) => joined.push(data));
  return { client, statuses, joined };
}

/** Opens the latest socket and answers its `join-room` with `joined`. */
async function acceptJoin(): Promise<FakeWebSocket> {
  const socket = FakeWebSocket.latest();
  socket.open();
  const join = socket.lastMessage();
  expect(join.type).toBe("join-room");
  socket.receive(joinedReply(join.requestId));
  await vi.advanceTimersByTimeAsync(0);
  return socket;
}

async function connected(): Promise<Harness & { socket: FakeWebSocket }> {
  const harness = newClient();
  const joining = harness.client.join();
  const socket = await acceptJoin();
  await joining;
  return { ...(await harness), socket };
}

useFakeBrowser();

describe("joining", () => {
  it("opens the room's socket, sends join-room with a requestId and delivers `joined` exactly once", async () => {
    const { client, statuses, joined } = newClient();
    const bus: unknown[] = [];
    client.onMessage("joined", (data) => bus.push(data));
    const joining = client.join();
    const socket = FakeWebSocket.latest();
    expect(socket.url).toBe("wss://edge.example/rooms/room-1/ws");
    socket.open();
    const join = socket.lastMessage();
    expect(join).toMatchObject({ type: "join-room", data: { roomId: "room-1", username: "alice" } });
    expect(join.data.resume).toBeUndefined();
    expect(typeof join.requestId).toBe("string");

    socket.receive(joinedReply(join.requestId));
    await expect(joining).resolves.toBeUndefined();
    expect(joined).toEqual([{ roomId: "room-1", users: ["alice"], resume: RESUME }]);
    expect(bus).toEqual([]);
    expect(statuses.map((s) => s.state)).toEqual(["connecting", "connected"]);
    expect(client.status).toEqual({ state: "connected" });
  });

  it("a refused join rejects with the edge's code, closes the socket and the client", async () => {
    const { client, joined } = newClient();
    const joining = client.join();
    const socket = FakeWebSocket.latest();
    socket.open();
    const { requestId } = socket.lastMessage();
    socket.receive({ type: "error", data: { code: "username-taken", message: "taken" }, requestId });
    const error = await joining.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignalingError);
    expect((error as SignalingError).code).toBe("username-taken");
    expect(joined).toEqual([]);
    expect(socket.closedBy).not.toBeNull();
    expect(client.status).toMatchObject({ state: "closed", error: { code: "username-taken" } });
    // Closed for good: nothing reconnects.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.made).toHaveLength(1);
  });

  it("an edge that never answers fails the join after the connect timeout", async () => {
    const { client } = newClient();
    const joining = client.join();
    const failed = joining.catch((e: unknown) => e);
    FakeWebSocket.latest().open();
    await vi.advanceTimersByTimeAsync(9_999);
    expect(client.status.state).toBe("connecting");
    await vi.advanceTimersByTimeAsync(1);
    expect(await failed).toMatchObject({ code: "timeout" });
  });

  it("a socket that cannot open fails the join as connection-failed", async () => {
    const { client } = newClient();
    const joining = client.join();
    FakeWebSocket.latest().drop(1006);
    await expect(joining).rejects.toMatchObject({ code: "connection-failed" });
  });
});

describe("requests", () => {
  it("matches replies to requests by requestId, whatever their order, and keeps them off the bus", async () => {
    const { client, socket } = await connected();
    const onBus: string[] = [];
    client.onMessage("webRtcTransportCreated", () => onBus.push("webRtcTransportCreated"));
    client.onMessage("consumer-resumed", () => onBus.push("consumer-resumed"));
    const first = client.request("resume-consumer", { consumerId: "c1" }, "consumer-resumed");
    const second = client.request("resume-consumer", { consumerId: "c2" }, "consumer-resumed");
    const [a, b] = socket.messages().slice(-2);
    expect(a?.requestId).not.toBe(b?.requestId);
    socket.receive({ type: "consumer-resumed", data: { consumerId: "c2" }, requestId: b?.requestId });
    socket.receive({ type: "consumer-resumed", data: { consumerId: "c1" }, requestId: a?.requestId });
    expect(await first).toEqual({ consumerId: "c1" });
    expect(await second).toEqual({ consumerId: "c2" });
    expect(onBus).toEqual([]);
    // A message without a requestId is for the bus.
    socket.receive({ type: "consumer-resumed", data: { consumerId: "c3" } });
    expect(onBus).toEqual(["consumer-resumed"]);
  });

  it("an error reply rejects its request with the code; a reply of another type is invalid", async () => {
    const { client, socket } = await connected();
    const refused = client.request("pause-producer", { producerId: "p1" }, "producer-paused");
    socket.receive({
      type: "error",
      data: { code: "not-found", message: "no producer" },
      requestId: socket.lastMessage().requestId,
    });
    await expect(refused).rejects.toMatchObject({ code: "not-found", message: "no producer" });

    const mismatched = client.request("pause-producer", { producerId: "p1" }, "producer-paused");
    socket.receive({
      type: "producer-resumed",
      data: { producerId: "p1", user: "alice" },
      requestId: socket.lastMessage().requestId,
    });
    await expect(mismatched).rejects.toMatchObject({ code: "invalid-message" });
  });

  it("a batch collects one reply per id in order, item errors in place, none on the bus", async () => {
    const { client, socket } = await connected();
    const onBus: string[] = [];
    client.onMessage("consumer-resumed", () => onBus.push("consumer-resumed"));
    const batch = client.requestEach("resume-consumers", { consumerIds: ["c1", "c2", "c3"] }, "consumer-resumed", 3);
    const { requestId } = socket.lastMessage();
    expect(socket.lastMessage()).toMatchObject({ type: "resume-consumers", data: { consumerIds: ["c1", "c2", "c3"] } });
    socket.receive({ type: "consumer-resumed", data: { consumerId: "c1" }, requestId });
    socket.receive({ type: "error", data: { code: "not-found", message: "no c2" }, requestId });
    socket.receive({ type: "consumer-resumed", data: { consumerId: "c3" }, requestId });
    const replies = await batch;
    expect(replies[0]).toEqual({ consumerId: "c1" });
    expect(replies[1]).toBeInstanceOf(SignalingError);
    expect(replies[1]).toMatchObject({ code: "not-found" });
    expect(replies[2]).toEqual({ consumerId: "c3" });
    // A fourth reply with that requestId is not a reply any more.
    socket.receive({ type: "consumer-resumed", data: { consumerId: "c4" }, requestId });
    expect(onBus).toEqual(["consumer-resumed"]);
  });

  it("a batch refused for the rate limit is sent again; one missing reply times it out", async () => {
    const { client, socket } = await connected();
    const batch = client.requestEach("resume-consumers", { consumerIds: ["c1", "c2"] }, "consumer-resumed", 2);
    const first = socket.lastMessage().requestId;
    socket.receive({ type: "error", data: { code: "rate-limited", message: "slow down" }, requestId: first });
    await vi.advanceTimersByTimeAsync(250);
    const retry = socket.lastMessage();
    expect(retry).toMatchObject({ type: "resume-consumers" });
    expect(retry.requestId).not.toBe(first);
    socket.receive({ type: "consumer-resumed", data: { consumerId: "c1" }, requestId: retry.requestId });
    const failed = batch.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(await failed).toMatchObject({ code: "timeout" });
  });

  it("a request without a reply times out", async () => {
    const { client } = await connected();
    const pending = client.request("resume-consumer", { consumerId: "c1" }, "consumer-resumed");
    const failed = pending.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(await failed).toMatchObject({ code: "timeout" });
  });

  it("a rate-limited request is sent again after 250, 500, ... ms with a fresh requestId", async () => {
    const { client, socket } = await connected();
    const result = client.request("resume-consumer", { consumerId: "c1" }, "consumer-resumed");
    const limit = () =>
      socket.receive({
        type: "error",
        data: { code: "rate-limited", message: "slow down" },
        requestId: socket.lastMessage().requestId,
      });
    const sentBefore = socket.sent.length;
    limit();
    await vi.advanceTimersByTimeAsync(249);
    expect(socket.sent.length).toBe(sentBefore);
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.sent.length).toBe(sentBefore + 1);
    limit();
    await vi.advanceTimersByTimeAsync(499);
    expect(socket.sent.length).toBe(sentBefore + 1);
    await vi.advanceTimersByTimeAsync(1);
    const retry = socket.lastMessage();
    expect(retry).toMatchObject({ type: "resume-consumer", data: { consumerId: "c1" } });
    const ids = socket
      .messages()
      .slice(-3)
      .map((m) => m.requestId);
    expect(new Set(ids).size).toBe(3);
    socket.receive({ type: "consumer-resumed", data: { consumerId: "c1" }, requestId: retry.requestId });
    expect(await result).toEqual({ consumerId: "c1" });
  });

  it("gives up after five rate-limited retries", async () => {
    const { client, socket } = await connected();
    const failed = client.request("resume-consumer", { consumerId: "c1" }, "consumer-resumed").catch((e) => e);
    for (let attempt = 0; attempt <= 5; attempt++) {
      socket.receive({
        type: "error",
        data: { code: "rate-limited", message: "slow down" },
        requestId: socket.lastMessage().requestId,
      });
      await vi.advanceTimersByTimeAsync(250 * 2 ** attempt);
    }
    expect(await failed).toMatchObject({ code: "rate-limited" });
    expect(socket.messages().filter((m) => m.type === "resume-consumer")).toHaveLength(6);
  });

  it("refuses at once when not connected, and rejects what is pending when the socket drops", async () => {
    const idle = newClient().client;
    await expect(idle.request("resume-consumer", { consumerId: "c1" }, "consumer-resumed")).rejects.toMatchObject({
      code: "closed",
    });
    expect(idle.send("media-state", { microphone: true, camera: true, screen: false })).toBe(false);

    const { client, socket } = await connected();
    const pending = client.request("resume-consumer", { consumerId: "c1" }, "consumer-resumed").catch((e) => e);
    socket.drop(1006);
    expect(await pending).toMatchObject({ code: "closed" });
  });
});

describe("keepalive", () => {
  it("pings every 15 s; any frame within 10 s keeps the socket", async () => {
    const { client, socket } = await connected();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(socket.sent.at(-1)).toBe(PING_FRAME);
    socket.receive(PONG_FRAME);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(socket.sent.filter((frame) => frame === PING_FRAME)).toHaveLength(2);
    socket.receive(PONG_FRAME);
    await vi.advanceTimersByTimeAsync(9_000);
    expect(client.status.state).toBe("connected");
    expect(socket.closedBy).toBeNull();
  });

  it("no answer to a ping within 10 s: the socket is closed and the client reconnects", async () => {
    const { client, socket } = await connected();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(socket.sent.at(-1)).toBe(PING_FRAME);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(client.status.state).toBe("connected");
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.closedBy?.code).toBe(4000);
    expect(client.status).toMatchObject({ state: "reconnecting", attempt: 1, reason: "no answer from the server" });
  });
});

describe("reconnect", () => {
  it("a dropped socket reconnects after a backoff, rejoins with the resume secret and delivers the new `joined`", async () => {
    const { client, socket, joined, statuses } = await connected();
    socket.drop(1006);
    const status = client.status;
    expect(status.state).toBe("reconnecting");
    if (status.state !== "reconnecting") throw new Error("not reconnecting");
    expect(status.attempt).toBe(1);
    // Attempt 0 waits between half and all of the 500 ms base.
    expect(status.retryInMs).toBeGreaterThanOrEqual(250);
    expect(status.retryInMs).toBeLessThanOrEqual(500);
    await vi.advanceTimersByTimeAsync(status.retryInMs - 1);
    expect(FakeWebSocket.made).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeWebSocket.made).toHaveLength(2);

    const next = FakeWebSocket.latest();
    next.open();
    const rejoin = next.lastMessage();
    expect(rejoin).toMatchObject({ type: "join-room", data: { roomId: "room-1", username: "alice", resume: RESUME } });
    next.receive(joinedReply(rejoin.requestId, ["alice", "bob"]));
    await vi.advanceTimersByTimeAsync(0);
    expect(client.status.state).toBe("connected");
    expect(joined).toHaveLength(2);
    expect(joined[1]).toMatchObject({ users: ["alice", "bob"] });
    expect(statuses.map((s) => s.state)).toEqual(["connecting", "connected", "reconnecting", "connected"]);
  });

  it("backs off twice as long after each failed attempt, up to a 15 s ceiling", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0); // the fixed half of each wait
    const { client, socket } = await connected();
    socket.drop(1006);
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const status = client.status;
      if (status.state !== "reconnecting") throw new Error(`not reconnecting: ${status.state}`);
      waits.push(status.retryInMs);
      await vi.advanceTimersByTimeAsync(status.retryInMs);
      FakeWebSocket.latest().drop(1006); // the edge is still unreachable
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(waits).toEqual([250, 500, 1000, 2000, 4000, 7500, 7500, 7500]);
  });

  it("the browser coming back online reconnects at once", async () => {
    const { client, socket } = await connected();
    socket.drop(1006);
    expect(client.status.state).toBe("reconnecting");
    window.dispatchEvent(new Event("online"));
    expect(FakeWebSocket.made).toHaveLength(2);
  });

  it("a rejoin answered username-taken (our old socket still registered) is retried", async () => {
    const { client, socket } = await connected();
    socket.drop(1006);
    await vi.advanceTimersByTimeAsync(500);
    const second = FakeWebSocket.latest();
    second.open();
    second.receive({
      type: "error",
      data: { code: "username-taken", message: "taken" },
      requestId: second.lastMessage().requestId,
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(client.status.state).toBe("reconnecting");
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeWebSocket.made).toHaveLength(3);
    await acceptJoin();
    expect(client.status.state).toBe("connected");
  });

  it("a rejoin refused for good (room-full) closes the client with that error", async () => {
    const { client, socket } = await connected();
    socket.drop(1006);
    await vi.advanceTimersByTimeAsync(500);
    const second = FakeWebSocket.latest();
    second.open();
    second.receive({
      type: "error",
      data: { code: "room-full", message: "full" },
      requestId: second.lastMessage().requestId,
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(client.status).toMatchObject({ state: "closed", error: { code: "room-full" } });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.made).toHaveLength(2);
  });

  it("leave sends leave-room and closes for good", async () => {
    const { client, socket } = await connected();
    client.leave();
    expect(socket.messages().at(-1)).toMatchObject({
      type: "leave-room",
      data: { roomId: "room-1", username: "alice" },
    });
    expect(socket.closedBy?.code).toBe(1000);
    expect(client.status.state).toBe("closed");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.made).toHaveLength(1);
  });
});

describe("validation", () => {
  it("drops a frame that fails the schemas and reports it as invalid", async () => {
    const { client, socket } = await connected();
    const invalid: string[] = [];
    const chat: unknown[] = [];
    client.on("invalid", (why) => invalid.push(why));
    client.onMessage("chat-message", (data) => chat.push(data));
    socket.receive({ type: "chat-message", data: { from: "bob" } });
    socket.receive("not json");
    expect(invalid).toHaveLength(2);
    expect(chat).toEqual([]);
    expect(client.status.state).toBe("connected");
  });
});
