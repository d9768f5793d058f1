import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { CLOSE_JOIN_TIMEOUT, JOIN_TIMEOUT_MS } from "@huddle/protocol";
import { describe, expect, it } from "vitest";
import { type SocketAttachment, writeAttachment } from "../../edge/src/room/attachment.ts";
import type { Room } from "../../edge/src/room/room.ts";
import { closeAll, isError, isType, roomStub, TestClient, uniqueRoom, untilSockets } from "./client.ts";

/** Makes every unjoined socket of the room look older than the join timeout (no real waiting). */
async function ageUnjoinedSockets(roomId: string): Promise<number> {
  return runInDurableObject(roomStub(roomId), (_room: Room, state) => {
    let aged = 0;
    for (const ws of state.getWebSockets()) {
      const attachment = ws.deserializeAttachment() as { username?: string; openedAt?: number };
      if (attachment.username !== undefined) continue;
      // Through the Room's own writer, which keeps its in-memory copy equal to the stored one.
      writeAttachment(ws, { ...attachment, openedAt: Date.now() - JOIN_TIMEOUT_MS - 1 } as SocketAttachment);
      aged++;
    }
    return aged;
  });
}

describe("sockets that never join do not hold the room", () => {
  it("a socket that opens schedules the room's alarm for its join deadline", async () => {
    const roomId = uniqueRoom("deadline");
    const before = Date.now();
    const idle = await TestClient.connect(roomId);
    await untilSockets(roomId, 1);
    const alarm = await runInDurableObject(roomStub(roomId), (_room: Room, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm).toBeGreaterThanOrEqual(before + JOIN_TIMEOUT_MS);
    expect(alarm).toBeLessThanOrEqual(Date.now() + JOIN_TIMEOUT_MS);
    await idle.close();
  });

  it("past the deadline the socket is closed with CLOSE_JOIN_TIMEOUT; joined members are untouched", async () => {
    const roomId = uniqueRoom("idle");
    const { client: alice } = await TestClient.join(roomId, "alice");
    const idle = await TestClient.connect(roomId);
    await untilSockets(roomId, 2);
    // Before the deadline the alarm leaves it alone.
    await runDurableObjectAlarm(roomStub(roomId));
    expect(idle.closed).toBe(false);

    expect(await ageUnjoinedSockets(roomId)).toBe(1);
    await runDurableObjectAlarm(roomStub(roomId));
    expect(await idle.closedByServer()).toBe(CLOSE_JOIN_TIMEOUT);
    await untilSockets(roomId, 1);
    alice.chat("still here");
    const [echo] = await alice.waitFor(isType("chat-message"));
    expect(echo?.data.from).toBe("alice");
    await closeAll([alice]);
  });

  it("a socket that left the room gets a fresh deadline, then is closed if it does not join again", async () => {
    const roomId = uniqueRoom("left");
    const { client: bob } = await TestClient.join(roomId, "bob");
    bob.send({ type: "leave-room", data: { roomId, username: "bob" } });
    bob.chat("anyone?");
    await bob.waitFor(isError("not-joined"));
    await runDurableObjectAlarm(roomStub(roomId));
    expect(bob.closed).toBe(false);
    expect(await ageUnjoinedSockets(roomId)).toBe(1);
    await runDurableObjectAlarm(roomStub(roomId));
    expect(await bob.closedByServer()).toBe(CLOSE_JOIN_TIMEOUT);
  });
});
