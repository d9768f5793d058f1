import type { types } from "mediasoup";

/** How each recordable codec is depayloaded and muxed (no transcoding), and the file it gives. */
const CODECS: Record<string, { encodingName: string; depay: string[]; mux: string; extension: "webm" | "mkv" }> = {
  "audio/opus": { encodingName: "OPUS", depay: ["rtpopusdepay", "!", "opusparse"], mux: "webmmux", extension: "webm" },
  "video/vp8": { encodingName: "VP8", depay: ["rtpvp8depay"], mux: "webmmux", extension: "webm" },
  "video/vp9": { encodingName: "VP9", depay: ["rtpvp9depay"], mux: "webmmux", extension: "webm" },
  "video/h264": {
    encodingName: "H264",
    depay: ["rtph264depay", "!", "h264parse"],
    mux: "matroskamux",
    extension: "mkv",
  },
};

/** The file extension a codec is recorded in, or undefined when it cannot be recorded. */
export function containerFor(mimeType: string): "webm" | "mkv" | undefined {
  return CODECS[mimeType.toLowerCase()]?.extension;
}

/**
 * The GStreamer pipeline (gst-launch-1.0 arguments) that records one consumer's RTP from
 * 127.0.0.1:`port` into `file`: a jitter buffer (reordering), the codec's depayloader, and
 * Matroska/WebM with a cluster at least every second. The jitter buffer takes its timestamps from
 * the RTP timestamps (`mode=synced`): from the first packet on, file time follows the RTP clock,
 * which the sync maps to the sender's clock. (Its default mode, which slaves to arrival times,
 * squeezed the timestamps of packets that arrived in a burst and repeated some, so FFmpeg found
 * non monotonically increasing timestamps in the files. `mode=none` restarts at 0 after a jump of
 * the RTP clock of over 3 s, a long mute; `synced` goes on from the packet's arrival then.) On EOS (gst-launch -e turns SIGINT into one)
 * the muxer finishes the file (duration, cues), packets or not.
 */
export function recorderPipeline(
  kind: types.MediaKind,
  rtpParameters: types.RtpParameters,
  port: number,
  file: string,
): string[] {
  const codec = rtpParameters.codecs[0];
  if (codec === undefined) throw new Error("the consumer has no codec");
  const spec = CODECS[codec.mimeType.toLowerCase()];
  if (spec === undefined) throw new Error(`${codec.mimeType} cannot be recorded`);
  const caps =
    `application/x-rtp,media=${kind},clock-rate=${codec.clockRate},` +
    `encoding-name=${spec.encodingName},payload=${codec.payloadType}`;
  return [
    "udpsrc",
    "address=127.0.0.1",
    `port=${port}`,
    "reuse=false",
    "buffer-size=2097152",
    `caps=${caps}`,
    "!",
    "rtpjitterbuffer",
    "latency=200",
    "mode=synced",
    "!",
    ...spec.depay,
    "!",
    spec.mux,
    "max-cluster-duration=1000000000",
    "!",
    "filesink",
    `location=${file}`,
    "buffer-mode=unbuffered",
    "sync=false",
  ];
}
