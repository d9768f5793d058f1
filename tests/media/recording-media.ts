// Helpers of the recording tests: real VP8/Opus RTP from FFmpeg into a node's plain transports,
// and ffprobe/ffmpeg checks of the files the node wrote.
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { type CreatePlainTransportResponse, type ProduceResponse, mediaPaths as p } from "@huddle/protocol";
import { type ApiClient, opusRtpParameters, vp8RtpParameters } from "./helpers.ts";

const run = promisify(execFile);

/** Why the recording tests cannot run here (no ffmpeg/ffprobe): they must fail, not skip. */
export function ffmpegMissing(): string | undefined {
  const tools: [string, string][] = [
    ["ffmpeg", "-version"],
    ["ffprobe", "-version"],
    ["gst-launch-1.0", "--version"],
  ];
  for (const [tool, flag] of tools) {
    if (spawnSync(tool, [flag], { stdio: "ignore" }).status !== 0) return `${tool} is not installed`;
  }
  return undefined;
}

export type Sender = {
  peerId: string;
  producerIds: string[];
  process: ChildProcess;
  /** Resolves once FFmpeg has sent its first media (its progress report says so). */
  flowing: Promise<void>;
  stop(): Promise<void>;
};

/**
 * A participant sending real media through plain transports: FFmpeg encodes a test pattern
 * (VP8, a key frame every second) and a sine tone (Opus) and sends them as RTP, in real time, with
 * RTCP sender reports. With `eventAtS`, both carry one event captured at the same instant, that
 * many seconds after the sender started: the picture turns white and the sound (silent otherwise)
 * beeps for 0.3 s (flashTimesS and beepTimesS find it in a file).
 */
export async function startSender(
  api: ApiClient,
  roomId: string,
  peerId: string,
  options: { audio?: boolean; video?: boolean; ssrcBase: number; eventAtS?: number },
): Promise<Sender> {
  const at = options.eventAtS;
  // Each RTP output's sender reports map its time 0 to one wall-clock instant, the same for both
  // (FFmpeg's default is each output's own start, which differ by the encoders' start-up).
  const clock = ["-start_time_realtime", String(Date.now() * 1000)];
  const during = at === undefined ? "" : `between(t,${at},${at + 0.3})`;
  const outputs: string[] = [];
  const producerIds: string[] = [];
  const inputs: string[] = [];
  let index = 0;
  const open = async (kind: "audio" | "video", ssrc: number) => {
    const t = await api.post<CreatePlainTransportResponse>(p.plainTransports(roomId, peerId), {
      direction: "send",
      comedia: true,
      // FFmpeg sends RTCP from its own port: a separate RTCP port (so comedia learns each tuple apart).
      rtcpMux: false,
    });
    const rtpParameters = kind === "video" ? vp8RtpParameters(ssrc) : opusRtpParameters(ssrc);
    const producer = await api.post<ProduceResponse>(p.produce(roomId, peerId, t.id), { kind, rtpParameters });
    producerIds.push(producer.id);
    return `rtp://127.0.0.1:${t.port}?rtcpport=${t.rtcpPort}`;
  };
  if (options.video !== false) {
    const url = await open("video", options.ssrcBase);
    const flash = at === undefined ? "" : `,drawbox=c=white:t=fill:enable='${during}'`;
    inputs.push("-re", "-f", "lavfi", "-i", `testsrc=size=320x240:rate=25${flash}`);
    outputs.push(
      ...["-map", `${index}:v`, "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k"],
      ...["-g", "25", "-payload_type", "96", "-ssrc", String(options.ssrcBase), ...clock, "-f", "rtp"],
      `${url}&pkt_size=1200`,
    );
    index++;
  }
  if (options.audio !== false) {
    const url = await open("audio", options.ssrcBase + 1);
    const beep = at === undefined ? "" : `,volume=volume='if(${during},1,0)':eval=frame`;
    inputs.push("-re", "-f", "lavfi", "-i", `sine=frequency=440:sample_rate=48000${beep}`);
    outputs.push(
      ...["-map", `${index}:a`, "-c:a", "libopus", "-ac", "2", "-b:a", "48k", "-payload_type", "100"],
      ...["-ssrc", String(options.ssrcBase + 1), ...clock, "-f", "rtp", url],
    );
    index++;
  }
  const progress = ["-stats_period", "0.1", "-progress", "pipe:1"];
  const child = spawn(
    "ffmpeg",
    ["-hide_banner", "-loglevel", "error", "-nostdin", ...progress, ...inputs, ...outputs],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const flowing = new Promise<void>((resolve, reject) => {
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      if (/out_time_us=[1-9]/.test(chunk)) resolve();
    });
    void exited.then(() => reject(new Error(`the sender of ${peerId} exited before sending`)));
  });
  flowing.catch(() => {});
  return {
    peerId,
    producerIds,
    process: child,
    flowing,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

export type Probe = { durationS: number; streams: { codec_type: string; codec_name: string }[] };

/** ffprobe's view of a file (rejects when ffprobe cannot read it). */
export async function probe(file: string): Promise<Probe> {
  const { stdout } = await run("ffprobe", ["-v", "error", "-show_format", "-show_streams", "-of", "json", file]);
  const json = JSON.parse(stdout) as { format: { duration?: string }; streams: Probe["streams"] };
  return { durationS: Number(json.format.duration ?? Number.NaN), streams: json.streams };
}

/** The time its packets span, first to last (cut files have no duration in their header). */
export async function decodedDurationS(file: string): Promise<number> {
  const { stdout } = await run("ffprobe", [
    ...["-v", "error", "-show_entries", "packet=pts_time,duration_time", "-of", "csv=p=0", file],
  ]);
  let start = Number.POSITIVE_INFINITY;
  let end = 0;
  for (const line of stdout.split("\n")) {
    const [pts, dur] = line.split(",").map(Number);
    if (pts === undefined || !Number.isFinite(pts)) continue;
    start = Math.min(start, pts);
    end = Math.max(end, pts + (Number.isFinite(dur) ? (dur ?? 0) : 0));
  }
  return Number.isFinite(start) ? end - start : 0;
}

/**
 * FFmpeg's decode errors for a file (empty: it decodes cleanly), each on its own line (`repeat`:
 * no "Last message repeated" summaries). Warnings about timestamps (e.g. "non monotonically
 * increasing dts") count too: a recorded file's timestamps must only go forward. The decoded
 * frames keep the file's own time base (`-enc_time_base -1`): a browser's video has a variable
 * frame rate, and in the 1/fps time base FFmpeg guesses from its first frames (e.g. 1/20) two
 * distinct frames 40 ms apart would share one timestamp at the null muxer.
 */
export async function decodeErrors(file: string): Promise<string> {
  const { stderr } = await run("ffmpeg", [
    ...["-v", "repeat+error", "-nostdin", "-i", file, "-enc_time_base", "-1", "-f", "null", "-"],
  ]);
  return stderr
    .split("\n")
    .filter((line) => line.trim() !== "")
    .join("\n");
}

/** When (s, file time) the picture turns bright: frames whose mean luma rises above `minLuma` after a darker one. */
export async function flashTimesS(file: string, minLuma = 160): Promise<number[]> {
  const { stdout } = await run("ffprobe", [
    ...["-v", "error", "-f", "lavfi", "-i", `movie=${file},signalstats`],
    ...["-show_entries", "frame=pts_time:frame_tags=lavfi.signalstats.YAVG", "-of", "csv=p=0"],
  ]);
  const times: number[] = [];
  let bright = false;
  for (const line of stdout.split("\n")) {
    const [pts, luma] = line.split(",").map(Number);
    if (pts === undefined || luma === undefined || !Number.isFinite(pts) || !Number.isFinite(luma)) continue;
    if (luma >= minLuma && !bright) times.push(pts);
    bright = luma >= minLuma;
  }
  return times;
}

/** When (s, file time) a sound starts after at least 0.2 s of silence (FFmpeg's silencedetect). */
export async function beepTimesS(file: string): Promise<number[]> {
  const { stderr } = await run("ffmpeg", [
    ...["-hide_banner", "-nostdin", "-i", file, "-vn", "-af", "silencedetect=noise=-30dB:d=0.2", "-f", "null", "-"],
  ]);
  return [...stderr.matchAll(/silence_end: (-?[0-9.]+)/g)].map((m) => Number(m[1]));
}

/** The packets of a file's first stream whose time is not after the one before (in file order). */
export async function timestampsNotIncreasing(file: string): Promise<string[]> {
  const packets = await packetsOf(file);
  return packets.flatMap((p, i) => {
    const before = packets[i - 1];
    return before !== undefined && p.pts <= before.pts ? [`#${i}: ${before.pts} then ${p.pts}`] : [];
  });
}

/** Every packet of a file's first stream: its time (s) and whether it is a key frame. */
export async function packetsOf(file: string): Promise<{ pts: number; key: boolean }[]> {
  const { stdout } = await run("ffprobe", [
    ...["-v", "error", "-select_streams", "0", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", file],
  ]);
  return stdout
    .split("\n")
    .map((line) => line.split(","))
    .filter(([pts]) => pts !== undefined && Number.isFinite(Number(pts)) && pts !== "")
    .map(([pts, flags]) => ({ pts: Number(pts), key: (flags ?? "").includes("K") }));
}
