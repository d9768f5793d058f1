import { env } from "cloudflare:workers";
import { TOKEN_MAX_LENGTH } from "@huddle/protocol";
import { describe, expect, it } from "vitest";
import { closeAll, isError, isType, TestClient, uniqueRoom } from "../client.ts";
import { LIVEKIT_IDENTITY, LIVEKIT_ROOM, TEST_API_KEYS } from "./keys.ts";
import { mint, nowSeconds, signEdDsa, signRaw, unsigned } from "./tokens.ts";

/** Sends join-room with `token` and returns the error it got; nobody else in the room saw anything. */
async function refused(roomId: string, username: string, token: string | undefined, code = "unauthorized") {
  const client = await TestClient.connect(roomId);
  client.send({
    type: "join-room",
    data: { roomId, username, ...(token === undefined ? {} : { token }) },
    requestId: "j",
  });
  const [error] = await client.waitFor(isError(code));
  expect(error?.requestId).toBe("j");
  return { client, message: error?.data.message ?? "", reason: error?.data.reason };
}

describe("join tokens (API_KEYS set)", () => {
  it("a valid token joins; others see its display name; the grants come back in joined.you", async () => {
    const roomId = uniqueRoom("token-ok");
    const alice = await TestClient.join(roomId, "alice", await mint({ room: roomId, user: "alice", name: "Alice A." }));
    expect(alice.joined.data.you).toEqual({
      user: "alice",
      name: "Alice A.",
      permissions: {
        canPublish: true,
        canSubscribe: true,
        canPublishData: true,
        roomAdmin: false,
        hidden: false,
        roomRecord: false,
      },
    });
    const bob = await TestClient.join(
      roomId,
      "bob",
      await mint({ room: roomId, user: "bob", metadata: '{"team":"b"}' }),
    );
    const [announce] = await alice.client.waitFor(isType("user-joined"));
    expect(announce?.data).toMatchObject({ user: "bob", metadata: '{"team":"b"}' });
    expect(bob.joined.data.participants?.map((p) => [p.user, p.name])).toEqual([
      ["alice", "Alice A."],
      ["bob", undefined],
    ]);
    await closeAll([alice.client, bob.client]);
  });

  it("a token minted by livekit-server-sdk's AccessToken is accepted", async () => {
    const { client, joined } = await TestClient.join(LIVEKIT_ROOM, LIVEKIT_IDENTITY, env.HUDDLE_TEST_LIVEKIT_TOKEN);
    expect(joined.data.you).toMatchObject({ user: LIVEKIT_IDENTITY, name: "Minted by LiveKit" });
    expect(joined.data.you?.permissions).toMatchObject({ canPublish: true, canSubscribe: true, roomAdmin: false });
    await closeAll([client]);
  });

  it("a token signed EdDSA by a backend whose public key is in JWKS is accepted", async () => {
    const roomId = uniqueRoom("jwks");
    const token = await signEdDsa({
      iss: "backend",
      sub: "erin",
      exp: nowSeconds() + 600,
      video: { roomJoin: true, room: roomId },
    });
    const { client, joined } = await TestClient.join(roomId, "erin", token);
    expect(joined.data.users).toEqual(["erin"]);
    await closeAll([client]);
  });

  it("each bad token is unauthorized, says why, and changes nothing", async () => {
    const roomId = uniqueRoom("token-bad");
    const { client: alice } = await TestClient.join(roomId, "alice", await mint({ room: roomId, user: "alice" }));
    const now = nowSeconds();
    const claims = (extra: Record<string, unknown> = {}) => ({
      iss: TEST_API_KEYS.main.key,
      sub: "mallory",
      exp: now + 600,
      video: { roomJoin: true, room: roomId },
      ...extra,
    });
    const cases: [string, string | undefined, RegExp, string][] = [
      ["no token", undefined, /needs a join token/, "no-token"],
      ["garbage", "not-a-jwt", /not a JWT/, "malformed"],
      ["three dots of garbage", "a.b.c", /not a JWT/, "malformed"],
      ["wrong secret", await signRaw(claims(), "x".repeat(40)), /signature/, "bad-signature"],
      ["another key's secret", await signRaw(claims(), TEST_API_KEYS.other.secret), /signature/, "bad-signature"],
      ["unknown iss", await signRaw(claims({ iss: "nobody" }), "x".repeat(40)), /unknown API key/, "unknown-key"],
      ["alg none", unsigned(claims()), /algorithm|not a valid JWT/, "algorithm"],
      ["HS512", await signRaw(claims(), TEST_API_KEYS.main.secret, { alg: "HS512" }), /algorithm/, "algorithm"],
      [
        "another room",
        await mint({ room: "some-other-room", user: "mallory" }),
        /room 'some-other-room'/,
        "wrong-room",
      ],
      ["expired", await signRaw(claims({ exp: now - 60 })), /expired/, "expired"],
      ["not yet valid", await signRaw(claims({ nbf: now + 120 })), /not valid yet/, "not-yet-valid"],
      ["no exp", await signRaw({ ...claims(), exp: undefined }), /exp/, "claims"],
      [
        "roomJoin false",
        await mint({ room: roomId, user: "mallory", grant: { roomJoin: false } }),
        /roomJoin/,
        "no-join",
      ],
      ["sub is someone else", await mint({ room: roomId, user: "alice" }), /identity/, "wrong-identity"],
    ];
    const clients: TestClient[] = [];
    for (const [what, token, why, reason] of cases) {
      const refusal = await refused(roomId, "mallory", token);
      expect(refusal.message, what).toMatch(why);
      expect(refusal.reason, what).toBe(reason);
      clients.push(refusal.client);
    }
    // Nothing changed: alice saw nobody, and each refused socket is still unjoined (it may retry).
    await alice.sync();
    expect(alice.count(isType("user-joined"))).toBe(0);
    const retry = clients[0] as TestClient;
    const joined = await retry.joinAs("mallory", await mint({ room: roomId, user: "mallory" }));
    expect(joined.data.users).toEqual(["alice", "mallory"]);
    await closeAll([alice, ...clients]);
  });

  it("a few seconds of clock skew are allowed on exp and nbf", async () => {
    const roomId = uniqueRoom("skew");
    const now = nowSeconds();
    const base = { iss: TEST_API_KEYS.main.key, video: { roomJoin: true, room: roomId } };
    const a = await TestClient.join(roomId, "a", await signRaw({ ...base, sub: "a", exp: now - 3 }));
    const b = await TestClient.join(roomId, "b", await signRaw({ ...base, sub: "b", exp: now + 60, nbf: now + 3 }));
    expect(b.joined.data.users).toEqual(["a", "b"]);
    await closeAll([a.client, b.client]);
  });

  it("a token with 8 KiB of metadata is accepted; one over the limit is too-large", async () => {
    const roomId = uniqueRoom("big-token");
    const metadata = "m".repeat(4000);
    const token = await mint({ room: roomId, user: "big", metadata, name: "n".repeat(100) });
    expect(token.length).toBeGreaterThan(5000);
    const { client, joined } = await TestClient.join(roomId, "big", token);
    expect(joined.data.you?.metadata).toBe(metadata);
    const { client: huge } = await refused(roomId, "huge", "h".repeat(TOKEN_MAX_LENGTH + 1), "too-large");
    expect(TOKEN_MAX_LENGTH).toBeGreaterThanOrEqual(8 * 1024);
    await closeAll([client, huge]);
  });

  it("a resume onto the live membership works with a token that expired meanwhile; a fresh join does not", async () => {
    const roomId = uniqueRoom("expired-resume");
    const now = nowSeconds();
    // Expired 7 s ago: still valid within the 10 s skew allowance, refused a few seconds later.
    const token = await signRaw({
      iss: TEST_API_KEYS.main.key,
      sub: "alice",
      exp: now - 7,
      video: { roomJoin: true, room: roomId },
    });
    const first = await TestClient.join(roomId, "alice", token);
    const { client: bob } = await TestClient.join(roomId, "bob", await mint({ room: roomId, user: "bob" }));
    await scheduler.wait(4_000); // past exp + the skew allowance
    const again = await TestClient.connect(roomId);
    again.send({ type: "join-room", data: { roomId, username: "alice", token, resume: first.joined.data.resume } });
    const [joined] = await again.waitFor(isType("joined"));
    // A resume takes the membership over as it was: alice keeps her place in the join order.
    expect(joined?.data.users).toEqual(["alice", "bob"]);
    // Without the resume secret the same expired token is refused.
    const stranger = await TestClient.connect(roomId);
    stranger.send({ type: "join-room", data: { roomId, username: "alice", token } });
    const [error] = await stranger.waitFor(isError("unauthorized"));
    expect(error?.data.message).toMatch(/expired/);
    await closeAll([first.client, bob, again, stranger]);
  });
});
