import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { RecordingManifest, RecordingStopReason } from "@huddle/protocol";
import type { Logger } from "../log.ts";
import type { ProducerEntry } from "../media-peer.ts";
import type { MediaRoom } from "../media-room.ts";
import { composeRecording } from "./compose.ts";
import { freeBytes } from "./disk-space.ts";
import { newRecordingId, writeManifest } from "./manifest-file.ts";
import { syncedOffsets } from "./sender-clock.ts";
import { TrackRecorder, type TrackRecorderOptions } from "./track-recorder.ts";

export type RoomRecordingOptions = {
  room: MediaRoom;
  /** The room's folder; the recording gets its own folder inside. */
  roomDir: string;
  ffmpegPath: string;
  gstLaunchPath: string;
  minFreeBytes: number;
  diskCheckMs: number;
  log: Logger;
};

/**
 * One recording of one room: a TrackRecorder for every producer there is at
 * the start and every one added later (late joiners, screen shares,
 * reconnects); the manifest rewritten on every change; free disk space
 * watched (below the minimum the recording stops itself, `disk-low`); the
 * room's closing stops it. The recorders of the tracks there are at the start
 * are made ready first and the recording starts when they are, so their
 * files begin with it. After stop, the tracks' offsets are settled from the
 * senders' RTCP sender reports and the tracks are composed into one MP4.
 */
export class RoomRecording {
  readonly manifest: RecordingManifest;
  readonly dir: string;
  readonly #options: RoomRecordingOptions;
  #startedAt: number;
  readonly #tracks: TrackRecorder[] = [];
  readonly #pending = new Set<Promise<void>>();
  /** Producers added while the first recorders got ready: recorded once the recording began. */
  #waiting: ProducerEntry[] | undefined = [];
  #index = 0;
  #diskTimer: NodeJS.Timeout | undefined;
  #stopping: Promise<RecordingManifest> | undefined;
  #writing: Promise<void> = Promise.resolve();
  #onProducer = (entry: ProducerEntry) => this.#add(entry);
  #onRoomClose = () => void this.stop("room-closed");
  /** Resolves once composition finished (or failed: see manifest.composed). */
  composed: Promise<void> = new Promise(() => {});
  /** Called once when stopping begins. */
  onStopping: (() => void) | undefined;
  /** Called once after stop, with the final manifest (composition included). */
  onFinished: ((manifest: RecordingManifest) => void) | undefined;

  private constructor(options: RoomRecordingOptions, id: string, startedAt: number) {
    this.#options = options;
    this.#startedAt = startedAt;
    this.dir = join(options.roomDir, id);
    this.manifest = {
      version: 1,
      recordingId: id,
      roomId: options.room.id,
      startedAt: new Date(startedAt).toISOString(),
      participants: [],
      tracks: [],
    };
  }

  /**
   * Creates the folder, gets a recorder ready for every producer of the room, then starts: the
   * recording's start is when they all are ready (the manifest is written then), and the media
   * flows into them from that moment.
   */
  static async start(options: RoomRecordingOptions): Promise<RoomRecording> {
    const now = new Date();
    const recording = new RoomRecording(options, newRecordingId(now), now.getTime());
    await mkdir(recording.dir, { recursive: true });
    const { room } = options;
    room.observer.on("producer", recording.#onProducer);
    room.observer.once("close", recording.#onRoomClose);
    const beginning = recording.#begin(room.producers());
    recording.#pending.add(beginning);
    await beginning.finally(() => recording.#pending.delete(beginning));
    recording.#diskTimer = setInterval(() => void recording.#checkDisk(), options.diskCheckMs);
    recording.#diskTimer.unref();
    return recording;
  }

  get active(): boolean {
    return this.#stopping === undefined;
  }

  get trackCount(): number {
    return this.#tracks.length;
  }

  /** Stops every track, writes the final manifest and starts composing (see `composed`). Idempotent. */
  stop(reason: RecordingStopReason): Promise<RecordingManifest> {
    this.#stopping ??= (async () => {
      const { room, log } = this.#options;
      this.onStopping?.();
      clearInterval(this.#diskTimer);
      room.observer.off("producer", this.#onProducer);
      room.observer.off("close", this.#onRoomClose);
      await Promise.allSettled([...this.#pending]);
      await Promise.all(this.#tracks.map((t) => t.stop(reason)));
      this.#settleOffsets();
      this.manifest.endedAt = new Date().toISOString();
      this.manifest.stopReason = reason;
      await this.#save();
      log.info("recording stopped", { roomId: room.id, recordingId: this.manifest.recordingId, reason });
      this.composed = this.#compose();
      return this.manifest;
    })();
    return this.#stopping;
  }

  /** The first tracks' recorders get ready, the recording's start is set, then their media flows. */
  async #begin(entries: ProducerEntry[]): Promise<void> {
    const prepared = await Promise.all(
      entries
        .filter((entry) => TrackRecorder.recordable(entry))
        .map((entry) =>
          TrackRecorder.prepare(this.#trackOptions(entry), this.#index++).catch((error: unknown) => {
            this.#options.log.warn("track not recorded", { producerId: entry.producer.id, error });
            return undefined;
          }),
        ),
    );
    this.#startedAt = Date.now();
    this.manifest.startedAt = new Date(this.#startedAt).toISOString();
    for (const track of prepared) if (track !== undefined) this.#adopt(track);
    await this.#save();
    await Promise.all(
      this.#tracks.map((track) =>
        track.begin(this.#startedAt).catch(async (error: unknown) => {
          this.#options.log.warn("track not recorded", { producerId: track.track.producerId, error });
          await track.stop("recorder-failed");
        }),
      ),
    );
    const waiting = this.#waiting ?? [];
    this.#waiting = undefined;
    for (const entry of waiting) this.#add(entry);
  }

  #trackOptions(entry: ProducerEntry): TrackRecorderOptions {
    return {
      router: this.#options.room.router,
      entry,
      dir: this.dir,
      gstLaunchPath: this.#options.gstLaunchPath,
      log: this.#options.log,
      onEnd: () => void this.#save(),
      onChange: () => void this.#save(),
    };
  }

  /** A ready track joins the recording (its manifest entry, its participant). */
  #adopt(track: TrackRecorder): void {
    this.#tracks.push(track);
    this.manifest.tracks.push(track.track);
    if (!this.manifest.participants.includes(track.track.peerId)) this.manifest.participants.push(track.track.peerId);
  }

  #add(entry: ProducerEntry): void {
    if (!this.active || !TrackRecorder.recordable(entry)) return;
    if (this.#waiting !== undefined) {
      this.#waiting.push(entry);
      return;
    }
    const starting = TrackRecorder.start(this.#trackOptions(entry), this.#index++, this.#startedAt)
      .then(async (track) => {
        if (!this.active) {
          await track.stop("stopped");
          return;
        }
        this.#adopt(track);
        await this.#save();
      })
      .catch((error: unknown) => {
        // The producer closed while its recorder was starting, or the recorder could not start.
        this.#options.log.warn("track not recorded", { producerId: entry.producer.id, error });
      })
      .finally(() => this.#pending.delete(starting));
    this.#pending.add(starting);
  }

  /** Each track's final offset, from the senders' reports where there are some (sender-clock.ts). */
  #settleOffsets(): void {
    const started = this.#tracks.flatMap((track) => {
      const first = track.firstPacket;
      return first === undefined ? [] : [{ track, first }];
    });
    const offsets = syncedOffsets(started.map((s) => s.first));
    started.forEach(({ track }, i) => {
      const settled = offsets[i];
      if (settled !== undefined) track.settleOffset(settled.offsetMs, settled.sync);
    });
  }

  async #checkDisk(): Promise<void> {
    if (!this.active) return;
    const free = await freeBytes(this.dir).catch(() => Number.POSITIVE_INFINITY);
    if (free < this.#options.minFreeBytes) {
      this.#options.log.warn("recording stopped: disk space low", { roomId: this.#options.room.id, free });
      await this.stop("disk-low");
    }
  }

  async #compose(): Promise<void> {
    try {
      this.manifest.composed = await composeRecording(this.dir, this.manifest, this.#options.ffmpegPath);
    } catch (error) {
      this.manifest.composed = { error: String(error instanceof Error ? error.message : error).slice(0, 1000) };
      this.#options.log.warn("composition failed", { recordingId: this.manifest.recordingId, error });
    }
    await this.#save();
    this.onFinished?.(this.manifest);
  }

  /** Manifest writes one after the other, each with the state at its turn. */
  #save(): Promise<void> {
    this.#writing = this.#writing
      .then(() => writeManifest(this.dir, this.manifest))
      .catch((error: unknown) => this.#options.log.error("manifest not written", { error }));
    return this.#writing;
  }
}
