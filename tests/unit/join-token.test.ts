// Join tokens: ours verify with LiveKit's TokenVerifier, LiveKit's AccessToken verifies with ours,
// and every class of bad token is refused with its own reason.
import {
  createJoinToken,
  TOKEN_CLOCK_TOLERANCE_SECONDS,
  type TokenKeys,
  verifyJoinToken,
} from "@huddle/protocol/access";
import { base64url, SignJWT } from "jose";
import { AccessToken, TokenVerifier, TrackSource } from "livekit-server-sdk";
import { describe, expect, it } from "vitest";

const KEY = "APIjoin";
const SECRET = "join-token-secret-with-at-least-32-chars";
const keys: TokenKeys = { secrets: new Map([[KEY, SECRET]]) };
const expected = { roomId: "standup", username: "alice" };
const now = () => Math.floor(Date.now() / 1000);

/** A token signed by hand: any claims (undefined removes a default one), any algorithm, any secret. */
function signed(
  claims: Record<string, unknown>,
  options: { alg?: "HS256" | "HS512" | "HS384"; secret?: string; iss?: string } = {},
): Promise<string> {
  const payload = {
    iss: options.iss ?? KEY,
    sub: "alice",
    exp: now() + 600,
    video: { room: "standup", roomJoin: true },
    ...claims,
  };
  return new SignJWT(payload)
    .setProtectedHeader({ alg: options.alg ?? "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(options.secret ?? SECRET));
}

/** LiveKit's AccessToken for `identity` with `grant`. */
function livekitToken(grant: Parameters<AccessToken["addGrant"]>[0], identity = "alice", name?: string) {
  const token = new AccessToken(KEY, SECRET, { identity, ...(name === undefined ? {} : { name }) });
  token.addGrant(grant);
  return token.toJwt();
}

async function refusal(token: string, overrides: Partial<typeof expected> & { now?: number } = {}) {
  const result = await verifyJoinToken(token, keys, { ...expected, ...overrides });
  if (result.ok) throw new Error("the token was accepted");
  return result.reason;
}

describe("join tokens and LiveKit's SDK", () => {
  it("a token from LiveKit's AccessToken verifies with ours", async () => {
    const token = await livekitToken({ roomJoin: true, room: "standup" }, "alice", "Alice");
    const result = await verifyJoinToken(token, keys, expected);
    expect(result.ok && result.value).toMatchObject({
      identity: "alice",
      name: "Alice",
      permissions: { canPublish: true, canSubscribe: true, canPublishData: true, roomAdmin: false, hidden: false },
    });
    // LiveKit sets no jti: the token is named by its hash.
    expect(result.ok && result.value.tokenId).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("LiveKit's grant restrictions come through", async () => {
    const token = await livekitToken({
      roomJoin: true,
      room: "standup",
      canPublishData: false,
      canPublishSources: [TrackSource.MICROPHONE],
    });
    const result = await verifyJoinToken(token, keys, expected);
    expect(result.ok && result.value.permissions).toMatchObject({
      canPublishData: false,
      canPublishSources: ["microphone"],
    });
  });

  it("our createJoinToken verifies with LiveKit's TokenVerifier and ours", async () => {
    const token = await createJoinToken({ apiKey: KEY, apiSecret: SECRET, room: "standup", identity: "alice" });
    const claims = await new TokenVerifier(KEY, SECRET).verify(token);
    expect(claims).toMatchObject({ iss: KEY, sub: "alice", video: { room: "standup", roomJoin: true } });
    expect((await verifyJoinToken(token, keys, expected)).ok).toBe(true);
  });
});

describe("verifyJoinToken refuses", () => {
  it("garbage", async () => {
    for (const garbage of ["", "nope", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30", "\u0000"]) {
      expect(await refusal(garbage), JSON.stringify(garbage)).toBe("malformed");
    }
  });

  it("a bad signature", async () => {
    const token = await signed({}, { secret: "another-secret-which-is-also-long-enough" });
    expect(await refusal(token)).toBe("bad-signature");
    const [header, payload] = (await signed({})).split(".");
    expect(await refusal(`${header}.${payload}.${base64url.encode("forged")}`)).toBe("bad-signature");
  });

  it("an unknown iss", async () => {
    expect(await refusal(await signed({}, { iss: "APIsomeoneelse" }))).toBe("unknown-key");
  });

  it("alg none", async () => {
    const header = base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" }));
    const payload = base64url.encode(
      JSON.stringify({ iss: KEY, sub: "alice", exp: now() + 600, video: { room: "standup", roomJoin: true } }),
    );
    expect(await refusal(`${header}.${payload}.`)).toBe("algorithm");
  });

  it("HS512, HS384 and other algorithms than HS256", async () => {
    expect(await refusal(await signed({}, { alg: "HS512" }))).toBe("algorithm");
    expect(await refusal(await signed({}, { alg: "HS384" }))).toBe("algorithm");
  });

  it("another room", async () => {
    expect(await refusal(await signed({}), { roomId: "other" })).toBe("wrong-room");
    expect(await refusal(await signed({ video: { roomJoin: true } }))).toBe("wrong-room");
  });

  it("an expired token, beyond the clock skew allowed", async () => {
    const token = await signed({ exp: now() - TOKEN_CLOCK_TOLERANCE_SECONDS - 5 });
    expect(await refusal(token)).toBe("expired");
  });

  it("a token not valid yet (nbf in the future)", async () => {
    expect(await refusal(await signed({ nbf: now() + 120 }))).toBe("not-yet-valid");
  });

  it("but accepts exp and nbf within the clock skew", async () => {
    const skew = TOKEN_CLOCK_TOLERANCE_SECONDS - 3;
    expect((await verifyJoinToken(await signed({ exp: now() - skew }), keys, expected)).ok).toBe(true);
    expect((await verifyJoinToken(await signed({ nbf: now() + skew }), keys, expected)).ok).toBe(true);
  });

  it("roomJoin false or missing", async () => {
    expect(await refusal(await signed({ video: { room: "standup", roomJoin: false } }))).toBe("no-join");
    expect(await refusal(await signed({ video: { room: "standup" } }))).toBe("no-join");
  });

  it("a username that is not the token's sub", async () => {
    expect(await refusal(await signed({}), { username: "mallory" })).toBe("wrong-identity");
    expect(await refusal(await signed({ sub: undefined }))).toBe("wrong-identity");
  });

  it("a token without exp", async () => {
    expect(await refusal(await signed({ exp: undefined }))).toBe("claims");
  });
});
