import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { CLOSE_KEEPALIVE_TIMEOUT, CLOSE_REPLACED, type ServerMessage } from "@huddle/protocol";
import { describe, expect, it } from "vitest";
import type { Room } from "../../edge/src/room/room.ts";
import { closeAll, evict, isError, isType, roomStub, TestClient, uniqueRoom, untilSockets } from "./client.ts";

const membership = (m: ServerMessage) => m.type === "user-left" || m.type === "user-joined";
const left = (user: string) => (m: ServerMessage) => m.type === "user-left" && m.data.user === user;

/** Moves every reconnect-grace deadline of the room into the past (no real waiting). */
async function endGrace(roomId: string): Promise<number> {
  return runInDurableObject(roomStub(roomId), (_room: Room, state) => {
    const rows = state.storage.sql.exec("UPDATE away_members SET until = ? RETURNING sid", Date.now() - 1).toArray();
    return rows.length;
  });
}

/** A socket that drops the way a dead network does: the client's keepalive gives up (4000). */
async function drop(client: TestClient, roomId: string, remaining: number): Promise<void> {
  await client.close(CLOSE_KEEPALIVE_TIMEOUT);
  await untilSockets(roomId, remaining);
}

async function resume(roomId: string, username: string, secret: string | undefined) {
  const fresh = await TestClient.connect(roomId);
  fresh.send({ type: "join-room", data: { roomId, username, ...(secret === undefined ? {} : { resume: secret }) } });
  const [joined] = await fresh.waitFor(isType("joined"));
  if (joined === undefined) throw new Error("unreachable");
  fresh.username = username;
  return { fresh, joined };
}

describe("reconnect grace: a member whose socket dropped is kept for a while", () => {
  it("resumed within the grace: the others see nobody leave or join, the membership goes on", async () => {
    const roomId = uniqueRoom("grace");
    const { client: stale, joined: first } = await TestClient.join(roomId, "alice");
    const { client: bob } = await TestClient.join(roomId, "bob");
    stale.send({ type: "media-state", data: { microphone: true, camera: false, screen: false } });
    await bob.waitFor(isType("media-state"));
    await drop(stale, roomId, 1);
    await bob.sync();
    expect(bob.inbox.filter(membership)).toEqual([]);

    const { fresh, joined } = await resume(roomId, "alice", first.data.resume);
    expect(joined.data.resumed).toBe(true);
    expect(joined.data.users).toEqual(["alice", "bob"]); // its place in the join order is kept
    expect(joined.data.media).toContainEqual({ user: "alice", microphone: true, camera: false, screen: false });
    expect(joined.data.resume).not.toBe(first.data.resume);
    fresh.chat("back");
    const [chat] = await bob.waitFor(isType("chat-message"));
    expect(chat?.data.from).toBe("alice");
    await bob.sync();
    expect(bob.inbox.filter(membership)).toEqual([]);
    // The grace is over for this membership: the alarm changes nothing.
    expect(await endGrace(roomId)).toBe(0);
    await runDurableObjectAlarm(roomStub(roomId));
    await bob.sync();
    expect(bob.inbox.filter(membership)).toEqual([]);
    await closeAll([fresh, bob]);
  });

  it("not resumed: after the grace the member leaves, once, and its name is free", async () => {
    const roomId = uniqueRoom("grace");
    const { client: alice } = await TestClient.join(roomId, "alice");
    const { client: bob } = await TestClient.join(roomId, "bob");
    await drop(alice, roomId, 1);
    // Still in the room for everyone: the name is taken, newcomers see it.
    const carol = await TestClient.connect(roomId);
    carol.send({ type: "join-room", data: { roomId, username: "alice" } });
    await carol.waitFor(isError("username-taken"));
    const carolJoined = await carol.joinAs("carol");
    expect(carolJoined.data.users).toEqual(["alice", "bob", "carol"]);
    // Before the deadline the alarm leaves it alone.
    await runDurableObjectAlarm(roomStub(roomId));
    await bob.sync();
    expect(bob.count(left("alice"))).toBe(0);

    expect(await endGrace(roomId)).toBe(1);
    await runDurableObjectAlarm(roomStub(roomId));
    await bob.waitFor(left("alice"));
    await carol.waitFor(left("alice"));
    await runDurableObjectAlarm(roomStub(roomId));
    await bob.sync();
    expect(bob.count(left("alice"))).toBe(1);
    const again = await TestClient.connect(roomId);
    const rejoined = await again.joinAs("alice");
    expect(rejoined.data.resumed).toBeUndefined();
    await bob.waitFor(isType("user-joined"));
    await closeAll([bob, carol, again]);
  });

  it("a clean close leaves at once (no grace)", async () => {
    const roomId = uniqueRoom("grace");
    const { client: alice } = await TestClient.join(roomId, "alice");
    const { client: bob } = await TestClient.join(roomId, "bob");
    await alice.close(1000);
    await bob.waitFor(left("alice"));
    await closeAll([bob]);
  });

  it("the kept membership survives eviction of the room", async () => {
    const roomId = uniqueRoom("grace");
    const { client: stale, joined: first } = await TestClient.join(roomId, "alice");
    const { client: bob } = await TestClient.join(roomId, "bob");
    await drop(stale, roomId, 1);
    await evict(roomId);
    const { fresh, joined } = await resume(roomId, "alice", first.data.resume);
    expect(joined.data.resumed).toBe(true);
    expect(joined.data.users).toEqual(["alice", "bob"]);
    await bob.sync();
    expect(bob.inbox.filter(membership)).toEqual([]);
    await closeAll([fresh, bob]);
  });

  it("a resume while the edge still holds the old socket: it is closed as replaced, nobody sees anything", async () => {
    const roomId = uniqueRoom("grace");
    const { client: stale, joined: first } = await TestClient.join(roomId, "alice");
    const { client: bob } = await TestClient.join(roomId, "bob");
    const { fresh, joined } = await resume(roomId, "alice", first.data.resume);
    expect(joined.data.resumed).toBe(true);
    expect(await stale.closedByServer()).toBe(CLOSE_REPLACED);
    await untilSockets(roomId, 2);
    await bob.sync();
    expect(bob.inbox.filter(membership)).toEqual([]);
    // The replaced socket's close changed nothing: alice is still here, on the new socket.
    fresh.chat("still here");
    const [chat] = await bob.waitFor(isType("chat-message"));
    expect(chat?.data.from).toBe("alice");
    await closeAll([fresh, bob]);
  });
});

describe("restart-ice is validated like every SFU message", () => {
  it("before joining: not-joined; malformed: invalid-message; in a peer-to-peer room: media-unavailable", async () => {
    const roomId = uniqueRoom("restart");
    const early = await TestClient.connect(roomId);
    early.send({ type: "restart-ice", data: { transportId: "t1" }, requestId: "r0" });
    await early.waitFor(isError("not-joined"));
    const { client: alice } = await TestClient.join(roomId, "alice");
    alice.send({ type: "restart-ice", data: {}, requestId: "r1" });
    await alice.waitFor(isError("invalid-message"));
    alice.send({ type: "restart-ice", data: { transportId: "x".repeat(10_000) }, requestId: "r2" });
    await alice.waitFor((m) => m.type === "error" && m.requestId === "r2");
    alice.send({ type: "restart-ice", data: { transportId: "t1" }, requestId: "r3" });
    await alice.waitFor(isError("media-unavailable"));
    await closeAll([early, alice]);
  });
});
