import { spawn } from "node:child_process";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { RecordingManifest, RecordingTrack } from "@huddle/protocol";

export const COMPOSED_FILE = "composed.mp4";
const WIDTH = 1280;
const HEIGHT = 720;
const FPS = 25;

/** Columns and rows of a grid for `n` tiles (at least one cell). */
export function gridFor(n: number): { cols: number; rows: number } {
  const cols = Math.max(1, Math.ceil(Math.sqrt(n)));
  return { cols, rows: Math.max(1, Math.ceil(n / cols)) };
}

async function usable(dir: string, track: RecordingTrack): Promise<boolean> {
  if (track.offsetMs === undefined) return false;
  const size = await stat(join(dir, track.file)).then(
    (s) => s.size,
    () => 0,
  );
  return size > 0;
}

/**
 * The FFmpeg arguments that compose a recording: every video track scaled
 * into its cell of a grid on a black 1280x720 canvas from its offset on (and
 * gone when it ended), every audio track delayed by its offset and mixed;
 * H.264 + AAC in an MP4 as long as the recording.
 */
export function composeArgs(
  dir: string,
  videos: RecordingTrack[],
  audios: RecordingTrack[],
  durationS: number,
): string[] {
  const inputs: string[] = [];
  const filters: string[] = [];
  const { cols, rows } = gridFor(videos.length);
  const cellW = 2 * Math.floor(WIDTH / cols / 2);
  const cellH = 2 * Math.floor(HEIGHT / rows / 2);
  filters.push(`color=c=black:s=${WIDTH}x${HEIGHT}:r=${FPS}:d=${durationS.toFixed(3)}[base0]`);
  videos.forEach((track, i) => {
    // A simulcast camera's file changes resolution where the recorder's consumer switched layers.
    // By default FFmpeg then rebuilds the whole filter graph, which restarts every chain in it
    // (the audio's timestamps went back to 0 and the rest of it was lost); scale copes instead.
    inputs.push("-reinit_filter", "0", "-i", join(dir, track.file));
    const offset = ((track.offsetMs ?? 0) / 1000).toFixed(3);
    const x = (i % cols) * cellW;
    const y = Math.floor(i / cols) * cellH;
    filters.push(
      `[${i}:v]setpts=PTS-STARTPTS+${offset}/TB,scale=${cellW}:${cellH}:force_original_aspect_ratio=decrease,` +
        `pad=${cellW}:${cellH}:(ow-iw)/2:(oh-ih)/2[v${i}]`,
      `[base${i}][v${i}]overlay=${x}:${y}:eof_action=pass:shortest=0[base${i + 1}]`,
    );
  });
  const videoOut = `base${videos.length}`;
  audios.forEach((track, j) => {
    inputs.push("-i", join(dir, track.file));
    // A track synced to start a little before the recording (sender-clock.ts) loses that bit.
    const offsetMs = Math.round(track.offsetMs ?? 0);
    const place =
      offsetMs >= 0 ? `adelay=${offsetMs}:all=1` : `atrim=start=${(-offsetMs / 1000).toFixed(3)},asetpts=PTS-STARTPTS`;
    filters.push(`[${videos.length + j}:a]asetpts=PTS-STARTPTS,aresample=48000:async=1,${place}[a${j}]`);
  });
  if (audios.length === 0) filters.push("anullsrc=r=48000:cl=stereo[aout]");
  else if (audios.length === 1) filters.push("[a0]apad[aout]");
  else {
    const labels = audios.map((_, j) => `[a${j}]`).join("");
    filters.push(`${labels}amix=inputs=${audios.length}:duration=longest:normalize=0,apad[aout]`);
  }
  return [
    "-hide_banner",
    "-loglevel",
    "error",
    "-nostdin",
    ...inputs,
    "-filter_complex",
    filters.join(";"),
    "-map",
    `[${videoOut}]`,
    "-map",
    "[aout]",
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-pix_fmt",
    "yuv420p",
    "-r",
    String(FPS),
    "-c:a",
    "aac",
    "-b:a",
    "128k",
    "-t",
    durationS.toFixed(3),
    "-movflags",
    "+faststart",
    "-y",
    join(dir, COMPOSED_FILE),
  ];
}

/** Composes a stopped recording into `composed.mp4`; rejects with FFmpeg's error output. */
export async function composeRecording(
  dir: string,
  manifest: RecordingManifest,
  ffmpegPath: string,
): Promise<{ file: string; durationMs: number }> {
  if (manifest.endedAt === undefined) throw new Error("the recording has not ended");
  const durationMs = Date.parse(manifest.endedAt) - Date.parse(manifest.startedAt);
  const tracks = [];
  for (const track of manifest.tracks) if (await usable(dir, track)) tracks.push(track);
  const videos = tracks.filter((t) => t.kind === "video");
  const audios = tracks.filter((t) => t.kind === "audio");
  const args = composeArgs(dir, videos, audios, Math.max(durationMs, 100) / 1000);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(ffmpegPath, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`ffmpeg exited with ${code}: ${stderr.trim()}`));
    });
  });
  return { file: COMPOSED_FILE, durationMs };
}
