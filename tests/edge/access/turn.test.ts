import { describe, expect, it } from "vitest";
import { closeAll, TestClient, uniqueRoom } from "../client.ts";
import { TEST_TURN } from "./keys.ts";
import { mint, nowSeconds } from "./tokens.ts";

/** base64(HMAC-SHA1(secret, username)): what coturn computes for `use-auth-secret`. */
async function coturnPassword(secret: string, username: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-1" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(username)));
  return btoa(String.fromCharCode(...mac));
}

describe("TURN credentials (TURN_SECRET, TURN_URLS)", () => {
  it("joined carries TURN servers with a credential coturn accepts, expiring after TURN_TTL_SECONDS", async () => {
    const roomId = uniqueRoom("turn");
    const before = nowSeconds();
    const { client, joined } = await TestClient.join(roomId, "alice", await mint({ room: roomId, user: "alice" }));
    const [server] = joined.data.iceServers ?? [];
    expect(server?.urls).toEqual(TEST_TURN.urls.split(","));
    const [expiry, user] = (server?.username ?? "").split(":");
    expect(user).toBe("alice");
    const ttl = Number(TEST_TURN.ttlSeconds);
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + ttl);
    expect(Number(expiry)).toBeLessThanOrEqual(nowSeconds() + ttl);
    expect(server?.credential).toBe(await coturnPassword(TEST_TURN.secret, server?.username ?? ""));
    await closeAll([client]);
  });
});
