import { exports } from "cloudflare:workers";
import { roomPreviewPath } from "@huddle/protocol";
import { describe, expect, it } from "vitest";
import { closeAll, TestClient, uniqueRoom } from "../client.ts";
import { mint, nowSeconds, signRaw, unsigned } from "./tokens.ts";

async function preview(roomId: string, body: unknown) {
  const response = await exports.default.fetch(`https://edge.test${roomPreviewPath(roomId)}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

// In a deployment with join tokens the preview needs a token that may join the room; every refusal
// is the same 401 whether or not the room exists, is in use, or is being recorded.
describe("POST /rooms/:roomId/preview (rooms with join tokens)", () => {
  it("answers a holder of a token for the room", async () => {
    const roomId = uniqueRoom("rec-token");
    const { client, joined } = await TestClient.join(roomId, "alice", await mint({ room: roomId, user: "alice" }));
    expect(joined.data.recording).toBeNull();
    const answer = await preview(roomId, { token: await mint({ room: roomId, user: "bob" }) });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ roomId, recording: null });
    await closeAll([client]);
  });

  it("refuses everyone else alike, revealing nothing", async () => {
    const roomId = uniqueRoom("rec-refuse");
    const { client } = await TestClient.join(roomId, "alice", await mint({ room: roomId, user: "alice" }));
    const claims = { sub: "bob", iss: "test-key", exp: nowSeconds() + 60, video: { roomJoin: true, room: roomId } };
    const refusals: [string, unknown][] = [
      ["no token", {}],
      ["a token for another room", { token: await mint({ room: "elsewhere", user: "bob" }) }],
      ["a token without roomJoin", { token: await mint({ room: roomId, user: "bob", grant: { roomJoin: false } }) }],
      ["an expired token", { token: await mint({ room: roomId, user: "bob", ttlSeconds: -120 }) }],
      ["a token signed with another secret", { token: await signRaw(claims, "not-the-secret-0123456789abcdef") }],
      ["an unsigned token", { token: unsigned(claims) }],
      ["a token that is not a JWT", { token: "hello" }],
    ];
    const bodies = new Set<string>();
    for (const [what, body] of refusals) {
      const answer = await preview(roomId, body);
      expect(answer.status, what).toBe(401);
      expect((answer.json.error as { code: string }).code, what).toBe("unauthorized");
      expect(JSON.stringify(answer.json), what).not.toContain('recording"');
      bodies.add(JSON.stringify(answer.json));
    }
    // The same answer for a room nobody is in.
    bodies.add(JSON.stringify((await preview(uniqueRoom("rec-nobody"), {})).json));
    expect(bodies.size).toBe(1);
    await closeAll([client]);
  });
});
