import { CLOSE_DENIED, CLOSE_REMOVED, CLOSE_ROOM_ENDED, type ClientMessage } from "@huddle/protocol";
import { describe, expect, it } from "vitest";
import { closeAll, isError, isType, TestClient, uniqueRoom } from "../client.ts";
import { admin, mint } from "./tokens.ts";

/** Sends `message` with a requestId; resolves with the reply that carries it. */
async function ask(client: TestClient, message: ClientMessage | Record<string, unknown>) {
  const requestId = `r-${crypto.randomUUID()}`;
  client.send({ ...message, requestId });
  const [reply] = await client.waitFor((m) => m.requestId === requestId);
  if (reply === undefined) throw new Error("unreachable");
  return reply;
}

const joinMessage = (roomId: string, username: string, token: string) => ({
  type: "join-room",
  data: { roomId, username, token },
});

describe("moderation (roomAdmin)", () => {
  it("remove: the socket closes with 4010, the others see user-left, the same token cannot rejoin", async () => {
    const roomId = uniqueRoom("remove");
    const { client: mod } = await TestClient.join(roomId, "mod", await admin(roomId, "mod"));
    const bobToken = await mint({ room: roomId, user: "bob" });
    const { client: bob } = await TestClient.join(roomId, "bob", bobToken);
    const { client: carol } = await TestClient.join(roomId, "carol", await mint({ room: roomId, user: "carol" }));
    const reply = await ask(mod, { type: "remove-participant", data: { user: "bob", reason: "spam" } });
    expect(reply).toMatchObject({ type: "participant-removed", data: { user: "bob", by: "mod", reason: "spam" } });
    expect(await bob.closedByServer()).toBe(CLOSE_REMOVED);
    expect(bob.received(isType("participant-removed"))[0]?.data).toMatchObject({ user: "bob", by: "mod" });
    await carol.waitFor(isType("user-left"));
    // The same token (it has no jti: its hash is remembered) is refused until it expires.
    const again = await TestClient.connect(roomId);
    again.send(joinMessage(roomId, "bob", bobToken));
    const [error] = await again.waitFor(isError("removed"));
    expect(error?.data.message).toMatch(/removed/);
    // A removed token with a jti is remembered by it: another token with the same jti is refused too.
    const jti = crypto.randomUUID();
    const { client: dave } = await TestClient.join(roomId, "dave", await mint({ room: roomId, user: "dave", jti }));
    await ask(mod, { type: "remove-participant", data: { user: "dave" } });
    expect(await dave.closedByServer()).toBe(CLOSE_REMOVED);
    again.send(joinMessage(roomId, "dave", await mint({ room: roomId, user: "dave", jti, metadata: "other" })));
    await again.waitFor(isError("removed"));
    // A fresh token from the backend is its decision: it joins.
    const fresh = await again.joinAs("bob", await mint({ room: roomId, user: "bob", jti: "new" }));
    expect(fresh.data.users).toEqual(["mod", "carol", "bob"]);
    await closeAll([mod, carol, again]);
  });

  it("mute: everyone (the target included) gets participant-muted; the target may unmute as its grants allow", async () => {
    const roomId = uniqueRoom("mute");
    const { client: mod } = await TestClient.join(roomId, "mod", await admin(roomId, "mod"));
    const { client: bob } = await TestClient.join(roomId, "bob", await mint({ room: roomId, user: "bob" }));
    const { client: carol } = await TestClient.join(roomId, "carol", await mint({ room: roomId, user: "carol" }));
    const reply = await ask(mod, { type: "mute-participant", data: { user: "bob", source: "microphone" } });
    expect(reply).toMatchObject({ type: "participant-muted", data: { user: "bob", source: "microphone", by: "mod" } });
    for (const client of [bob, carol]) {
      const [muted] = await client.waitFor(isType("participant-muted"));
      expect(muted?.data).toEqual({ user: "bob", source: "microphone", by: "mod" });
    }
    expect(
      (await ask(mod, { type: "mute-participant", data: { user: "nobody", source: "camera" } })).data,
    ).toMatchObject({
      code: "unknown-target",
    });
    await closeAll([mod, bob, carol]);
  });

  it("lock: only moderators may join while it is on", async () => {
    const roomId = uniqueRoom("lock");
    const { client: mod } = await TestClient.join(roomId, "mod", await admin(roomId, "mod"));
    const { client: bob } = await TestClient.join(roomId, "bob", await mint({ room: roomId, user: "bob" }));
    expect(await ask(mod, { type: "update-room", data: { locked: true } })).toMatchObject({
      type: "room-updated",
      data: { locked: true, lobby: false, by: "mod" },
    });
    await bob.waitFor(isType("room-updated"));
    const late = await TestClient.connect(roomId);
    const refused = await ask(late, joinMessage(roomId, "late", await mint({ room: roomId, user: "late" })));
    expect(refused).toMatchObject({ type: "error", data: { code: "room-locked" } });
    const { client: mod2 } = await TestClient.join(roomId, "mod2", await admin(roomId, "mod2"));
    await ask(mod, { type: "update-room", data: { locked: false } });
    const joined = await late.joinAs("late", await mint({ room: roomId, user: "late" }));
    expect(joined.data.users).toEqual(["mod", "bob", "mod2", "late"]);
    await closeAll([mod, bob, mod2, late]);
  });

  it("lobby: a joiner waits, moderators see the request with the name, admit lets it in, deny closes it", async () => {
    const roomId = uniqueRoom("lobby");
    const { client: mod } = await TestClient.join(roomId, "mod", await admin(roomId, "mod"));
    await ask(mod, { type: "update-room", data: { lobby: true } });
    const carol = await TestClient.connect(roomId);
    const waiting = await ask(
      carol,
      joinMessage(roomId, "carol", await mint({ room: roomId, user: "carol", name: "Carol C." })),
    );
    expect(waiting).toMatchObject({ type: "lobby-waiting", data: { roomId } });
    const [request] = await mod.waitFor(isType("lobby-updated"));
    expect(request?.data.waiting).toEqual([{ user: "carol", name: "Carol C.", since: expect.any(String) }]);
    // The name is reserved while it waits; and a moderator who joins now sees the lobby in joined.
    const twin = await TestClient.connect(roomId);
    expect(
      (await ask(twin, joinMessage(roomId, "Carol", await mint({ room: roomId, user: "Carol" })))).data,
    ).toMatchObject({
      code: "username-taken",
    });
    const { client: mod2, joined: mod2Joined } = await TestClient.join(roomId, "mod2", await admin(roomId, "mod2"));
    expect(mod2Joined.data.lobby?.map((entry) => entry.user)).toEqual(["carol"]);
    // Waiting is not joining: carol can do nothing else, and nobody saw her.
    carol.chat("let me in", "c-1");
    await carol.waitFor(isError("not-joined"));
    const dave = await TestClient.connect(roomId);
    await ask(dave, joinMessage(roomId, "dave", await mint({ room: roomId, user: "dave" })));
    await mod.waitFor(isType("lobby-updated"), 2);

    const admitted = await ask(mod, { type: "admit-participant", data: { user: "carol" } });
    expect(admitted).toMatchObject({ type: "lobby-updated", data: { waiting: [{ user: "dave" }] } });
    const [carolJoined] = await carol.waitFor(isType("joined"));
    expect(carolJoined?.requestId).toBeDefined(); // the reply to her own join-room
    expect(carolJoined?.data.users).toEqual(["mod", "mod2", "carol"]);
    await mod2.waitFor((m) => m.type === "user-joined" && m.data.user === "carol");

    await ask(mod, { type: "deny-participant", data: { user: "dave" } });
    const [denied] = await dave.waitFor(isError("join-denied"));
    expect(denied?.requestId).toBeDefined();
    expect(await dave.closedByServer()).toBe(CLOSE_DENIED);
    expect((await ask(mod, { type: "admit-participant", data: { user: "dave" } })).data).toMatchObject({
      code: "unknown-target",
    });
    await closeAll([mod, mod2, carol, twin]);
  });

  it("lobby: a waiter may cancel, moderators skip it, and turning it off lets everyone waiting in", async () => {
    const roomId = uniqueRoom("lobby-off");
    const { client: mod } = await TestClient.join(roomId, "mod", await admin(roomId, "mod"));
    await ask(mod, { type: "update-room", data: { lobby: true } });
    const erin = await TestClient.connect(roomId);
    await ask(erin, joinMessage(roomId, "erin", await mint({ room: roomId, user: "erin" })));
    const frank = await TestClient.connect(roomId);
    await ask(frank, joinMessage(roomId, "frank", await mint({ room: roomId, user: "frank" })));
    await mod.waitFor(isType("lobby-updated"), 2);
    frank.send({ type: "leave-room", data: { roomId, username: "frank" } });
    const [, , cancelled] = await mod.waitFor(isType("lobby-updated"), 3);
    expect(cancelled?.data.waiting.map((w) => w.user)).toEqual(["erin"]);
    // A moderator is never held in the lobby.
    const { client: mod2 } = await TestClient.join(roomId, "mod2", await admin(roomId, "mod2"));
    await ask(mod, { type: "update-room", data: { lobby: false } });
    const [joined] = await erin.waitFor(isType("joined"));
    expect(joined?.data.users).toEqual(["mod", "mod2", "erin"]);
    await closeAll([mod, mod2, erin, frank]);
  });

  it("end-room: everyone gets room-ended and is closed with 4011; the next join starts afresh", async () => {
    const roomId = uniqueRoom("end");
    const { client: mod } = await TestClient.join(roomId, "mod", await admin(roomId, "mod"));
    await ask(mod, { type: "update-room", data: { lobby: true } });
    const { client: bob } = await TestClient.join(roomId, "bob2", await admin(roomId, "bob2"));
    const waiter = await TestClient.connect(roomId);
    await ask(waiter, joinMessage(roomId, "carol", await mint({ room: roomId, user: "carol" })));
    await ask(mod, { type: "update-room", data: { locked: true } });
    const ended = await ask(mod, { type: "end-room", data: {} });
    expect(ended).toMatchObject({ type: "room-ended", data: { by: "mod" } });
    for (const client of [mod, bob, waiter]) expect(await client.closedByServer()).toBe(CLOSE_ROOM_ENDED);
    expect(bob.received(isType("room-ended"))).toHaveLength(1);
    // Settings reset: a participant joins straight in.
    const { client: next, joined } = await TestClient.join(roomId, "next", await mint({ room: roomId, user: "next" }));
    expect(joined.data.users).toEqual(["next"]);
    expect(joined.data.room).toEqual({ locked: false, lobby: false });
    await closeAll([next]);
  });
});
