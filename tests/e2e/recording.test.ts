// A real recorded call: three Chromium pages on an edge with a media node that records
// (MEDIA_NODE_RECORDINGS_DIR), started and stopped over the wire protocol by an admin; then the
// files are checked with ffprobe / ffmpeg. Alice's microphone is a known WAV file (a beep every
// 4 s); her page notes when each beep is captured, which is where it must be in the composed file.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RecordingManifest } from "@huddle/protocol";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createJoinToken } from "../../protocol/src/access/join-token.ts";
import { decodeErrors, ffmpegMissing, packetsOf, probe, timestampsNotIncreasing } from "../media/recording-media.ts";
import { type Edge, startEdge } from "../support/edge.ts";
import { mediaNodeAvailable, startTestMediaNode, type TestMediaNode } from "../support/media-nodes.ts";
import { RoomClient } from "../support/room-client.ts";
import { waitFor } from "../support/wait.ts";
import { type AccessServer, inviteLink, joinByInvite, openInvite } from "./support/access.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "./support/browser.ts";
import type { CallPage } from "./support/call-page.ts";
import { keepVideoSenders, setTopLayer } from "./support/video-senders.ts";

const ROOM = "recorded-call";
/** The WAV: 4 s long, one 0.25 s beep 2 s in; Chromium plays it in a loop as Alice's microphone. */
const WAV_PERIOD_S = 4;
const until = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

let dir: string;
let media: TestMediaNode | undefined;
let edge: Edge | undefined;
let server: AccessServer;
const browsers: Browser[] = [];
const pages: CallPage[] = [];
let admin: RoomClient | undefined;

function ffmpeg(args: string[]): void {
  const result = spawnSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", ...args], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`ffmpeg ${args.join(" ")}: ${result.stderr}`);
}

/** Chromium with fake devices and a WAV file as the microphone (a browser per file: the flag is per process). */
async function chromiumWithAudio(wav: string): Promise<Browser> {
  const args = [
    ...CHROMIUM_ARGS,
    "--use-fake-ui-for-media-stream",
    `--use-file-for-fake-audio-capture=${wav}`,
    // watchBeeps' AudioContext runs before anyone clicks.
    "--autoplay-policy=no-user-gesture-required",
  ];
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args, headless: true });
  browsers.push(browser);
  return browser;
}

/**
 * Before the app loads: tap every audio track the page sends (the track given to
 * `addTransceiver`) with an AudioWorklet that finds each beep's first loud sample after 0.5 s of
 * quiet, and note when (epoch ms) that sample was in the page. The worklet sees every sample,
 * so the time is exact to the audio graph's latency: the `media-source` audioLevel this used to
 * poll is updated only every 110 ms (WebRTC's AudioLevel), which put up to 110 ms of noise on
 * the sync figure.
 */
function watchBeeps(): void {
  const w = window as unknown as { __beeps: number[] };
  w.__beeps = [];
  const processor = `registerProcessor("beep-watch", class extends AudioWorkletProcessor {
    quiet = 0;
    process(inputs) {
      const samples = inputs[0]?.[0];
      if (samples === undefined) return true;
      for (let i = 0; i < samples.length; i++) {
        const loud = Math.abs(samples[i]) > 0.1;
        if (loud && this.quiet >= sampleRate / 2) this.port.postMessage((currentFrame + i) / sampleRate);
        this.quiet = loud ? 0 : this.quiet + 1;
      }
      return true;
    }
  });`;
  const context = new AudioContext();
  const ready = context.audioWorklet.addModule(URL.createObjectURL(new Blob([processor], { type: "text/javascript" })));
  const tapped = new Set<string>();
  const tap = async (track: MediaStreamTrack) => {
    if (track.kind !== "audio" || tapped.has(track.id)) return;
    tapped.add(track.id);
    await ready;
    const node = new AudioWorkletNode(context, "beep-watch");
    // The onset's context time, put on the epoch clock through how far the graph has run since.
    node.port.onmessage = ({ data }: MessageEvent<number>) => {
      const at = Date.now() - (context.currentTime - data) * 1000;
      // Two taps of one microphone see one beep: keep it once.
      if (!w.__beeps.some((seen) => Math.abs(seen - at) < 1000)) w.__beeps.push(Math.round(at));
    };
    context.createMediaStreamSource(new MediaStream([track])).connect(node);
    await context.resume();
  };
  const native = RTCPeerConnection.prototype.addTransceiver;
  RTCPeerConnection.prototype.addTransceiver = function (this: RTCPeerConnection, what, init) {
    if (typeof what !== "string") void tap(what);
    return native.call(this, what, init);
  };
}

/**
 * When (s) a beep starts in a file's audio: 10 ms windows whose RMS level rises within 15 dB of
 * the loudest after at least 0.5 s below that (so it works whatever the codecs left of the silence).
 */
function beepOnsetsS(file: string): { onsets: number[]; levels: string } {
  const result = spawnSync(
    "ffmpeg",
    [
      ...["-hide_banner", "-nostdin", "-i", file, "-vn", "-af"],
      "aresample=48000,asetnsamples=n=480,astats=metadata=1:reset=1,ametadata=print:key=lavfi.astats.Overall.RMS_level:file=-",
      ...["-f", "null", "-"],
    ],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  const windows: { t: number; db: number }[] = [];
  let t = Number.NaN;
  for (const line of result.stdout.split("\n")) {
    const time = /pts_time:([0-9.]+)/.exec(line);
    if (time) t = Number(time[1]);
    const level = /RMS_level=(-?[0-9.]+|-inf)/.exec(line);
    if (level) windows.push({ t, db: level[1] === "-inf" ? -200 : Number(level[1]) });
  }
  const loudest = Math.max(...windows.map((w) => w.db));
  const onsets: number[] = [];
  let quietSince = Number.NEGATIVE_INFINITY;
  for (const w of windows) {
    if (w.db >= loudest - 15) {
      if (w.t - quietSince >= 0.5) onsets.push(w.t);
      quietSince = Number.POSITIVE_INFINITY;
    } else if (quietSince === Number.POSITIVE_INFINITY) quietSince = w.t;
  }
  const sorted = windows.map((w) => w.db).sort((a, b) => a - b);
  const levels = `loudest ${loudest.toFixed(1)} dB, median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} dB`;
  return { onsets, levels };
}

async function recordingFolder(recordingId: string): Promise<string> {
  for (const room of await readdir(dir)) {
    const folder = join(dir, room, recordingId);
    if (existsSync(folder)) return folder;
  }
  throw new Error(`no folder for recording ${recordingId} under ${dir}`);
}

beforeAll(async () => {
  const missing = ffmpegMissing() ?? mediaNodeAvailable();
  if (missing !== undefined)
    throw new Error(`the recording suite needs FFmpeg, GStreamer and a media node: ${missing}`);
  dir = await mkdtemp(join(tmpdir(), "huddle-e2e-rec-"));
  const beep = join(dir, "beep.wav");
  const silence = join(dir, "silence.wav");
  ffmpeg([
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=1000:sample_rate=48000:duration=4",
    "-af",
    "volume=volume='if(between(t,2,2.25),0.8,0)':eval=frame",
    "-ac",
    "1",
    "-c:a",
    "pcm_s16le",
    beep,
  ]);
  ffmpeg(["-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", "4", "-c:a", "pcm_s16le", silence]);
  const nodeSecret = randomBytes(32).toString("hex");
  const apiSecret = randomBytes(32).toString("hex");
  media = await startTestMediaNode("media-node-recording", nodeSecret, {
    env: { MEDIA_NODE_RECORDINGS_DIR: join(dir, "recordings"), MEDIA_NODE_RECORDINGS_MIN_FREE_MB: "1" },
  });
  dir = join(dir, "recordings");
  edge = await startEdge("recording", {
    MAX_PARTICIPANTS: "5",
    MEDIA_NODES: media.url,
    MEDIA_NODE_SECRET: nodeSecret,
    API_KEYS: `e2e-rec:${apiSecret}`,
  });
  server = { url: edge.url, apiKey: "e2e-rec", apiSecret };
  const aliceBrowser = await chromiumWithAudio(beep);
  const othersBrowser = await chromiumWithAudio(silence);
  const open = async (browser: Browser, name: string, microphone: boolean) => {
    const page = await openInvite(browser, await inviteLink(server, ROOM, name), name, { microphone });
    if (name === "Alice") {
      await page.context.addInitScript(watchBeeps);
      await page.context.addInitScript(keepVideoSenders);
    }
    pages.push(page);
    return page;
  };
  // Alice's page is opened again once the init script is in place (it applies to new documents).
  const alice = await open(aliceBrowser, "Alice", true);
  await alice.page.reload();
  await alice.page.getByTestId("invite-identity").waitFor({ timeout: 15_000 });
  await open(othersBrowser, "Bob", false);
  await open(othersBrowser, "Carol", false);
  for (const page of pages) await joinByInvite(page);
  for (const page of pages) {
    await page.expectDecoding(pages.filter((p) => p !== page).map((p) => p.name));
  }
  const token = await createJoinToken({
    apiKey: server.apiKey,
    apiSecret,
    room: ROOM,
    identity: "director",
    grant: { roomAdmin: true },
    ttlSeconds: 600,
  });
  admin = (await RoomClient.join(edge.url.replace(/^http/, "ws"), ROOM, "director", token)).client;
}, 240_000);

afterAll(async () => {
  admin?.close();
  for (const page of pages) await page.close();
  for (const browser of browsers) await browser.close().catch(() => {});
  await edge?.stop();
  await media?.stop();
  // HUDDLE_E2E_KEEP_RECORDINGS=1 keeps the files to look at (the path is printed).
  if (process.env.HUDDLE_E2E_KEEP_RECORDINGS === "1") console.log(`[e2e] recordings kept in ${dir}`);
  else if (dir !== undefined) await rm(join(dir, ".."), { recursive: true, force: true });
});

describe("a recorded call in real Chromium", () => {
  let manifest: RecordingManifest;
  let folder: string;
  let callS: number;
  let beepsAt: number[] = [];

  test("a 15 s call with a screen share and a participant who leaves is recorded and composed", async () => {
    const [alice, bob, carol] = pages;
    if (alice === undefined || bob === undefined || carol === undefined) throw new Error("the pages are not open");
    if (admin === undefined) throw new Error("no admin socket");
    // Everyone (the sender too) hears of it as an event, not as a reply.
    admin.send("start-recording", {});
    const started = await admin.waitFor("recording-started");
    const t0 = Date.parse(started.startedAt);
    await until(t0 + 4000);
    await bob.control("Share screen").click();
    const pressed = () => bob.control("Share screen").getAttribute("aria-pressed");
    await expect.poll(pressed, { timeout: 15_000 }).toBe("true");
    // Alice's browser stops her camera's top layer for two seconds while it is recorded.
    await until(t0 + 6000);
    expect(await setTopLayer(alice, false)).toBe(1);
    await until(t0 + 8000);
    expect(await setTopLayer(alice, true)).toBe(1);
    await until(t0 + 9000);
    await bob.control("Share screen").click();
    await expect.poll(pressed, { timeout: 15_000 }).toBe("false");
    await until(t0 + 11_000);
    await carol.page.getByRole("button", { name: "Leave call" }).click();
    await until(t0 + 15_000);
    admin.send("stop-recording", {});
    await admin.waitFor("recording-stopped");
    beepsAt = await alice.page.evaluate(() => (window as unknown as { __beeps: number[] }).__beeps);
    folder = await recordingFolder(started.recordingId);
    manifest = await waitFor(
      "the composition",
      async () => {
        const m = JSON.parse(await readFile(join(folder, "manifest.json"), "utf8")) as RecordingManifest;
        return m.composed === undefined ? undefined : m;
      },
      120_000,
      250,
    );
    expect(manifest.composed).toMatchObject({ file: "composed.mp4" });
    callS = (Date.parse(manifest.endedAt ?? "") - Date.parse(manifest.startedAt)) / 1000;
    expect(callS).toBeGreaterThan(14.5);
    const summary = manifest.tracks.map((t) => `${t.file} ${t.offsetMs}ms (${t.sync}, arrival ${t.arrivalOffsetMs}ms)`);
    console.log(`[e2e] recording tracks:\n  ${summary.join("\n  ")}`);
    const kinds = manifest.tracks.map((t) => `${t.kind}:${t.appData?.source ?? "?"}`).sort();
    expect(kinds).toEqual(["audio:microphone", "video:camera", "video:camera", "video:camera", "video:screen"]);
    expect(manifest.participants).not.toContain("director");
  });

  test("the composed file lasts the call, has one video and one audio stream, and decodes cleanly", async () => {
    const composed = join(folder, "composed.mp4");
    const info = await probe(composed);
    expect(Math.abs(info.durationS - callS)).toBeLessThan(1);
    expect(info.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual(["audio:aac", "video:h264"]);
    expect(await decodeErrors(composed)).toBe("");
  });

  test("a frame from the middle shows Alice's fake camera, moving, in her cell", async () => {
    const composed = join(folder, "composed.mp4");
    const videos = manifest.tracks.filter((t) => t.kind === "video");
    const cell = videos.findIndex((t) => t.peerId === manifest.tracks.find((a) => a.kind === "audio")?.peerId);
    expect(cell).toBeGreaterThanOrEqual(0);
    const cols = Math.ceil(Math.sqrt(videos.length));
    const rows = Math.ceil(videos.length / cols);
    const w = 2 * Math.floor(1280 / cols / 2);
    const h = 2 * Math.floor(720 / rows / 2);
    const crop = `crop=${w / 2}:${h / 2}:${(cell % cols) * w + w / 4}:${Math.floor(cell / cols) * h + h / 4}`;
    /** One frame at `s` of Alice's cell (its centre), scaled to 64x36, as raw pixels. */
    const frameAt = (s: number, pixFmt: "gray" | "rgb24" = "gray") =>
      spawnSync("ffmpeg", [
        ...["-hide_banner", "-loglevel", "error", "-nostdin", "-ss", s.toFixed(2), "-i", composed],
        ...["-frames:v", "1", "-vf", `${crop},scale=64:36`, "-f", "rawvideo", "-pix_fmt", pixFmt, "-"],
      ]).stdout;
    // Chromium's fake camera paints a pac-man (luma 255) on a background of luma 0 with chroma
    // that makes it green: luma alone cannot tell it from the black canvas (how much of the crop
    // the pac-man covers turns with its mouth), the green channel can (about 135 and 255, black 0).
    const greenAt = (s: number) => {
      const rgb = frameAt(s, "rgb24");
      let green = 0;
      for (let i = 1; i < rgb.length; i += 3) green += rgb[i] ?? 0;
      return rgb.length === 0 ? Number.NaN : green / (rgb.length / 3);
    };
    const mid = callS / 2;
    expect(greenAt(mid), "Alice's cell is not black").toBeGreaterThan(60);
    // The fake camera animates: her cell changes from one second to the next.
    const a = frameAt(mid);
    const b = frameAt(mid + 1);
    expect(a.length).toBe(64 * 36);
    let changed = 0;
    for (let i = 0; i < a.length; i++) if (Math.abs((a[i] ?? 0) - (b[i] ?? 0)) > 16) changed++;
    expect(changed, "pixels that changed in a second").toBeGreaterThan(20);
  });

  test("the audio is not silent and Alice's beeps are where she made them (the sync figure)", async () => {
    const composed = join(folder, "composed.mp4");
    const volume = spawnSync(
      "ffmpeg",
      ["-hide_banner", "-nostdin", "-i", composed, "-vn", "-af", "volumedetect", "-f", "null", "-"],
      {
        encoding: "utf8",
      },
    ).stderr;
    const maxVolume = Number(/max_volume: (-?[0-9.]+) dB/.exec(volume)?.[1] ?? Number.NaN);
    expect(maxVolume).toBeGreaterThan(-20);
    const startedAt = Date.parse(manifest.startedAt);
    const endedAt = Date.parse(manifest.endedAt ?? "");
    // The page timed each beep from its samples (watchBeeps); the WAV beeps every WAV_PERIOD_S,
    // so how far apart they came says how steady that clock is.
    const periodMs = WAV_PERIOD_S * 1000;
    console.log(
      `[e2e] recording: Alice's page timed the beeps ${beepsAt
        .slice(1)
        .map((at, i) => at - (beepsAt[i] ?? at) - periodMs)
        .join(", ")} ms off ${periodMs} ms apart`,
    );
    const expected = beepsAt
      .filter((at) => at > startedAt + 300 && at < endedAt - 500)
      .map((at) => (at - startedAt) / 1000);
    expect(expected.length, `beeps Alice made during the call (every ${WAV_PERIOD_S} s)`).toBeGreaterThanOrEqual(3);
    const { onsets: found, levels } = beepOnsetsS(composed);
    console.log(`[e2e] recording audio: ${levels}; beeps at ${found.map((f) => f.toFixed(3)).join(", ")} s`);
    const errorsMs = expected.map((e) => {
      let nearest = Number.POSITIVE_INFINITY;
      for (const f of found) if (Math.abs(f - e) < Math.abs(nearest - e)) nearest = f;
      return Math.round((nearest - e) * 1000);
    });
    console.log(
      `[e2e] recording sync: each beep in the composed file minus when Alice's page captured it: ${errorsMs.join(", ")} ms`,
    );
    for (const error of errorsMs) expect(Math.abs(error)).toBeLessThan(100);
  });

  test("every per-track file decodes without errors", async () => {
    for (const track of manifest.tracks) {
      expect(await decodeErrors(join(folder, track.file)), track.file).toBe("");
      expect(await timestampsNotIncreasing(join(folder, track.file)), track.file).toEqual([]);
      const info = await probe(join(folder, track.file));
      expect(info.streams).toHaveLength(1);
    }
  });

  test("no camera freezes in its file: no second without a frame, tiles small or a top layer stopped", async () => {
    // The share puts every camera on the filmstrip, so no page wants their top layer; dynacast
    // must still keep it on for the recorder (a layer stopped under it left a 1.5 s hole). And
    // when Alice's browser stops her top layer itself, the recorder moves down at once.
    for (const track of manifest.tracks.filter((t) => t.kind === "video" && t.appData?.source === "camera")) {
      const packets = await packetsOf(join(folder, track.file));
      let longest = 0;
      for (let i = 1; i < packets.length; i++) {
        longest = Math.max(longest, (packets[i]?.pts ?? 0) - (packets[i - 1]?.pts ?? 0));
      }
      expect(packets.length, track.file).toBeGreaterThan(50);
      expect(longest, `${track.file}: the longest time between two frames (s)`).toBeLessThan(1);
    }
  });
});
