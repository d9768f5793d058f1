import { exports } from "cloudflare:workers";
import { createToken } from "@huddle/protocol/access";
import { describe, expect, it } from "vitest";
import { closeAll, isType, TestClient, uniqueRoom } from "../client.ts";
import { TEST_API_KEYS } from "./keys.ts";
import { mint } from "./tokens.ts";

/** Sends `message` and returns the error code (or the type) of the reply that carries its requestId. */
async function answer(client: TestClient, message: Record<string, unknown>): Promise<{ code: string; text: string }> {
  const requestId = `r-${crypto.randomUUID()}`;
  client.send({ ...message, requestId });
  const [reply] = await client.waitFor((m) => m.requestId === requestId);
  return reply?.type === "error"
    ? { code: reply.data.code, text: reply.data.message }
    : { code: reply?.type ?? "none", text: "" };
}

const start = { type: "start-recording", data: {} };
const stop = { type: "stop-recording", data: {} };

// The access runtime has no media node: a recording request that passes the grant check is
// refused media-unavailable (a peer-to-peer room has nothing to record on), one that does not is
// unauthorized (grants come first). Neither reaches anyone else.
describe("start-recording and stop-recording", () => {
  it("need roomAdmin or roomRecord", async () => {
    const roomId = uniqueRoom("rec-grants");
    const { client: plain } = await TestClient.join(roomId, "plain", await mint({ room: roomId, user: "plain" }));
    const { client: recorder } = await TestClient.join(
      roomId,
      "recorder",
      await mint({ room: roomId, user: "recorder", grant: { roomRecord: true } }),
    );
    const { client: admin } = await TestClient.join(
      roomId,
      "admin",
      await mint({ room: roomId, user: "admin", grant: { roomAdmin: true } }),
    );
    for (const request of [start, stop]) {
      const refused = await answer(plain, request);
      expect(refused.code, request.type).toBe("unauthorized");
      expect(refused.text).toMatch(/roomRecord/);
      for (const allowed of [recorder, admin]) {
        const reply = await answer(allowed, request);
        expect(reply.code, request.type).toBe("media-unavailable");
        expect(reply.text).toMatch(/peer-to-peer/);
      }
    }
    await plain.sync();
    expect(plain.count(isType("recording-started"))).toBe(0);
    expect(plain.count(isType("recording-stopped"))).toBe(0);
    await closeAll([plain, recorder, admin]);
  });

  it("refuse a body that is not empty-shaped without changing anything", async () => {
    const roomId = uniqueRoom("rec-invalid");
    const { client } = await TestClient.join(
      roomId,
      "admin",
      await mint({ room: roomId, user: "admin", grant: { roomAdmin: true } }),
    );
    expect((await answer(client, { type: "start-recording", data: "now" })).code).toBe("invalid-message");
    expect((await answer(client, { type: "start-recording" })).code).toBe("invalid-message");
    await closeAll([client]);
  });
});

describe("the room API's recording routes", () => {
  const call = async (path: string, token: string, method = "POST") => {
    const response = await exports.default.fetch(`https://edge.test${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}` },
    });
    return { status: response.status, body: (await response.json()) as { error?: { code: string; message: string } } };
  };

  it("need roomAdmin for the room, and answer media-disabled in a peer-to-peer room", async () => {
    const roomId = uniqueRoom("rec-api");
    const { client } = await TestClient.join(roomId, "alice", await mint({ room: roomId, user: "alice" }));
    const key = TEST_API_KEYS.main;
    const admin = await createToken({
      apiKey: key.key,
      apiSecret: key.secret,
      grant: { roomAdmin: true, room: roomId },
      ttlSeconds: 60,
    });
    const other = await createToken({
      apiKey: key.key,
      apiSecret: key.secret,
      grant: { roomAdmin: true, room: "elsewhere" },
      ttlSeconds: 60,
    });
    // The directory hears of the join without the room waiting for it.
    let started = await call(`/v1/rooms/${roomId}/recording/start`, admin);
    for (let i = 0; i < 100 && started.status === 404; i++) {
      await scheduler.wait(50);
      started = await call(`/v1/rooms/${roomId}/recording/start`, admin);
    }
    expect(started.status).toBe(409);
    expect(started.body.error?.code).toBe("media-disabled");
    expect((await call(`/v1/rooms/${roomId}/recording/stop`, admin)).body.error?.code).toBe("media-disabled");
    expect((await call(`/v1/rooms/${roomId}/recordings`, admin, "GET")).status).toBe(409);
    expect((await call(`/v1/rooms/${roomId}/recording/pause`, admin)).status).toBe(404);
    expect((await call(`/v1/rooms/${roomId}/recording/start`, other)).status).toBe(403);
    await client.sync();
    expect(client.count(isType("recording-started"))).toBe(0);
    await closeAll([client]);
  });
});
