import { CLOSE_DENIED, CLOSE_REMOVED, CLOSE_ROOM_ENDED, PING_FRAME, PONG_FRAME } from "@huddle/protocol";
import { describe, expect, it, vi } from "vitest";
import { type ConnectionStatus, SignalingClient } from "../../../web/src/signaling/SignalingClient.ts";
import { FakeWebSocket, useFakeBrowser } from "./fake-websocket.ts";

// The SignalingClient in rooms with join tokens and moderators: the token goes with every
// join, a lobby holds the join, and a moderator's removal, denial or end of the call stops the
// client for good (no reconnect). The test plays the edge on a fake WebSocket.

const RESUME = "b".repeat(32);
const TOKEN = "header.payload.signature";

function newClient() {
  const client = new SignalingClient("https://edge.example", { roomId: "room-1", username: "alice", token: TOKEN });
  const statuses: ConnectionStatus[] = [];
  client.on("status", (status) => statuses.push(status));
  return { client, statuses };
}

function joinedReply(requestId: string | undefined) {
  return { type: "joined", data: { roomId: "room-1", users: ["alice"], resume: RESUME }, requestId };
}

async function connected() {
  const harness = newClient();
  const joining = harness.client.join();
  const socket = FakeWebSocket.latest();
  socket.open();
  socket.receive(joinedReply(socket.lastMessage().requestId));
  await joining;
  return { ...(await harness), socket };
}

useFakeBrowser();

describe("join tokens", () => {
  it("sends the token with the first join and with every rejoin", async () => {
    const { socket } = await connected();
    expect(socket.messages()[0]).toMatchObject({ type: "join-room", data: { username: "alice", token: TOKEN } });
    socket.drop(1006);
    await vi.advanceTimersByTimeAsync(500);
    const next = FakeWebSocket.latest();
    next.open();
    expect(next.lastMessage()).toMatchObject({ type: "join-room", data: { token: TOKEN, resume: RESUME } });
  });

  it("an unauthorized join rejects with the server's message and never retries", async () => {
    const { client } = newClient();
    const joining = client.join().catch((e: unknown) => e);
    const socket = FakeWebSocket.latest();
    socket.open();
    socket.receive({
      type: "error",
      data: { code: "unauthorized", message: "the token has expired" },
      requestId: socket.lastMessage().requestId,
    });
    expect(await joining).toMatchObject({ code: "unauthorized", message: "the token has expired" });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.made).toHaveLength(1);
  });
});

describe("no reconnect after a moderator's decision", () => {
  for (const [code, error] of [
    [CLOSE_REMOVED, "removed"],
    [CLOSE_ROOM_ENDED, "room-ended"],
    [CLOSE_DENIED, "join-denied"],
  ] as const) {
    it(`close code ${code} closes the client with ${error}, for good`, async () => {
      const { client, socket, statuses } = await connected();
      socket.drop(code, "bye");
      expect(client.status).toMatchObject({ state: "closed", error: { code: error } });
      await vi.advanceTimersByTimeAsync(120_000);
      expect(FakeWebSocket.made).toHaveLength(1);
      expect(statuses.map((s) => s.state)).not.toContain("reconnecting");
    });
  }

  it("participant-removed for us closes the client as removed even if the socket then just drops", async () => {
    const { client, socket } = await connected();
    const seen: unknown[] = [];
    client.onMessage("participant-removed", (data) => seen.push(data));
    socket.receive({ type: "participant-removed", data: { user: "alice", by: "mod" } });
    expect(seen).toEqual([{ user: "alice", by: "mod" }]); // the room hears of it first
    expect(client.status).toMatchObject({ state: "closed", error: { code: "removed" } });
    socket.drop(1006);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakeWebSocket.made).toHaveLength(1);
  });

  it("participant-removed for someone else is only news", async () => {
    const { client, socket } = await connected();
    socket.receive({ type: "participant-removed", data: { user: "bob" } });
    expect(client.status.state).toBe("connected");
  });

  it("room-ended closes the client as room-ended", async () => {
    const { client, socket } = await connected();
    socket.receive({ type: "room-ended", data: { by: "mod", reason: "the meeting is over" } });
    expect(client.status).toMatchObject({ state: "closed", error: { code: "room-ended" } });
  });

  it("a rejoin refused as removed (the same token) stops reconnecting", async () => {
    const { client, socket } = await connected();
    socket.drop(1006); // a network drop, then the rejoin meets the removal
    await vi.advanceTimersByTimeAsync(500);
    const next = FakeWebSocket.latest();
    next.open();
    next.receive({
      type: "error",
      data: { code: "removed", message: "removed by a moderator" },
      requestId: next.lastMessage().requestId,
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(client.status).toMatchObject({ state: "closed", error: { code: "removed" } });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakeWebSocket.made).toHaveLength(2);
  });

  it("a rejoin whose socket is closed with 4010 stops reconnecting", async () => {
    const { client, socket } = await connected();
    socket.drop(1006);
    await vi.advanceTimersByTimeAsync(500);
    FakeWebSocket.latest().drop(CLOSE_REMOVED);
    await vi.advanceTimersByTimeAsync(0);
    expect(client.status).toMatchObject({ state: "closed", error: { code: "removed" } });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakeWebSocket.made).toHaveLength(2);
  });
});

describe("the room's lobby", () => {
  async function waiting() {
    const harness = newClient();
    const joining = harness.client.join();
    const outcome = joining.then(
      () => "joined",
      (e: unknown) => e,
    );
    const socket = FakeWebSocket.latest();
    socket.open();
    const { requestId } = socket.lastMessage();
    socket.receive({ type: "lobby-waiting", data: { roomId: "room-1" }, requestId });
    await vi.advanceTimersByTimeAsync(0);
    return { ...harness, socket, requestId, outcome };
  }

  it("lobby-waiting: the status is waiting, with no timeout, until admitted (joined with the same requestId)", async () => {
    const { client, socket, requestId, outcome, statuses } = await waiting();
    expect(client.status).toEqual({ state: "waiting", roomId: "room-1" });
    // A moderator takes their time (no join timeout); the edge answers the pings meanwhile.
    for (let i = 0; i < 8; i++) {
      await vi.advanceTimersByTimeAsync(15_000);
      expect(socket.sent.at(-1)).toBe(PING_FRAME);
      socket.receive(PONG_FRAME);
    }
    expect(client.status.state).toBe("waiting");
    socket.receive(joinedReply(requestId));
    expect(await outcome).toBe("joined");
    expect(statuses.map((s) => s.state)).toEqual(["connecting", "waiting", "connected"]);
  });

  it("denied while waiting (error join-denied, then close 4012): the join rejects as join-denied", async () => {
    const { client, socket, requestId, outcome } = await waiting();
    socket.receive({ type: "error", data: { code: "join-denied", message: "not today" }, requestId });
    socket.drop(CLOSE_DENIED);
    expect(await outcome).toMatchObject({ code: "join-denied" });
    expect(client.status).toMatchObject({ state: "closed", error: { code: "join-denied" } });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.made).toHaveLength(1);
  });

  it("a denial without a requestId, or only the close code, is a denial too", async () => {
    const first = await waiting();
    first.socket.receive({ type: "error", data: { code: "join-denied", message: "no" } });
    expect(await first.outcome).toMatchObject({ code: "join-denied" });

    const second = await waiting();
    second.socket.drop(CLOSE_DENIED);
    expect(await second.outcome).toMatchObject({ code: "join-denied" });
  });

  it("an edge that stops answering pings while we wait fails the join (connection-failed)", async () => {
    const { outcome } = await waiting();
    await vi.advanceTimersByTimeAsync(25_000);
    expect(await outcome).toMatchObject({ code: "connection-failed" });
  });

  it("leave while waiting sends leave-room and stops waiting", async () => {
    const { client, socket, outcome } = await waiting();
    client.leave();
    expect(socket.lastMessage()).toMatchObject({ type: "leave-room", data: { roomId: "room-1", username: "alice" } });
    expect(await outcome).toMatchObject({ code: "closed" });
    expect(client.status.state).toBe("closed");
  });
});

describe("moderation commands", () => {
  it("resolve with whatever the room answers, which is also news on the bus; errors reject", async () => {
    const { client, socket } = await connected();
    const news: unknown[] = [];
    client.onMessage("room-updated", (data) => news.push(data));
    const done = client.command("update-room", { locked: true });
    const sent = socket.lastMessage();
    expect(sent).toMatchObject({ type: "update-room", data: { locked: true } });
    socket.receive({
      type: "room-updated",
      data: { locked: true, lobby: false, by: "alice" },
      requestId: sent.requestId,
    });
    expect((await done).type).toBe("room-updated");
    expect(news).toEqual([{ locked: true, lobby: false, by: "alice" }]);

    const refused = client.command("end-room", {});
    socket.receive({
      type: "error",
      data: { code: "unauthorized", message: "needs roomAdmin" },
      requestId: socket.lastMessage().requestId,
    });
    await expect(refused).rejects.toMatchObject({ code: "unauthorized" });
  });
});
