// Recording storage end to end: `wrangler dev` (the edge, with API keys and a webhook receiver), a
// media node process that records to a folder and uploads to a real S3-compatible server (s3rver),
// and a participant whose room is recorded through the room API. After the call, with nobody in
// the room, the room API still lists the recording and hands out signed URLs the node serves.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  MediaNodesResponse,
  type RecordingDownloadResponse,
  type RecordingListResponse,
  type RecordingManifest,
  type RecordingStateResponse,
  recordingPaths,
  registryPaths,
  roomApiPaths,
  signedFetch,
} from "@huddle/protocol";
import {
  createJoinToken,
  createToken,
  type TokenKeys,
  type VideoGrant,
  verifyWebhook,
  type WebhookEvent,
} from "@huddle/protocol/access";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../media/helpers.ts";
import { ffmpegMissing, type Sender, startSender } from "../media/recording-media.ts";
import { type Edge, startEdge } from "../support/edge.ts";
import { startTestMediaNode, type TestMediaNode } from "../support/media-nodes.ts";
import { RoomClient } from "../support/room-client.ts";
import { startTestS3, type TestS3 } from "../support/s3-server.ts";
import { waitFor } from "../support/wait.ts";
import { EDGE_MEDIA_VARS } from "./support/cluster.ts";
import { connectedTransport } from "./support/sfu.ts";

const API_KEY = "APIrecstore";
const API_SECRET = randomBytes(32).toString("hex");
const keys: TokenKeys = { secrets: new Map([[API_KEY, API_SECRET]]) };
const MEDIA_SECRET = randomBytes(24).toString("hex");

const hooks: WebhookEvent[] = [];
const rejected: string[] = [];
let hookServer: Server;
let s3: TestS3;
let dir: string;
let node: TestMediaNode;
let edge: Edge;
const clients: RoomClient[] = [];
const senders: Sender[] = [];

beforeAll(async () => {
  const missing = ffmpegMissing();
  if (missing !== undefined) throw new Error(`recording tests need FFmpeg and GStreamer: ${missing}`);
  hookServer = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const verified = await verifyWebhook(Buffer.concat(chunks).toString("utf8"), req.headers.authorization, keys);
    if (!verified.ok) {
      rejected.push(verified.message);
      return void res.writeHead(401).end();
    }
    hooks.push(verified.event);
    res.writeHead(200).end();
  });
  await new Promise<void>((resolve) => hookServer.listen(0, "127.0.0.1", resolve));
  const hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hook`;
  s3 = await startTestS3();
  dir = await mkdtemp(join(tmpdir(), "huddle-int-rec-"));
  edge = await startEdge(
    "rec-storage",
    {
      ...EDGE_MEDIA_VARS,
      API_KEYS: `${API_KEY}:${API_SECRET}`,
      WEBHOOK_URLS: hookUrl,
      MEDIA_NODE_SECRET: MEDIA_SECRET,
    },
    { privateAssets: true },
  );
  node = await startTestMediaNode("media-rec-storage", MEDIA_SECRET, {
    edgeUrl: edge.url,
    announceIntervalMs: 1000,
    env: {
      MEDIA_NODE_ALLOW_PLAIN: "true",
      MEDIA_NODE_RECORDINGS_DIR: dir,
      MEDIA_NODE_RECORDINGS_MIN_FREE_MB: "1",
      MEDIA_NODE_S3_ENDPOINT: s3.endpoint,
      MEDIA_NODE_S3_BUCKET: s3.bucket,
      MEDIA_NODE_S3_ACCESS_KEY_ID: s3.accessKeyId,
      MEDIA_NODE_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      MEDIA_NODE_S3_FORCE_PATH_STYLE: "true",
      MEDIA_NODE_S3_PREFIX: "calls/",
    },
  });
  // The node announces itself; rooms are placed on it once the edge knows it.
  await waitFor("the node announced", async () => {
    const res = await signedFetch(MEDIA_SECRET, new URL(registryPaths.nodes, edge.url));
    return res.ok && MediaNodesResponse.parse(await res.json()).nodes.some((n) => n.url === node.url);
  });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await Promise.all(senders.map((s) => s.stop()));
  await Promise.all([edge?.stop(), node?.stop()]);
  await s3?.close();
  hookServer?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const token = (grant: VideoGrant) => createToken({ apiKey: API_KEY, apiSecret: API_SECRET, grant, ttlSeconds: 60 });

async function roomApi<T>(path: string, grant: VideoGrant, method = "GET"): Promise<{ status: number; body: T }> {
  const res = await fetch(new URL(path, edge.url), {
    method,
    headers: { authorization: `Bearer ${await token(grant)}` },
  });
  return { status: res.status, body: (await res.json()) as T };
}

describe("a recorded call's storage, through the edge and a real node", () => {
  const roomId = `rec-store-${randomBytes(3).toString("hex")}`;
  const recorder: VideoGrant = { roomRecord: true, room: roomId };
  let manifest: RecordingManifest;
  let download: RecordingDownloadResponse;

  it("records through the room API and sends recording_finished with the final manifest", async () => {
    const alice = await RoomClient.open(edge.url.replace(/^http/, "ws"), roomId, "alice");
    clients.push(alice);
    const joinToken = await createJoinToken({
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      room: roomId,
      identity: "alice",
    });
    await alice.expect("join-room", { roomId, username: "alice", token: joinToken }, "joined");
    // Her first transport puts the room on the node; a plain-RTP sender there brings real media.
    await connectedTransport(alice, "send");
    const nodeApi = apiClient(node.url, MEDIA_SECRET);
    const sender = await startSender(nodeApi, roomId, "camera-rig", { ssrcBase: 9000 });
    senders.push(sender);

    const started = await roomApi<RecordingStateResponse>(
      roomApiPaths.recordings(roomId).replace(/s$/, "/start"),
      recorder,
      "POST",
    );
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ active: true });
    await waitFor("both tracks flowing", async () => {
      const list = await nodeApi.get<RecordingListResponse>(recordingPaths.list(roomId));
      return list.recordings.at(-1)?.tracks.filter((t) => t.firstPacketAt !== undefined).length === 2;
    });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const stopped = await roomApi<RecordingStateResponse>(
      roomApiPaths.recordings(roomId).replace(/s$/, "/stop"),
      recorder,
      "POST",
    );
    expect(stopped.status).toBe(200);
    await sender.stop();
    alice.close();

    const finished = await waitFor(
      "the recording_finished webhook",
      () => hooks.find((e) => e.event === "recording_finished" && e.room?.name === roomId),
      90_000,
    );
    expect(rejected).toEqual([]);
    manifest = finished.recording?.manifest as RecordingManifest;
    expect(manifest.recordingId).toBe(started.body.recordingId);
    expect(manifest.composed).toMatchObject({ file: "composed.mp4" });
    expect(manifest.tracks).toHaveLength(2);
    const prefix = `calls/${roomId}/${manifest.recordingId}/`;
    expect(manifest.upload).toMatchObject({ bucket: s3.bucket, prefix, localRemoved: false });
    expect(await s3.keys()).toEqual(
      [...manifest.tracks.map((t) => t.file), "composed.mp4", "manifest.json"].map((f) => `${prefix}${f}`).sort(),
    );
    // Sent once: a second notice (or a retry) would not make a second webhook.
    expect(hooks.filter((e) => e.event === "recording_finished" && e.room?.name === roomId)).toHaveLength(1);
  });

  it("lists the recording after the call, with nobody in the room, for roomRecord", async () => {
    await waitFor(
      "the room empty",
      async () => (await roomApi(roomApiPaths.room(roomId), { roomAdmin: true, room: roomId })).status === 404,
    );
    const list = await roomApi<RecordingListResponse>(roomApiPaths.recordings(roomId), recorder);
    expect(list.status).toBe(200);
    expect(list.body.recordings.map((r) => r.recordingId)).toEqual([manifest.recordingId]);
    expect(list.body.recordings[0]).toEqual(manifest);

    expect((await roomApi(roomApiPaths.recordings(roomId), { roomRecord: true, room: "another-room" })).status).toBe(
      403,
    );
    expect((await roomApi(roomApiPaths.recordings(roomId), { roomJoin: true, room: roomId })).status).toBe(403);
  });

  it("hands out signed URLs that the node serves, with Range, and refuses tampered ones", async () => {
    const answer = await roomApi<RecordingDownloadResponse>(
      `${roomApiPaths.recordingDownload(roomId, manifest.recordingId)}?ttl=120`,
      recorder,
    );
    expect(answer.status).toBe(200);
    download = answer.body;
    const expiresIn = Date.parse(download.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(100_000);
    expect(expiresIn).toBeLessThanOrEqual(121_000);
    expect(download.files.map((f) => `${f.role}:${f.file}`)).toEqual([
      "composed:composed.mp4",
      ...manifest.tracks.map((t) => `track:${t.file}`),
      "manifest:manifest.json",
    ]);
    const folder = join(dir, roomId, manifest.recordingId);
    for (const file of download.files.filter((f) => f.role !== "manifest")) {
      expect(new URL(file.url).origin).toBe(node.url);
      const res = await fetch(file.url);
      expect(res.status, file.file).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(await readFile(join(folder, file.file))), file.file).toBe(
        true,
      );
    }
    const composed = download.files[0]?.url ?? "";
    const local = await readFile(join(folder, "composed.mp4"));
    const range = await fetch(composed, { headers: { range: "bytes=0-1023" } });
    expect(range.status).toBe(206);
    expect(range.headers.get("content-range")).toBe(`bytes 0-1023/${local.length}`);
    expect(Buffer.from(await range.arrayBuffer()).equals(local.subarray(0, 1024))).toBe(true);
    const manifestFile = await fetch(download.files.at(-1)?.url ?? "");
    expect(((await manifestFile.json()) as RecordingManifest).upload).toEqual(manifest.upload);

    const tampered = new URL(composed);
    tampered.searchParams.set("expires", String(Number(tampered.searchParams.get("expires")) + 3600));
    const refused = await fetch(tampered);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("forbidden");
  });

  it("refuses bad lifetimes, unknown recordings and foreign tokens, changing nothing", async () => {
    const path = roomApiPaths.recordingDownload(roomId, manifest.recordingId);
    expect((await roomApi(`${path}?ttl=5`, recorder)).status).toBe(400);
    expect((await roomApi(`${path}?ttl=999999`, recorder)).status).toBe(400);
    expect((await roomApi(`${path}?ttl=abc`, recorder)).status).toBe(400);
    const unknown = await roomApi<{ error: { code: string } }>(
      roomApiPaths.recordingDownload(roomId, "20200101T000000Z-00000000"),
      recorder,
    );
    expect([unknown.status, unknown.body.error.code]).toEqual([404, "not-found"]);
    const badId = await roomApi(roomApiPaths.recordingDownload(roomId, "not-an-id"), recorder);
    expect(badId.status).toBe(400);
    expect((await roomApi(path, { roomRecord: true, room: "another-room" })).status).toBe(403);
    // A notice signed with another secret is refused, and the room keeps one recording.
    const forged = await signedFetch("x".repeat(32), new URL("/v1/media-nodes/recording-finished", edge.url), {
      method: "POST",
      json: { nodeUrl: "http://127.0.0.1:1", manifest: { ...manifest, recordingId: "20200101T000000Z-00000001" } },
    });
    expect(forged.status).toBe(401);
    await forged.body?.cancel();
    const list = await roomApi<RecordingListResponse>(roomApiPaths.recordings(roomId), recorder);
    expect(list.body.recordings.map((r) => r.recordingId)).toEqual([manifest.recordingId]);
  });
});
