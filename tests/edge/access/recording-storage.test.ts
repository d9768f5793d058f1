// Recording storage on the edge, in real workerd: the room's store of finished recordings in a
// Durable Object's SQLite storage, the recording_finished webhook body, and the room API's
// recording routes (grants, validation; this runtime has no media node, so nothing is listed).
// The whole path with a real node is tests/integration/recording-storage.test.ts.
import { runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { type RecordingManifest, recordingFinishedPath, roomApiPaths } from "@huddle/protocol";
import { createToken, type TokenKeys, type VideoGrant, verifyWebhook, WebhookEvent } from "@huddle/protocol/access";
import { describe, expect, it } from "vitest";
import { RecordingStore, STORED_RECORDINGS_LIMIT } from "../../../edge/src/room/recording-store.ts";
import { webhookEventOf } from "../../../edge/src/room/webhook-events.ts";
import { WebhookOutbox } from "../../../edge/src/room/webhooks.ts";
import { roomStub, uniqueRoom } from "../client.ts";
import { TEST_API_KEYS } from "./keys.ts";

const manifestOf = (recordingId: string, roomId = "standup"): RecordingManifest => ({
  version: 1,
  recordingId,
  roomId,
  startedAt: "2026-12-02T03:00:00.000Z",
  endedAt: "2026-12-02T03:00:05.000Z",
  stopReason: "stopped",
  participants: ["alice"],
  tracks: [
    {
      file: "000-audio-alice.webm",
      producerId: "p1",
      peerId: "alice",
      kind: "audio",
      mimeType: "audio/opus",
      startedAt: "2026-12-02T03:00:00.100Z",
      clockRate: 48000,
      endReason: "stopped",
    },
  ],
  composed: { file: "composed.mp4", durationMs: 5000 },
  upload: {
    bucket: "b",
    prefix: `${roomId}/${recordingId}/`,
    files: ["000-audio-alice.webm", "composed.mp4", "manifest.json"],
    uploadedAt: "2026-12-02T03:00:09.000Z",
    localRemoved: false,
  },
});

const id = (n: number) => `20261202T0300${String(n % 60).padStart(2, "0")}Z-${n.toString(16).padStart(8, "0")}`;

function inRoom<T>(fn: (sql: SqlStorage) => T | Promise<T>): Promise<T> {
  return runInDurableObject(roomStub(uniqueRoom("rec-store")), (_instance, state) => fn(state.storage.sql));
}

describe("a room's store of finished recordings", () => {
  it("keeps each recording once, with its node, oldest first, and survives a new instance", async () => {
    await inRoom((sql) => {
      const store = new RecordingStore(sql);
      expect(store.add({ nodeUrl: "http://node-b:4000", manifest: manifestOf(id(2)) })).toBe(true);
      expect(store.add({ nodeUrl: "http://node-a:4000", manifest: manifestOf(id(1)) })).toBe(true);
      // A repeated notice (the node lost the answer) changes nothing.
      expect(store.add({ nodeUrl: "http://elsewhere:1", manifest: manifestOf(id(2)) })).toBe(false);
      const again = new RecordingStore(sql);
      expect(again.all().map((r) => [r.nodeUrl, r.manifest.recordingId])).toEqual([
        ["http://node-a:4000", id(1)],
        ["http://node-b:4000", id(2)],
      ]);
      expect(again.get(id(2))?.manifest).toEqual(manifestOf(id(2)));
      expect(again.get(id(3))).toBeUndefined();
    });
  });

  it(`keeps at most ${STORED_RECORDINGS_LIMIT}, dropping the oldest`, async () => {
    await inRoom((sql) => {
      const store = new RecordingStore(sql);
      for (let n = 0; n < STORED_RECORDINGS_LIMIT + 3; n++) {
        store.add({
          nodeUrl: "http://node:4000",
          manifest: manifestOf(`20261202T${String(100000 + n).padStart(6, "0")}Z-00000000`),
        });
      }
      const ids = store.all().map((r) => r.manifest.recordingId);
      expect(ids).toHaveLength(STORED_RECORDINGS_LIMIT);
      expect(ids[0]).toBe("20261202T100003Z-00000000");
    });
  });
});

describe("the recording_finished webhook", () => {
  it("carries the manifest, signed like every other webhook", async () => {
    const manifest = manifestOf(id(7));
    const event = webhookEventOf(
      { kind: "recording-finished", manifest },
      { sid: "RM_x", name: "standup", createdAt: 1_800_000_000_000, numParticipants: 0 },
      1_800_000_005_000,
    );
    expect(WebhookEvent.parse(event)).toMatchObject({ event: "recording_finished", recording: { manifest } });

    const keys: TokenKeys = { secrets: new Map([["APIrec", "rec-secret-that-is-long-enough-32"]]) };
    const posts: { body: string; authorization: string }[] = [];
    await inRoom(async (sql) => {
      const outbox = new WebhookOutbox({
        roomId: "standup",
        config: {
          urls: ["https://hooks.example/in"],
          apiKey: "APIrec",
          apiSecret: "rec-secret-that-is-long-enough-32",
        },
        sql,
        participants: () => 0,
        wakeAt: async () => {},
        fetch: async (_input, init) => {
          posts.push({
            body: String(init?.body),
            authorization: new Headers(init?.headers).get("authorization") ?? "",
          });
          return new Response("ok");
        },
      });
      outbox.emit({ kind: "recording-finished", manifest });
      await outbox.deliverDue();
    });
    expect(posts).toHaveLength(1);
    const verified = await verifyWebhook(posts[0]?.body ?? "", posts[0]?.authorization, keys);
    expect(verified.ok && verified.event.event).toBe("recording_finished");
    expect(verified.ok && verified.event.recording?.manifest).toEqual(manifest);
  });
});

describe("the room API's recording routes", () => {
  const apiToken = (grant: VideoGrant) =>
    createToken({ apiKey: TEST_API_KEYS.main.key, apiSecret: TEST_API_KEYS.main.secret, grant, ttlSeconds: 60 });
  async function call(path: string, grant: VideoGrant | undefined, method = "GET") {
    const headers = new Headers();
    if (grant !== undefined) headers.set("Authorization", `Bearer ${await apiToken(grant)}`);
    const response = await exports.default.fetch(`https://edge.test${path}`, { method, headers });
    return { status: response.status, body: (await response.json()) as { error?: { code: string } } };
  }

  it("need roomAdmin or roomRecord for that room, and not someone in it", async () => {
    const roomId = uniqueRoom("rec-api");
    const list = roomApiPaths.recordings(roomId);
    const download = roomApiPaths.recordingDownload(roomId, id(1));
    for (const path of [list, download]) {
      expect((await call(path, undefined)).status, path).toBe(401);
      expect((await call(path, { roomJoin: true, room: roomId })).status, path).toBe(403);
      expect((await call(path, { roomRecord: true, room: "another-room" })).status, path).toBe(403);
      expect((await call(path, { roomRecord: true })).status, path).toBe(403);
      // Granted, with nobody in the room: past the grant check (this runtime has no media node).
      for (const grant of [
        { roomRecord: true, room: roomId },
        { roomAdmin: true, room: roomId.toUpperCase() },
      ]) {
        const answer = await call(path, grant);
        expect([answer.status, answer.body.error?.code], path).toEqual([409, "media-disabled"]);
      }
    }
  });

  it("checks the recording id and the URL lifetime before anything else", async () => {
    const roomId = uniqueRoom("rec-api-bad");
    const grant = { roomRecord: true, room: roomId };
    const download = roomApiPaths.recordingDownload(roomId, id(1));
    for (const path of [
      roomApiPaths.recordingDownload(roomId, "not-an-id"),
      roomApiPaths.recordingDownload(roomId, "..%2F..%2Fetc"),
      `${download}?ttl=9`,
      `${download}?ttl=86401`,
      `${download}?ttl=1.5`,
      `${download}?ttl=soon`,
    ]) {
      const answer = await call(path, grant);
      expect([answer.status, answer.body.error?.code], path).toEqual([400, "invalid-body"]);
    }
  });

  it("refuses a recording-finished notice when the edge has no media secret", async () => {
    const response = await exports.default.fetch(`https://edge.test${recordingFinishedPath}`, {
      method: "POST",
      body: JSON.stringify({ nodeUrl: "http://127.0.0.1:1", manifest: manifestOf(id(1)) }),
    });
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("media-disabled");
  });
});
