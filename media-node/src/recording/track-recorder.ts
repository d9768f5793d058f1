import { join } from "node:path";
import type { RecordingStopReason, RecordingTrack } from "@huddle/protocol";
import type { types } from "mediasoup";
import { clearKeyFrameRequests, keyFrameRequests } from "../key-frames.ts";
import type { Logger } from "../log.ts";
import type { ProducerEntry } from "../media-peer.ts";
import { containerFor, recorderPipeline } from "./pipeline.ts";
import { RecorderProcess } from "./recorder-process.ts";
import { type FirstPacket, ntpToUnixMs, type SenderReport, senderTimeOf } from "./sender-clock.ts";
import { freeRtpPortPair, portTaken } from "./udp-ports.ts";

/** Codecs that ride along a media codec. */
const AUXILIARY_CODEC = /\/(rtx|red|ulpfec|flexfec-03)$/i;
/** Key frames are asked for again this long after the start (a first one may arrive before the recorder reads). */
const KEY_FRAME_RETRIES_MS = [300, 1000, 2500];
const RECORDER_BIND_TIMEOUT_MS = 10_000;
/** A recorder that could not start (its port taken meanwhile, a slow start) is tried again this many times. */
const RECORDER_START_ATTEMPTS = 3;

export type TrackRecorderOptions = {
  router: types.Router;
  entry: ProducerEntry;
  /** The recording's folder. */
  dir: string;
  gstLaunchPath: string;
  log: Logger;
  /** Called once when the track ended, whatever ended it; `track` is final. */
  onEnd: (recorder: TrackRecorder) => void;
  /** Called when `track` changed (first packet seen). */
  onChange: () => void;
};

/**
 * Records one producer: a PlainTransport on loopback and a consumer of the
 * producer (only its media codec: no RTX) into a GStreamer process that copies
 * the RTP payload into a file. prepare() starts the recorder with the consumer
 * paused; begin() lets the media flow (so a recording's first tracks can all be
 * made ready before it starts). Video starts on a key frame (mediasoup forwards
 * none before one; one is requested, and again shortly after in case the
 * first was lost). The producer's RTCP sender reports are kept (a trace of
 * the producer) to place the first packet on the sender's clock. The track
 * ends when the producer closes, the recorder fails, or stop() is called.
 */
export class TrackRecorder {
  readonly track: RecordingTrack;
  readonly #options: TrackRecorderOptions;
  #transport: types.PlainTransport | undefined;
  #process: RecorderProcess | undefined;
  #consumer: types.Consumer | undefined;
  /** The key-frame requests after the start. */
  #startRetries: NodeJS.Timeout[] = [];
  #ending: Promise<void> | undefined;
  /** The first sender report of each of the producer's streams (ssrc). */
  readonly #senderReports = new Map<number, SenderReport>();
  #firstPacketMs: number | undefined;
  #recordingStartedAt = 0;

  private constructor(options: TrackRecorderOptions, track: RecordingTrack) {
    this.#options = options;
    this.track = track;
  }

  /** The track's codec can be recorded without transcoding. */
  static recordable(entry: ProducerEntry): boolean {
    const codec = entry.producer.rtpParameters.codecs.find((c) => !AUXILIARY_CODEC.test(c.mimeType));
    return codec !== undefined && containerFor(codec.mimeType) !== undefined;
  }

  /** Opens the transport and the recorder, the consumer still paused (nothing flows before begin()). */
  static async prepare(options: TrackRecorderOptions, index: number): Promise<TrackRecorder> {
    const { entry } = options;
    const { producer } = entry;
    const codec = producer.rtpParameters.codecs.find((c) => !AUXILIARY_CODEC.test(c.mimeType));
    const container = codec === undefined ? undefined : containerFor(codec.mimeType);
    if (codec === undefined || container === undefined)
      throw new Error(`codec of producer ${producer.id} not recordable`);
    const base = `${String(index).padStart(3, "0")}-${producer.kind}-${safeName(entry.peer.id)}`;
    for (let attempt = 1; ; attempt++) {
      const track: RecordingTrack = {
        file: `${base}.${container}`,
        producerId: producer.id,
        peerId: entry.peer.id,
        kind: producer.kind,
        mimeType: codec.mimeType,
        ...(entry.appData === undefined ? {} : { appData: entry.appData }),
        startedAt: new Date().toISOString(),
        clockRate: codec.clockRate,
      };
      const recorder = new TrackRecorder(options, track);
      try {
        await recorder.#open(codec.mimeType);
        return recorder;
      } catch (error) {
        // Abandoned: its consumer's close and its process's exit must not end the track (stop() is a no-op).
        recorder.#ending = Promise.resolve();
        await recorder.#teardown();
        if (attempt >= RECORDER_START_ATTEMPTS || producer.closed) throw error;
        options.log.warn("recorder did not start; trying again", { producerId: producer.id, attempt, error });
      }
    }
  }

  /** prepare() then begin(), for a track that comes during a recording. */
  static async start(options: TrackRecorderOptions, index: number, recordingStartedAt: number): Promise<TrackRecorder> {
    const recorder = await TrackRecorder.prepare(options, index);
    try {
      await recorder.begin(recordingStartedAt);
    } catch (error) {
      await recorder.stop("recorder-failed");
      throw error;
    }
    return recorder;
  }

  get ended(): boolean {
    return this.#ending !== undefined;
  }

  /** The first recorded packet (once it came), for the sync (sender-clock.ts). */
  get firstPacket(): FirstPacket | undefined {
    const { track } = this;
    if (this.#firstPacketMs === undefined || track.offsetMs === undefined) return undefined;
    const arrivalOffsetMs = track.arrivalOffsetMs ?? track.offsetMs;
    const senderMs =
      track.firstRtpTimestamp === undefined
        ? undefined
        : senderTimeOf(track.firstRtpTimestamp, track.clockRate, this.#senderReports.values(), this.#firstPacketMs);
    return { peerId: track.peerId, arrivalOffsetMs, arrivalMs: this.#firstPacketMs, senderMs };
  }

  /**
   * Lets the media flow into the recorder: offsets are measured from `recordingStartedAt` (epoch ms).
   * Video asks for a key frame at once.
   */
  async begin(recordingStartedAt: number): Promise<void> {
    const consumer = this.#consumer;
    if (consumer === undefined || this.ended) return;
    this.#recordingStartedAt = recordingStartedAt;
    await consumer.resume();
    if (consumer.kind === "video") {
      await consumer.requestKeyFrame();
      this.#startRetries = keyFrameRequests(consumer, KEY_FRAME_RETRIES_MS, () => false);
    }
    // Stopped while it resumed: nothing to follow. A simulcast consumer follows the layers its
    // publisher still sends (layer-watch.ts): without it, a layer the publisher stopped would
    // leave the file frozen until mediasoup gave up on it.
    if (this.#ending === undefined) this.#options.entry.layers?.follow(consumer);
  }

  /** Watches for the first packet (the consumer's trace) and the producer's sender reports. */
  async #trace(consumer: types.Consumer): Promise<void> {
    const { producer } = this.#options.entry;
    producer.on("trace", this.#onProducerTrace);
    await producer.enableTraceEvent(["sr"]);
    await consumer.enableTraceEvent(["rtp"]);
    consumer.on("trace", (trace) => {
      if (trace.type !== "rtp" || this.#firstPacketMs !== undefined) return;
      const at = Date.now();
      this.#firstPacketMs = at;
      this.track.firstPacketAt = new Date(at).toISOString();
      this.track.offsetMs = at - this.#recordingStartedAt;
      const rtpTimestamp = (trace.info as { rtpPacket?: { timestamp?: number } } | undefined)?.rtpPacket?.timestamp;
      if (typeof rtpTimestamp === "number") this.track.firstRtpTimestamp = rtpTimestamp;
      consumer.enableTraceEvent([]).catch(() => {});
      this.#options.onChange();
    });
  }

  /** Keeps the first sender report of each of the producer's streams. */
  #onProducerTrace = (trace: types.ProducerTraceEventData): void => {
    if (trace.type !== "sr") return;
    const info = trace.info as { ssrc?: number; ntpSec?: number; ntpFrac?: number; rtpTs?: number } | undefined;
    if (info?.ssrc === undefined || info.ntpSec === undefined || info.rtpTs === undefined) return;
    if (this.#senderReports.has(info.ssrc)) return;
    this.#senderReports.set(info.ssrc, {
      ssrc: info.ssrc,
      ntpMs: ntpToUnixMs(info.ntpSec, info.ntpFrac ?? 0),
      rtpTimestamp: info.rtpTs,
    });
  };

  /** Sets the track's final offset (the sync of the whole recording, sender-clock.ts). */
  settleOffset(offsetMs: number, sync: "sender-report" | "arrival"): void {
    if (this.track.offsetMs === undefined) return;
    this.track.arrivalOffsetMs ??= this.track.offsetMs;
    this.track.offsetMs = Math.round(offsetMs);
    this.track.sync = sync;
  }

  /** Ends the track (idempotent): the recorder finishes the file. */
  stop(reason: RecordingStopReason): Promise<void> {
    this.#ending ??= (async () => {
      // The track ends now (its file may take a moment to be finished).
      this.track.endedAt = new Date().toISOString();
      await this.#teardown();
      this.track.endReason = reason;
      this.#options.onEnd(this);
    })();
    return this.#ending;
  }

  async #open(mimeType: string): Promise<void> {
    const { router, entry, dir, gstLaunchPath } = this.#options;
    const { producer } = entry;
    const transport = await router.createPlainTransport({
      listenInfo: { protocol: "udp", ip: "127.0.0.1" },
      rtcpMux: false,
      comedia: false,
      appData: { recorder: true, producerId: producer.id },
    });
    this.#transport = transport;
    const port = await freeRtpPortPair();
    await transport.connect({ ip: "127.0.0.1", port, rtcpPort: port + 1 });
    const rtpCapabilities: types.RtpCapabilities = {
      codecs: (router.rtpCapabilities.codecs ?? []).filter((c) => c.mimeType.toLowerCase() === mimeType.toLowerCase()),
      headerExtensions: router.rtpCapabilities.headerExtensions ?? [],
    };
    const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities, paused: true });
    // The consumer closes with its producer, or with the router (the room closed).
    consumer.observer.once("close", () => void this.stop(router.closed ? "room-closed" : "producer-closed"));

    const pipeline = recorderPipeline(consumer.kind, consumer.rtpParameters, port, join(dir, this.track.file));
    const recorder = new RecorderProcess(gstLaunchPath, pipeline);
    this.#process = recorder;
    void recorder.exited.then((code) => {
      if (this.#ending !== undefined) return;
      this.#options.log.warn("recorder exited", { producerId: producer.id, code, stderr: recorder.stderr });
      void this.stop("recorder-failed");
    });
    await this.#waitForRecorder(port, recorder);
    await this.#trace(consumer);
    this.#consumer = consumer;
  }

  /** Until the recorder holds its RTP port (so the first key frame is not sent into the void). */
  async #waitForRecorder(port: number, recorder: RecorderProcess): Promise<void> {
    let exited = false;
    void recorder.exited.then(() => {
      exited = true;
    });
    const deadline = Date.now() + RECORDER_BIND_TIMEOUT_MS;
    while (!(await portTaken(port))) {
      if (exited) throw new Error(`the recorder exited at once: ${recorder.stderr}`);
      if (Date.now() > deadline) throw new Error("the recorder did not open its port in time");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async #teardown(): Promise<void> {
    clearKeyFrameRequests(this.#startRetries);
    const { producer } = this.#options.entry;
    producer.off("trace", this.#onProducerTrace);
    if (!producer.closed) producer.enableTraceEvent([]).catch(() => {});
    const recorder = this.#process;
    await recorder?.stop();
    this.#transport?.close();
  }
}

function safeName(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 40) || "peer";
}
