import { exports } from "cloudflare:workers";
import { CLOSE_REMOVED, CLOSE_ROOM_ENDED, RoomDetails, RoomList, roomApiPaths } from "@huddle/protocol";
import { createToken, type VideoGrant } from "@huddle/protocol/access";
import { describe, expect, it } from "vitest";
import { closeAll, isType, TestClient, uniqueRoom } from "../client.ts";
import { TEST_API_KEYS } from "./keys.ts";
import { mint, nowSeconds, signRaw } from "./tokens.ts";

/** A short-lived API token, as a backend would mint it (LiveKit's server API style). */
const apiToken = (grant: VideoGrant, key = TEST_API_KEYS.main) =>
  createToken({ apiKey: key.key, apiSecret: key.secret, grant, ttlSeconds: 60 });

async function call(path: string, init: RequestInit & { token?: string | undefined; json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  if (init.token !== undefined) headers.set("Authorization", `Bearer ${init.token}`);
  if (init.json !== undefined) headers.set("Content-Type", "application/json");
  const body = init.json === undefined ? init.body : JSON.stringify(init.json);
  const response = await exports.default.fetch(`https://edge.test${path}`, { ...init, headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Polls until `check` holds (the directory hears of joins without the room waiting for it). */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await scheduler.wait(50);
  }
  throw new Error(`not within 5 s: ${what}`);
}

describe("room API", () => {
  it("refuses missing or wrong credentials with 401 and changes nothing", async () => {
    const roomId = uniqueRoom("api-auth");
    const { client: bob } = await TestClient.join(roomId, "bob", await mint({ room: roomId, user: "bob" }));
    const grant = { roomAdmin: true, room: roomId };
    const now = nowSeconds();
    const bad: [string, string | undefined][] = [
      ["no header", undefined],
      ["garbage", "garbage"],
      ["wrong secret", await signRaw({ iss: TEST_API_KEYS.main.key, exp: now + 60, video: grant }, "w".repeat(40))],
      ["unknown key", await signRaw({ iss: "nope", exp: now + 60, video: grant }, "w".repeat(40))],
      ["expired", await signRaw({ iss: TEST_API_KEYS.main.key, exp: now - 60, video: grant })],
    ];
    for (const [what, token] of bad) {
      const removed = await call(roomApiPaths.remove(roomId, "bob"), { method: "POST", token });
      expect(removed.status, what).toBe(401);
      expect(removed.body).toMatchObject({ error: { code: "unauthorized" } });
      expect((await call(roomApiPaths.rooms, { token })).status, what).toBe(401);
    }
    // A valid token without the grant for this room is 403.
    const other = await apiToken({ roomAdmin: true, room: "another-room" });
    expect((await call(roomApiPaths.remove(roomId, "bob"), { method: "POST", token: other })).status).toBe(403);
    expect((await call(roomApiPaths.rooms, { token: other })).status).toBe(403);
    await bob.sync();
    expect(bob.closed).toBe(false);
    await closeAll([bob]);
  });

  it("lists rooms with participant counts, and describes one room", async () => {
    const roomA = uniqueRoom("api-list-a");
    const roomB = uniqueRoom("api-list-b");
    const a1 = await TestClient.join(
      roomA,
      "a1",
      await mint({ room: roomA, user: "a1", name: "A One", metadata: "m" }),
    );
    const a2 = await TestClient.join(
      roomA,
      "a2",
      await mint({ room: roomA, user: "a2", grant: { canPublish: false } }),
    );
    const b1 = await TestClient.join(roomB, "b1", await mint({ room: roomB, user: "b1", grant: { hidden: true } }));
    const lister = await apiToken({ roomList: true });
    const counts = async () => {
      const { body } = await call(roomApiPaths.rooms, { token: lister });
      const list = RoomList.parse(body);
      return Object.fromEntries(list.rooms.map((r) => [r.room, r.participants]));
    };
    await eventually(async () => {
      const now = await counts();
      return now[roomA] === 2 && now[roomB] === 1;
    }, "both rooms listed");

    const { status, body } = await call(roomApiPaths.room(roomA), {
      token: await apiToken({ roomAdmin: true, room: roomA }),
    });
    expect(status).toBe(200);
    const details = RoomDetails.parse(body);
    expect(details.participants.map((p) => [p.user, p.name, p.metadata, p.permissions.canPublish, p.tracks])).toEqual([
      ["a1", "A One", "m", true, []],
      ["a2", undefined, undefined, false, []],
    ]);
    expect(details.settings).toEqual({ locked: false, lobby: false });
    // Hidden participants are listed to the backend.
    const hidden = await call(roomApiPaths.room(roomB), { token: await apiToken({ roomAdmin: true, room: roomB }) });
    expect(RoomDetails.parse(hidden.body).participants.map((p) => [p.user, p.permissions.hidden])).toEqual([
      ["b1", true],
    ]);
    // A room nobody is in is 404.
    const empty = uniqueRoom("api-empty");
    expect(
      (await call(roomApiPaths.room(empty), { token: await apiToken({ roomAdmin: true, room: empty }) })).status,
    ).toBe(404);

    await closeAll([a1.client, a2.client, b1.client]);
    await eventually(async () => {
      const now = await counts();
      return now[roomA] === undefined && now[roomB] === undefined;
    }, "empty rooms forgotten");
  });

  it("mutes, updates, removes and ends, like a moderator in the room", async () => {
    const roomId = uniqueRoom("api-moderate");
    const token = await apiToken({ roomAdmin: true, room: roomId });
    const { client: alice } = await TestClient.join(roomId, "alice", await mint({ room: roomId, user: "alice" }));
    const { client: bob } = await TestClient.join(roomId, "bob", await mint({ room: roomId, user: "bob" }));
    await eventually(async () => (await call(roomApiPaths.room(roomId), { token })).status === 200, "room listed");

    const muted = await call(roomApiPaths.mute(roomId, "bob"), {
      method: "POST",
      token,
      json: { source: "microphone" },
    });
    expect(muted).toEqual({ status: 200, body: { ok: true } });
    const [mute] = await alice.waitFor(isType("participant-muted"));
    expect(mute?.data).toEqual({ user: "bob", source: "microphone" }); // no `by`: the room API did it

    const update = await call(roomApiPaths.participant(roomId, "bob"), {
      method: "PATCH",
      token,
      json: { permissions: { canPublishData: false }, metadata: "demoted" },
    });
    expect(update.status).toBe(200);
    const [updated] = await bob.waitFor(isType("participant-updated"));
    expect(updated?.data).toMatchObject({ user: "bob", metadata: "demoted", permissions: { canPublishData: false } });

    const badBody = await call(roomApiPaths.mute(roomId, "bob"), { method: "POST", token, json: { source: "nose" } });
    expect(badBody.status).toBe(400);
    expect((await call(roomApiPaths.remove(roomId, "nobody"), { method: "POST", token })).status).toBe(404);
    const locked = await call(roomApiPaths.room(roomId), { method: "PATCH", token, json: { locked: true } });
    expect(locked.status).toBe(200);
    await alice.waitFor(isType("room-updated"));

    expect((await call(roomApiPaths.remove(roomId, "bob"), { method: "POST", token, json: {} })).status).toBe(200);
    expect(await bob.closedByServer()).toBe(CLOSE_REMOVED);
    await alice.waitFor(isType("user-left"));

    // Ending needs roomAdmin for the room or roomCreate.
    const creator = await apiToken({ roomCreate: true });
    expect((await call(roomApiPaths.room(roomId), { method: "DELETE", token: creator })).status).toBe(200);
    expect(await alice.closedByServer()).toBe(CLOSE_ROOM_ENDED);
    await eventually(async () => (await call(roomApiPaths.room(roomId), { token })).status === 404, "ended room gone");
  });
});
