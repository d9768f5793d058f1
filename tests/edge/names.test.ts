import { describe, expect, it } from "vitest";
import { closeAll, isError, isType, TestClient, uniqueRoom } from "./client.ts";

/** Joins `first`, then tries `second` on a new socket in the same room; returns the second's reply. */
async function secondJoin(first: string, second: string) {
  const roomId = uniqueRoom("names");
  const { client: holder } = await TestClient.join(roomId, first);
  const other = await TestClient.connect(roomId);
  other.send({ type: "join-room", data: { roomId, username: second } });
  await other.waitFor((m) => m.type === "joined" || m.type === "error");
  const reply = other.inbox.find((m) => m.type === "joined" || m.type === "error");
  await closeAll([holder, other]);
  return reply;
}

describe("look-alike usernames are one name in a room, shown as typed", () => {
  it.each([
    ["Alice", "alice", "case"],
    ["ALICE", "alice", "case"],
    ["Jos\u00e9", "Jose\u0301", "Unicode normal form (precomposed vs combining accent)"],
    ["alice", "\uff41lice", "full-width compatibility letter"],
    ["alice", "\u0430lice", "Cyrillic a (mixed-script look-alike)"],
    ["paypal", "p\u0430yp\u0430l", "Cyrillic a twice"],
    ["bob", "b0b", "digit zero for o"],
    ["Stra\u00dfe", "STRASSE", "sharp s and its capital form"],
    ["kim", "kirn", "rn for m"],
  ])("%j and %j collide (%s): username-taken", async (first, second) => {
    const reply = await secondJoin(first, second);
    expect(reply).toMatchObject({ type: "error", data: { code: "username-taken" } });
    expect(reply?.type === "error" && reply.data.message).toContain(first);
  });

  it.each([
    ["alice", "alicia"],
    ["Anna", "\u0410\u043d\u0438"],
    ["li", "l\u012b"],
  ])("%j and %j are different names", async (first, second) => {
    const reply = await secondJoin(first, second);
    expect(reply?.type).toBe("joined");
  });

  it.each([
    ["zero-width joiner", "ali\u200dce"],
    ["zero-width space", "ali\u200bce"],
    ["right-to-left override", "\u202eecila"],
    ["left-to-right mark", "alice\u200e"],
    ["bidi isolate", "\u2066alice\u2069"],
    ["soft hyphen", "ali\u00adce"],
    ["control character", "ali\u0007ce"],
    ["no-break space", "ali\u00a0ce"],
    ["two spaces", "Dr.  Who"],
  ])("refuses a %s with invalid-message", async (_what, username) => {
    const roomId = uniqueRoom("names");
    const client = await TestClient.connect(roomId);
    client.send({ type: "join-room", data: { roomId, username } });
    await client.waitFor(isError("invalid-message"));
    expect(client.count(isType("joined"))).toBe(0);
    await client.close();
  });

  it("shows every name as typed, and finds a relay target by any spelling of it", async () => {
    const roomId = uniqueRoom("names");
    const { client: jose } = await TestClient.join(roomId, "Jos\u00e9 Mar\u00eda");
    const { client: ann, joined } = await TestClient.join(roomId, "\u0905\u0928\u0941");
    expect(joined.data.users).toEqual(["Jos\u00e9 Mar\u00eda", "\u0905\u0928\u0941"]);
    ann.send({
      type: "webrtc-offer",
      data: { target: "jos\u00e9 mar\u00eda", payload: { type: "offer", sdp: "v=0" } },
    });
    const [offer] = await jose.waitFor(isType("webrtc-offer"));
    expect(offer?.data).toMatchObject({ from: "\u0905\u0928\u0941", target: "Jos\u00e9 Mar\u00eda" });
    await closeAll([jose, ann]);
  });
});

describe("room ids ignore case", () => {
  it("Team-Sync and team-sync are one room, named in lower case", async () => {
    const suffix = crypto.randomUUID().slice(0, 8);
    const { client: upper, joined } = await TestClient.join(`Team-Sync-${suffix}`, "alice");
    expect(joined.data.roomId).toBe(`team-sync-${suffix}`);
    const { client: lower, joined: second } = await TestClient.join(`team-SYNC-${suffix}`, "bob");
    expect(second.data.users).toEqual(["alice", "bob"]);
    await upper.waitFor((m) => m.type === "user-joined" && m.data.user === "bob");
    await closeAll([upper, lower]);
  });

  it("join-room may name the room in any case; another room is still room-mismatch", async () => {
    const roomId = uniqueRoom("case");
    const client = await TestClient.connect(roomId);
    client.send({ type: "join-room", data: { roomId: `${roomId}-other`, username: "alice" } });
    await client.waitFor(isError("room-mismatch"));
    client.send({ type: "join-room", data: { roomId: roomId.toUpperCase(), username: "alice" } });
    const [joined] = await client.waitFor(isType("joined"));
    expect(joined?.data.roomId).toBe(roomId);
    await client.close();
  });
});
