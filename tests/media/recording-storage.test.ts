import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  mediaPaths as p,
  RecordingFinishedNotice,
  type RecordingListResponse,
  type RecordingManifest,
  type RecordingStateResponse,
  ReplayGuard,
  recordingDownloadPath,
  recordingFinishedPath,
  recordingPaths,
  signRecordingDownload,
  verifyRequest,
} from "@huddle/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MediaNode } from "../../media-node/src/node.ts";
import { startTestS3, type TestS3 } from "../support/s3-server.ts";
import { apiClient, errorOf, SECRET, startTestNode, waitFor } from "./helpers.ts";
import { decodeErrors, ffmpegMissing, probe, type Sender, startSender } from "./recording-media.ts";

const until = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

type Api = ReturnType<typeof apiClient>;

/** The room's last recording as the node lists it, once `ready` says so. */
function recordingWhen(
  api: Api,
  roomId: string,
  what: string,
  ready: (m: RecordingManifest) => boolean,
  timeoutMs = 60_000,
): Promise<RecordingManifest> {
  return waitFor(
    what,
    async () => {
      const list = await api.get<RecordingListResponse>(recordingPaths.list(roomId));
      const manifest = list.recordings.at(-1);
      return manifest !== undefined && ready(manifest) ? manifest : undefined;
    },
    timeoutMs,
    100,
  );
}

/** A short recording of one sender: started, `seconds` of media, stopped. */
async function record(api: Api, roomId: string, seconds: number, media: { video?: boolean; ssrcBase: number }) {
  await api.put(p.room(roomId));
  const sender = await startSender(api, roomId, `${roomId}-peer`, media);
  senders.push(sender);
  const started = await api.post<RecordingStateResponse>(recordingPaths.start(roomId));
  const t0 = Date.now();
  const tracks = media.video === false ? 1 : 2;
  await recordingWhen(
    api,
    roomId,
    "the tracks flowing",
    (m) => m.tracks.filter((t) => t.firstPacketAt !== undefined).length === tracks,
    30_000,
  );
  await until(t0 + seconds * 1000);
  await api.post(recordingPaths.stop(roomId));
  await sender.stop();
  return started;
}

/** A stand-in for the edge's notice route: checks each notice's signature (as the edge does) and keeps it. */
async function startNoticeReceiver(): Promise<{ url: string; notices: RecordingFinishedNotice[]; server: Server }> {
  const notices: RecordingFinishedNotice[] = [];
  const replay = new ReplayGuard();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const verdict = await verifyRequest({
        secret: SECRET,
        method: req.method ?? "",
        pathWithQuery: req.url ?? "",
        header: (name) => (req.headers[name] as string | undefined) ?? null,
        body,
        replay,
      });
      const parsed = RecordingFinishedNotice.safeParse(JSON.parse(body || "null"));
      if (!verdict.ok || req.url !== recordingFinishedPath || !parsed.success) {
        res.writeHead(verdict.ok ? 400 : 401).end();
        return;
      }
      notices.push(parsed.data);
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, notices, server };
}

/** A GET whose path is sent exactly as written (fetch would resolve the dots). */
function rawGet(baseUrl: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(baseUrl), { path, method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Bytes free on the filesystem holding `dir`, in MB (as the node counts them). */
function freeMb(dir: string): number {
  const out = spawnSync("df", ["--output=avail", "-B", "1000000", dir], { encoding: "utf8" }).stdout;
  return Number(out.trim().split("\n").at(-1));
}

const senders: Sender[] = [];
const dirs: string[] = [];
const inHour = () => Math.floor(Date.now() / 1000) + 3600;

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "huddle-store-"));
  dirs.push(dir);
  return dir;
}

beforeAll(() => {
  const missing = ffmpegMissing();
  if (missing !== undefined) throw new Error(`recording tests need FFmpeg and GStreamer: ${missing}`);
});

afterAll(async () => {
  await Promise.all(senders.map((s) => s.stop()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe("a finished recording: uploaded to a real S3 server, announced to the edge, downloaded by signed URL", () => {
  let s3: TestS3;
  let receiver: Awaited<ReturnType<typeof startNoticeReceiver>>;
  let node: MediaNode;
  let api: Api;
  let dir: string;
  const roomId = "store-room";
  let manifest: RecordingManifest;
  const url = (file: string, expires = inHour(), id = manifest.recordingId, room = roomId) =>
    signRecordingDownload({ secret: SECRET, nodeUrl: node.url, roomId: room, recordingId: id, file, expires });

  beforeAll(async () => {
    s3 = await startTestS3();
    receiver = await startNoticeReceiver();
    dir = await tempDir();
    node = await startTestNode({
      recordingsDir: dir,
      recordingsMinFreeMb: 1,
      edgeUrl: receiver.url,
      s3Endpoint: s3.endpoint,
      s3Bucket: s3.bucket,
      s3AccessKeyId: s3.accessKeyId,
      s3SecretAccessKey: s3.secretAccessKey,
      s3ForcePathStyle: true,
      s3Prefix: "huddle/",
    });
    api = apiClient(node.url);
  });
  afterAll(async () => {
    await node?.close();
    await s3?.close();
    receiver?.server.close();
  });

  it("uploads every file, the manifest last and saying where, and tells the edge with the final manifest", async () => {
    const started = await record(api, roomId, 3, { ssrcBase: 5000 });
    manifest = await recordingWhen(api, roomId, "the upload", (m) => m.upload !== undefined);
    expect(manifest.recordingId).toBe(started.recordingId);
    expect(manifest.composed).toMatchObject({ file: "composed.mp4" });
    const prefix = `huddle/${roomId}/${manifest.recordingId}/`;
    const files = [...manifest.tracks.map((t) => t.file), "composed.mp4", "manifest.json"];
    expect(manifest.upload).toMatchObject({ bucket: s3.bucket, prefix, localRemoved: false });
    expect(manifest.upload && "files" in manifest.upload ? [...manifest.upload.files].sort() : []).toEqual(
      [...files].sort(),
    );

    expect(await s3.keys()).toEqual(files.map((f) => `${prefix}${f}`).sort());
    const local = await readFile(join(dir, roomId, manifest.recordingId, "composed.mp4"));
    expect((await s3.get(`${prefix}composed.mp4`)).equals(local)).toBe(true);
    for (const track of manifest.tracks) {
      const bytes = await readFile(join(dir, roomId, manifest.recordingId, track.file));
      expect((await s3.get(`${prefix}${track.file}`)).equals(bytes), track.file).toBe(true);
    }
    const uploadedManifest = JSON.parse((await s3.get(`${prefix}manifest.json`)).toString("utf8"));
    expect(uploadedManifest).toMatchObject({
      recordingId: manifest.recordingId,
      upload: { bucket: s3.bucket, prefix },
    });

    const notice = await waitFor("the recording-finished notice", () =>
      receiver.notices.find((n) => n.manifest.recordingId === manifest.recordingId),
    );
    expect(notice.nodeUrl).toBe(node.publicUrl);
    expect(notice.manifest).toEqual(manifest);
  });

  it("serves a file by signed URL, whole, by byte ranges and to HEAD", async () => {
    const composed = await readFile(join(dir, roomId, manifest.recordingId, "composed.mp4"));
    const whole = await fetch(await url("composed.mp4"));
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-type")).toBe("video/mp4");
    expect(whole.headers.get("accept-ranges")).toBe("bytes");
    expect(Buffer.from(await whole.arrayBuffer()).equals(composed)).toBe(true);

    const signed = await url("composed.mp4");
    const range = await fetch(signed, { headers: { range: "bytes=100-199" } });
    expect(range.status).toBe(206);
    expect(range.headers.get("content-range")).toBe(`bytes 100-199/${composed.length}`);
    expect(Buffer.from(await range.arrayBuffer()).equals(composed.subarray(100, 200))).toBe(true);
    const tail = await fetch(signed, { headers: { range: "bytes=-16" } });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(composed.subarray(composed.length - 16))).toBe(true);
    const beyond = await fetch(signed, { headers: { range: `bytes=${composed.length + 10}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe(`bytes */${composed.length}`);
    expect(((await beyond.json()) as { error: { code: string } }).error.code).toBe("range-not-satisfiable");
    const head = await fetch(signed, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get("content-length"))).toBe(composed.length);

    const track = manifest.tracks[0]?.file ?? "";
    const trackAnswer = await fetch(await url(track));
    expect(trackAnswer.headers.get("content-type")).toBe("video/webm");
    expect((await trackAnswer.arrayBuffer()).byteLength).toBe(
      (await stat(join(dir, roomId, manifest.recordingId, track))).size,
    );
    const listed = (await (await fetch(await url("manifest.json"))).json()) as RecordingManifest;
    expect(listed.recordingId).toBe(manifest.recordingId);
  });

  it("refuses expired, forged and foreign URLs, paths that leave the folder and files that are not there", async () => {
    const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

    const expired = await fetch(await url("composed.mp4", Math.floor(Date.now() / 1000) - 1));
    expect([expired.status, await errorCode(expired)]).toEqual([410, "expired"]);

    const good = new URL(await url("composed.mp4"));
    const sig = good.searchParams.get("sig") ?? "";
    const forged = new URL(good);
    forged.searchParams.set("sig", `${sig.slice(0, -1)}${sig.endsWith("0") ? "1" : "0"}`);
    const forgedAnswer = await fetch(forged);
    expect([forgedAnswer.status, await errorCode(forgedAnswer)]).toEqual([403, "forbidden"]);
    // An expiry moved later invalidates the signature.
    const extended = new URL(good);
    extended.searchParams.set("expires", String(inHour() + 3600));
    const extendedAnswer = await fetch(extended);
    expect([extendedAnswer.status, await errorCode(extendedAnswer)]).toEqual([403, "forbidden"]);
    // One file's signature does not open another.
    const other = new URL(recordingDownloadPath(roomId, manifest.recordingId, "manifest.json"), node.url);
    other.search = good.search;
    const otherAnswer = await fetch(other);
    expect([otherAnswer.status, await errorCode(otherAnswer)]).toEqual([403, "forbidden"]);
    const bare = await fetch(new URL(recordingDownloadPath(roomId, manifest.recordingId, "composed.mp4"), node.url));
    expect([bare.status, await errorCode(bare)]).toEqual([403, "forbidden"]);
    // Signed with another secret.
    const foreign = await signRecordingDownload({
      secret: "another-secret-0123456789",
      nodeUrl: node.url,
      roomId,
      recordingId: manifest.recordingId,
      file: "composed.mp4",
      expires: inHour(),
    });
    expect((await fetch(foreign)).status).toBe(403);

    // Even correctly signed, names that leave the recording's folder are refused.
    for (const [room, id, file] of [
      [roomId, manifest.recordingId, "../../../../etc/passwd"],
      [roomId, manifest.recordingId, ".manifest.json.tmp"],
      [roomId, "..", "passwd"],
      ["bad room", manifest.recordingId, "composed.mp4"],
    ] as const) {
      const answer = await fetch(await url(file, inHour(), id, room));
      expect([answer.status, await errorCode(answer)], `${room}/${id}/${file}`).toEqual([400, "invalid-param"]);
    }
    const dots = await rawGet(node.url, `/v1/recordings/${roomId}/${manifest.recordingId}/../../../../etc/passwd`);
    expect(dots.status).toBe(400);
    expect(dots.body).not.toContain("root:");

    const missing = await fetch(await url("composed-2.mp4"));
    expect([missing.status, await errorCode(missing)]).toEqual([404, "not-found"]);
    const otherRecording = await fetch(await url("composed.mp4", inHour(), "20200101T000000Z-00000000"));
    expect(otherRecording.status).toBe(404);
    const post = await fetch(await url("composed.mp4"), { method: "POST" });
    expect(post.status).toBe(405);
    await post.body?.cancel();
  });
});

describe("uploads that remove the local copy, and uploads that fail", () => {
  let s3: TestS3;
  afterAll(() => s3?.close());

  it("deletes the media files after a complete upload when MEDIA_NODE_S3_KEEP_LOCAL is false, keeping the manifest", async () => {
    s3 = await startTestS3();
    const dir = await tempDir();
    const node = await startTestNode({
      recordingsDir: dir,
      recordingsMinFreeMb: 1,
      s3Endpoint: s3.endpoint,
      s3Bucket: s3.bucket,
      s3AccessKeyId: s3.accessKeyId,
      s3SecretAccessKey: s3.secretAccessKey,
      s3ForcePathStyle: true,
      s3KeepLocal: false,
    });
    try {
      const api = apiClient(node.url);
      const roomId = "store-moved";
      await record(api, roomId, 1.5, { video: false, ssrcBase: 6000 });
      const manifest = await recordingWhen(api, roomId, "the upload", (m) => m.upload !== undefined);
      expect(manifest.upload).toMatchObject({ localRemoved: true, prefix: `${roomId}/${manifest.recordingId}/` });
      const folder = join(dir, roomId, manifest.recordingId);
      for (const file of [...manifest.tracks.map((t) => t.file), "composed.mp4"]) {
        await expect(stat(join(folder, file)), file).rejects.toThrow();
        expect((await s3.get(`${roomId}/${manifest.recordingId}/${file}`)).length, file).toBeGreaterThan(0);
      }
      expect(JSON.parse(await readFile(join(folder, "manifest.json"), "utf8")).upload.localRemoved).toBe(true);
      const gone = await fetch(
        await signRecordingDownload({
          secret: SECRET,
          nodeUrl: node.url,
          roomId,
          recordingId: manifest.recordingId,
          file: "composed.mp4",
          expires: inHour(),
        }),
      );
      expect(gone.status).toBe(404);
      await gone.body?.cancel();
    } finally {
      await node.close();
    }
  });

  it("records why an upload failed after its retries, and keeps the files", async () => {
    const dir = await tempDir();
    // A port nothing listens on: every attempt is refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const node = await startTestNode({
      recordingsDir: dir,
      recordingsMinFreeMb: 1,
      s3Endpoint: `http://127.0.0.1:${port}`,
      s3Bucket: "nowhere",
      s3AccessKeyId: "key",
      s3SecretAccessKey: "secret",
      s3ForcePathStyle: true,
      s3KeepLocal: false,
    });
    try {
      const api = apiClient(node.url);
      const roomId = "store-failing";
      await record(api, roomId, 1.5, { video: false, ssrcBase: 7000 });
      const manifest = await recordingWhen(api, roomId, "the failed upload", (m) => m.upload !== undefined);
      expect(manifest.upload).toMatchObject({ error: expect.any(String) });
      const folder = join(dir, roomId, manifest.recordingId);
      expect((await stat(join(folder, "composed.mp4"))).size).toBeGreaterThan(0);
    } finally {
      await node.close();
    }
  });
});

describe("free disk space falling while recording", () => {
  it("stops the recording with disk-low, finishing every file and composing them", async () => {
    const dir = await tempDir();
    // A minimum 1000 MB below what is free now, then a 2500 MB file: the next check finds too little.
    const minimum = freeMb(dir) - 1000;
    expect(minimum, "the test needs 3 GB of free disk").toBeGreaterThan(1500);
    const node = await startTestNode({ recordingsDir: dir, recordingsMinFreeMb: minimum, recordingsDiskCheckMs: 200 });
    const filler = join(dir, "filler");
    try {
      const api = apiClient(node.url);
      const roomId = "store-disk";
      await api.put(p.room(roomId));
      const sender = await startSender(api, roomId, "erin", { ssrcBase: 8000 });
      senders.push(sender);
      await api.post(recordingPaths.start(roomId));
      await recordingWhen(
        api,
        roomId,
        "both tracks flowing",
        (m) => m.tracks.filter((t) => t.firstPacketAt !== undefined).length === 2,
        30_000,
      );
      const filled = spawnSync("fallocate", ["-l", "2500M", filler], { encoding: "utf8" });
      expect(filled.status, filled.stderr).toBe(0);
      const manifest = await recordingWhen(api, roomId, "the disk-low stop", (m) => m.composed !== undefined);
      expect(manifest.stopReason).toBe("disk-low");
      expect(manifest.tracks.map((t) => t.endReason)).toEqual(["disk-low", "disk-low"]);
      // Stopped: nothing is recording any more.
      const again = await api.call("POST", recordingPaths.stop(roomId));
      expect([again.status, errorOf(again).code]).toEqual([409, "invalid-state"]);
      for (const track of manifest.tracks) {
        const file = join(dir, roomId, manifest.recordingId, track.file);
        expect(await decodeErrors(file), track.file).toBe("");
        expect((await probe(file)).durationS, track.file).toBeGreaterThan(0);
      }
      expect(manifest.composed).toMatchObject({ file: "composed.mp4" });
      // While the disk stays low, no new recording starts.
      const refused = await api.call("POST", recordingPaths.start(roomId));
      expect([refused.status, errorOf(refused).code]).toEqual([503, "unavailable"]);
      await sender.stop();
    } finally {
      await rm(filler, { force: true });
      await node.close();
    }
  });
});
