import { CLIENT_RECONNECT_LIMIT_MS } from "@huddle/protocol";
import { describe, expect, it, vi } from "vitest";
import { reconnectLimitMs } from "../../../web/src/signaling/reconnectLimit.ts";
import { type ConnectionStatus, SignalingClient, SignalingError } from "../../../web/src/signaling/SignalingClient.ts";
import { FakeWebSocket, useFakeBrowser } from "./fake-websocket.ts";

// The give-up rule: a dropped connection is retried for a limited time, then the client closes
// with `gave-up`; "Retry now" starts an attempt at once. A fake WebSocket plays the edge.

const RESUME = "b".repeat(32);

async function connectedClient(reconnectLimitMs?: number) {
  const client = new SignalingClient(
    "https://edge.example",
    { roomId: "room-1", username: "alice" },
    reconnectLimitMs === undefined ? {} : { reconnectLimitMs },
  );
  const statuses: ConnectionStatus[] = [];
  client.on("status", (status) => statuses.push(status));
  const joining = client.join();
  const socket = FakeWebSocket.latest();
  socket.open();
  socket.receive({
    type: "joined",
    data: { roomId: "room-1", users: ["alice"], resume: RESUME },
    requestId: socket.lastMessage().requestId,
  });
  await joining;
  return { client, socket, statuses };
}

/** Fails every attempt the client makes (the edge is gone) until `ms` have passed. */
async function edgeDownFor(ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const before = FakeWebSocket.made.length;
    await vi.advanceTimersByTimeAsync(Math.min(100, end - Date.now()));
    for (const socket of FakeWebSocket.made.slice(before)) socket.drop(1006);
    await vi.advanceTimersByTimeAsync(0);
  }
}

useFakeBrowser();

describe("giving up on a lost connection", () => {
  it("retries for 60 s by default, then closes with `gave-up` and tries no more", async () => {
    const { client, socket, statuses } = await connectedClient();
    const start = Date.now();
    socket.drop(1006);
    const status = client.status;
    if (status.state !== "reconnecting") throw new Error(`not reconnecting: ${status.state}`);
    expect(status.giveUpAt).toBe(start + CLIENT_RECONNECT_LIMIT_MS);

    await edgeDownFor(CLIENT_RECONNECT_LIMIT_MS - 200);
    expect(client.status.state).toBe("reconnecting");
    const attempts = FakeWebSocket.made.length;
    expect(attempts).toBeGreaterThan(3);
    // Every status of the outage carries the same deadline.
    const deadlines = new Set(statuses.flatMap((s) => (s.state === "reconnecting" ? [s.giveUpAt] : [])));
    expect([...deadlines]).toEqual([start + CLIENT_RECONNECT_LIMIT_MS]);

    await edgeDownFor(400);
    const closed = client.status;
    if (closed.state !== "closed") throw new Error(`not closed: ${closed.state}`);
    expect(closed.error).toBeInstanceOf(SignalingError);
    expect(closed.error?.code).toBe("gave-up");
    expect(closed.reason).toBe("could not reconnect within 60 s");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.made.length).toBeLessThanOrEqual(attempts + 1);
  });

  it("a reconnect in time resets the clock: the next outage has its full limit again", async () => {
    const { client, socket } = await connectedClient(10_000);
    socket.drop(1006);
    await edgeDownFor(8_000);
    client.retryNow(); // the edge is back: this attempt gets through
    const attempt = FakeWebSocket.latest();
    attempt.open();
    attempt.receive({
      type: "joined",
      data: { roomId: "room-1", users: ["alice"], resume: RESUME },
      requestId: attempt.lastMessage().requestId,
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(client.status.state).toBe("connected");

    const dropAt = Date.now();
    attempt.drop(1006);
    const status = client.status;
    if (status.state !== "reconnecting") throw new Error(`not reconnecting: ${status.state}`);
    expect(status.giveUpAt).toBe(dropAt + 10_000);
    await edgeDownFor(9_000);
    expect(client.status.state).toBe("reconnecting");
    await edgeDownFor(1_500);
    expect(client.status).toMatchObject({ state: "closed", error: { code: "gave-up" } });
  });

  it("gives up during an attempt that hangs, closing its socket", async () => {
    const { client, socket } = await connectedClient(5_000);
    socket.drop(1006);
    await edgeDownFor(3_000);
    // This attempt opens but the join is never answered.
    client.retryNow();
    const hanging = FakeWebSocket.latest();
    hanging.open();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(FakeWebSocket.latest()).toBe(hanging);
    expect(client.status).toMatchObject({ state: "closed", error: { code: "gave-up" } });
    expect(hanging.readyState).toBe(FakeWebSocket.CLOSED);
  });

  it("Retry now starts an attempt at once, and only one at a time", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.99);
    const { client, socket } = await connectedClient();
    socket.drop(1006);
    await edgeDownFor(1_000); // a few quick attempts; the backoff grows
    const status = client.status;
    if (status.state !== "reconnecting") throw new Error(`not reconnecting: ${status.state}`);
    expect(status.retryInMs).toBeGreaterThan(500);
    const before = FakeWebSocket.made.length;
    client.retryNow();
    expect(FakeWebSocket.made).toHaveLength(before + 1);
    client.retryNow(); // that attempt is still running
    expect(FakeWebSocket.made).toHaveLength(before + 1);

    const attempt = FakeWebSocket.latest();
    attempt.open();
    attempt.receive({
      type: "joined",
      data: { roomId: "room-1", users: ["alice"], resume: RESUME },
      requestId: attempt.lastMessage().requestId,
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(client.status.state).toBe("connected");
    client.retryNow(); // connected: nothing to do
    expect(FakeWebSocket.made).toHaveLength(before + 1);
    // The backoff timer of the skipped wait does not fire a second attempt later.
    await vi.advanceTimersByTimeAsync(20_000);
    expect(FakeWebSocket.made).toHaveLength(before + 1);
  });
});

describe("the page's reconnect limit", () => {
  it("is 60 s unless ?reconnectLimit= gives seconds from 1 to 3600", () => {
    expect(reconnectLimitMs("")).toBe(60_000);
    expect(reconnectLimitMs("?room=a&reconnectLimit=5")).toBe(5_000);
    expect(reconnectLimitMs("?reconnectLimit=3600")).toBe(3_600_000);
    for (const bad of ["0", "3601", "-1", "1.5", "abc", "", "99999"])
      expect(reconnectLimitMs(`?reconnectLimit=${bad}`)).toBe(60_000);
  });
});
