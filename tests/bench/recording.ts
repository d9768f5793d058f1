// Recording's cost on a media node: `node tests/bench/recording.ts [--participants 2] [--seconds 20]`.
//
// The same call (each participant an FFmpeg sender of VP8 + Opus over plain transports) runs
// twice on one in-process media node: first not recorded (the baseline), then recorded. For each
// it reports the CPU of the node process and of its mediasoup worker, and for the recorded one
// the CPU of the recorder processes (GStreamer), per recorded participant-minute, and the disk
// bytes per participant-minute. Then the composition time per minute of call, beside FFmpeg's
// raw remux (`-c copy`) of the same per-track files as the baseline of reading them.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { mediaPaths as p, type RecordingListResponse, type RecordingManifest, recordingPaths } from "@huddle/protocol";
import { apiClient, startTestNode, waitFor } from "../media/helpers.ts";
import { ffmpegMissing, type Sender, startSender } from "../media/recording-media.ts";
import { runBench } from "./harness.ts";

const { values: args } = parseArgs({
  options: {
    participants: { type: "string", default: "2" },
    seconds: { type: "string", default: "20" },
  },
});
const PARTICIPANTS = Number(args.participants);
const SECONDS = Number(args.seconds);
const TICKS_PER_S = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** CPU seconds (user + system) a process has used so far, from /proc (0 once it is gone). */
function cpuOfPid(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return 0;
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function pidsMatching(pattern: string, parent?: number): number[] {
  const argv = parent === undefined ? ["-f", pattern] : ["-P", String(parent), "-f", pattern];
  const out = spawnSync("pgrep", argv, { encoding: "utf8" }).stdout;
  return out
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map(Number);
}

type Cpu = { node: number; worker: number };

function cpuNow(): Cpu {
  const usage = process.cpuUsage();
  const worker = pidsMatching("mediasoup-worker", process.pid).reduce((sum, pid) => sum + cpuOfPid(pid), 0);
  return { node: (usage.user + usage.system) / 1e6, worker };
}

async function main(): Promise<void> {
  const missing = ffmpegMissing();
  if (missing !== undefined) throw new Error(`the recording benchmark needs FFmpeg and GStreamer: ${missing}`);
  const dir = await mkdtemp(join(tmpdir(), "huddle-bench-rec-"));
  const node = await startTestNode({ recordingsDir: dir, recordingsMinFreeMb: 1 });
  const api = apiClient(node.url);
  const senders: Sender[] = [];
  const call = async (roomId: string) => {
    await api.put(p.room(roomId));
    const joined: Sender[] = [];
    for (let i = 0; i < PARTICIPANTS; i++) {
      joined.push(await startSender(api, roomId, `p${i}`, { ssrcBase: 10_000 * (i + 1) }));
    }
    senders.push(...joined);
    await Promise.all(joined.map((s) => s.flowing));
    return joined;
  };
  const hangUp = async (roomId: string, joined: Sender[]) => {
    await Promise.all(joined.map((s) => s.stop()));
    await api.del(p.room(roomId));
  };
  try {
    // 1. The call not recorded.
    const plain = await call("bench-plain");
    const plainFrom = cpuNow();
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    const plainTo = cpuNow();
    await hangUp("bench-plain", plain);

    // 2. The same call recorded.
    const recorded = await call("bench-rec");
    const recFrom = cpuNow();
    const started = Date.now();
    await api.post(recordingPaths.start("bench-rec"));
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    // The GStreamer processes themselves (not their sh wrappers, whose command lines match too).
    const recorders = pidsMatching(`gst-launch-1.0.*${dir}`).filter(
      (pid) => readFileSafe(`/proc/${pid}/comm`).trim() === "gst-launch-1.0",
    );
    const recorderCpu = recorders.reduce((sum, pid) => sum + cpuOfPid(pid), 0);
    const recTo = cpuNow();
    const stopAt = Date.now();
    await api.post(recordingPaths.stop("bench-rec"));
    const manifest: RecordingManifest = await waitFor(
      "the composition",
      async () => {
        const list = await api.get<RecordingListResponse>(recordingPaths.list("bench-rec"));
        const last = list.recordings.at(-1);
        return last?.composed === undefined ? undefined : last;
      },
      10 * 60_000,
      100,
    );
    const composeS = (Date.now() - stopAt) / 1000;
    await hangUp("bench-rec", recorded);
    if (!manifest.composed || "error" in manifest.composed) {
      throw new Error(`composition failed: ${JSON.stringify(manifest.composed)}`);
    }
    const callS = (Date.parse(manifest.endedAt ?? "") - Date.parse(manifest.startedAt)) / 1000;
    const folder = join(dir, "bench-rec", manifest.recordingId);
    let trackBytes = 0;
    for (const track of manifest.tracks) trackBytes += (await stat(join(folder, track.file))).size;
    const composedBytes = (await stat(join(folder, "composed.mp4"))).size;

    // 3. The baseline of composition: FFmpeg remuxing the same files without decoding.
    const remuxFrom = Date.now();
    for (const track of manifest.tracks) {
      const result = spawnSync("ffmpeg", [
        ...["-hide_banner", "-loglevel", "error", "-nostdin", "-i", join(folder, track.file)],
        ...["-c", "copy", "-f", "matroska", "-y", "/dev/null"],
      ]);
      if (result.status !== 0) throw new Error(`remux of ${track.file} failed`);
    }
    const remuxS = (Date.now() - remuxFrom) / 1000;

    const participantMinutes = (PARTICIPANTS * callS) / 60;
    const plainMinutes = (PARTICIPANTS * SECONDS) / 60;
    const perPm = (cpuS: number, minutes: number) => `${(cpuS / minutes).toFixed(2)} CPU-s`;
    console.log(
      `recording: ${PARTICIPANTS} participants (VP8 300 kb/s + Opus 48 kb/s each), ${SECONDS} s per call; ` +
        `recorded ${callS.toFixed(1)} s, ${manifest.tracks.length} tracks, ${recorders.length} recorder processes`,
    );
    console.log("| per participant-minute      | not recorded (base) | recorded |");
    console.log("|-----------------------------|---------------------|----------|");
    console.log(
      `| node process CPU            | ${perPm(plainTo.node - plainFrom.node, plainMinutes)} | ${perPm(recTo.node - recFrom.node, participantMinutes)} |`,
    );
    console.log(
      `| mediasoup worker CPU        | ${perPm(plainTo.worker - plainFrom.worker, plainMinutes)} | ${perPm(recTo.worker - recFrom.worker, participantMinutes)} |`,
    );
    console.log(`| recorder processes CPU      | - | ${perPm(recorderCpu, participantMinutes)} |`);
    console.log(`| disk, per-track files       | - | ${(trackBytes / participantMinutes / 1e6).toFixed(2)} MB |`);
    console.log(`| disk, composed.mp4          | - | ${(composedBytes / participantMinutes / 1e6).toFixed(2)} MB |`);
    console.log(
      `composition: ${(composeS / (callS / 60)).toFixed(1)} s per minute of call ` +
        `(base: FFmpeg's -c copy remux of the same files, ${(remuxS / (callS / 60)).toFixed(2)} s per minute); ` +
        `recording start took ${Date.parse(manifest.startedAt) - started} ms`,
    );
  } finally {
    await Promise.all(senders.map((s) => s.stop()));
    await node.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await runBench("recording", main);
