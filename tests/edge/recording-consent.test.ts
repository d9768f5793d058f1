import { runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { RoomPreview, roomPreviewPath } from "@huddle/protocol";
import { describe, expect, it } from "vitest";
import { RecordingState } from "../../edge/src/room/recording-state.ts";
import { closeAll, roomStub, TestClient, uniqueRoom } from "./client.ts";

const ALLOWED_ORIGIN = "https://huddle.test";
const RECORDING = { recordingId: "20261202T030000Z-0123abcd", startedAt: "2026-12-02T03:00:00.000Z" };

/** POSTs `body` (a string is sent as it is) to the room preview route. */
async function preview(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await exports.default.fetch(`https://edge.test${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  return { status: response.status, json, headers: response.headers };
}

const errorCode = (json: Record<string, unknown>) => (json.error as { code?: string } | undefined)?.code;

/** Writes a copy of a running recording into the room's storage, made under placement `epoch`. */
async function seedCopy(roomId: string, epoch: string): Promise<void> {
  await runInDurableObject(roomStub(roomId), (_instance, state) => {
    new RecordingState(state.storage.sql).started(RECORDING, epoch);
  });
}

async function copyRows(roomId: string): Promise<number> {
  return runInDurableObject(roomStub(roomId), (_instance, state) => {
    new RecordingState(state.storage.sql); // the table exists even in a room that never recorded
    return state.storage.sql.exec("SELECT COUNT(*) AS n FROM recording_state").one().n as number;
  });
}

describe("the room's copy of its recording (RecordingState, in workerd's SQLite)", () => {
  it("is good only under the placement it was made under", async () => {
    const roomId = uniqueRoom("rec-copy");
    await runInDurableObject(roomStub(roomId), (_instance, state) => {
      const copy = new RecordingState(state.storage.sql);
      expect(copy.current("epoch-a")).toBeNull();
      copy.started(RECORDING, "epoch-a");
      expect(copy.current("epoch-a")).toEqual(RECORDING);
      // Survives a new instance over the same storage (hibernation, eviction).
      expect(new RecordingState(state.storage.sql).current("epoch-a")).toEqual(RECORDING);
      // Another placement (the room moved): stale, and forgotten for good.
      expect(copy.current("epoch-b")).toBeNull();
      expect(copy.current("epoch-a")).toBeNull();
      copy.started(RECORDING, "epoch-a");
      // No placement at all (the room was freed): stale too.
      expect(copy.current(undefined)).toBeNull();
      expect(copy.current("epoch-a")).toBeNull();
      copy.started(RECORDING, "epoch-c");
      copy.clear();
      expect(copy.current("epoch-c")).toBeNull();
    });
  });
});

describe("joined.recording", () => {
  it("is null in a room that is not being recorded", async () => {
    const roomId = uniqueRoom("rec-joined");
    const { client, joined } = await TestClient.join(roomId, "alice");
    expect(joined.data.recording).toBeNull();
    await closeAll([client]);
  });

  it("never reports a recording made under a placement the room no longer has", async () => {
    const roomId = uniqueRoom("rec-stale");
    // A copy left from a node the room is no longer on (this runtime has no media node at all).
    await seedCopy(roomId, "gone-placement");
    const { client, joined } = await TestClient.join(roomId, "alice");
    expect(joined.data.recording).toBeNull();
    expect(await copyRows(roomId)).toBe(0);
    await closeAll([client]);
  });
});

describe("POST /rooms/:roomId/preview (open rooms)", () => {
  it("answers whether the room is being recorded, for its canonical id", async () => {
    const roomId = uniqueRoom("Rec-Preview");
    const { client } = await TestClient.join(roomId.toLowerCase(), "alice");
    const answer = await preview(roomPreviewPath(roomId), {});
    expect(answer.status).toBe(200);
    expect(RoomPreview.parse(answer.json)).toEqual({ roomId: roomId.toLowerCase(), recording: null });
    await closeAll([client]);
  });

  it("answers for a room nobody is in, and drops a stale copy", async () => {
    const roomId = uniqueRoom("rec-empty");
    await seedCopy(roomId, "gone-placement");
    const answer = await preview(roomPreviewPath(roomId), {});
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ roomId, recording: null });
    expect(await copyRows(roomId)).toBe(0);
  });

  it("refuses bad input with stable codes", async () => {
    const roomId = uniqueRoom("rec-bad");
    const path = roomPreviewPath(roomId);
    const cases: [string, unknown, number, string][] = [
      ["a room id that is not one", ["/rooms/not%20a%20room/preview", {}], 400, "invalid-room-id"],
      ["a room id too long", [roomPreviewPath("a".repeat(65)), {}], 400, "invalid-room-id"],
      ["a body that is not JSON", [path, "{nope"], 400, "invalid-body"],
      ["an empty body", [path, ""], 400, "invalid-body"],
      ["a body that is not an object", [path, [1, 2]], 400, "invalid-body"],
      ["an unknown field", [path, { token: "x", extra: 1 }], 400, "invalid-body"],
      ["a token that is not a string", [path, { token: 42 }], 400, "invalid-body"],
      ["an empty token", [path, { token: "" }], 400, "invalid-body"],
      ["a body over the limit", [path, { token: "x".repeat(20_000) }], 413, "invalid-body"],
    ];
    for (const [what, [target, body], status, code] of cases as [string, [string, unknown], number, string][]) {
      const answer = await preview(target, body);
      expect(answer.status, what).toBe(status);
      expect(errorCode(answer.json), what).toBe(code);
    }
    const get = await exports.default.fetch(`https://edge.test${path}`);
    expect(get.status).toBe(404);
  });

  it("answers CORS for allowed origins only, and refuses other origins", async () => {
    const path = roomPreviewPath(uniqueRoom("rec-cors"));
    const preflight = (origin: string) =>
      exports.default.fetch(`https://edge.test${path}`, {
        method: "OPTIONS",
        headers: {
          Origin: origin,
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "content-type",
        },
      });
    const allowed = await preflight(ALLOWED_ORIGIN);
    expect(allowed.status).toBeLessThan(300);
    expect(allowed.headers.get("Access-Control-Allow-Origin")).toBe(ALLOWED_ORIGIN);
    const other = await preflight("https://evil.test");
    expect(other.headers.get("Access-Control-Allow-Origin")).toBeNull();
    const fromAllowed = await preview(path, {}, { Origin: ALLOWED_ORIGIN });
    expect(fromAllowed.status).toBe(200);
    expect(fromAllowed.headers.get("Access-Control-Allow-Origin")).toBe(ALLOWED_ORIGIN);
    const fromOther = await preview(path, {}, { Origin: "https://evil.test" });
    expect(fromOther.status).toBe(403);
    expect(errorCode(fromOther.json)).toBe("forbidden-origin");
  });
});
