import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { RecordingListResponse, RecordingManifest, RecordingStateResponse } from "@huddle/protocol";
import { ApiError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { RoomTable } from "../room-table.ts";
import { freeBytes } from "./disk-space.ts";
import type { FinishedNotices } from "./finished-notice.ts";
import { readManifests } from "./manifest-file.ts";
import { RoomRecording } from "./room-recording.ts";
import type { RecordingUploader } from "./upload.ts";

export type RecordingsOptions = {
  rooms: RoomTable;
  /** Where recordings are written (`<dir>/<roomId>/<recordingId>/`); undefined: recording is off. */
  dir: string | undefined;
  ffmpegPath: string;
  gstLaunchPath: string;
  minFreeBytes: number;
  diskCheckMs: number;
  /** Uploads finished recordings (MEDIA_NODE_S3_BUCKET set). */
  uploader?: RecordingUploader | undefined;
  /** Tells the edge a recording is finished (MEDIA_NODE_EDGE_URL set). */
  notices?: FinishedNotices | undefined;
  log: Logger;
};

/** The node's recordings: at most one active recording per room; finished ones are listed from disk. */
export class Recordings {
  readonly #options: RecordingsOptions;
  readonly #active = new Map<string, RoomRecording>();
  readonly #starting = new Set<string>();
  readonly #finishing = new Set<Promise<void>>();

  constructor(options: RecordingsOptions) {
    this.#options = options;
  }

  /** The room's active recording, if any (tests, dumps). */
  active(roomId: string): RoomRecording | undefined {
    return this.#active.get(roomId);
  }

  async start(roomId: string): Promise<RecordingStateResponse> {
    const { dir, minFreeBytes } = this.#options;
    if (dir === undefined) {
      throw new ApiError(503, "unavailable", "recording is off on this node (MEDIA_NODE_RECORDINGS_DIR is not set)");
    }
    const room = this.#options.rooms.get(roomId);
    if (this.#active.has(roomId) || this.#starting.has(roomId)) {
      throw new ApiError(409, "invalid-state", `room ${roomId} is already being recorded`);
    }
    this.#starting.add(roomId);
    try {
      const roomDir = join(dir, roomId);
      await mkdir(roomDir, { recursive: true });
      const free = await freeBytes(roomDir);
      if (free < minFreeBytes) {
        throw new ApiError(
          503,
          "unavailable",
          `not enough free disk space to record (${Math.floor(free / 1e6)} MB free, ${Math.ceil(minFreeBytes / 1e6)} MB needed)`,
        );
      }
      const recording = await RoomRecording.start({
        room,
        roomDir,
        ffmpegPath: this.#options.ffmpegPath,
        gstLaunchPath: this.#options.gstLaunchPath,
        minFreeBytes,
        diskCheckMs: this.#options.diskCheckMs,
        log: this.#options.log,
      });
      // The room may have closed while the first recorders got ready: then it stopped already.
      if (recording.active) this.#active.set(roomId, recording);
      // Stopped by anything (stop(), disk low, the room closing): no longer the room's active one.
      recording.onStopping = () => {
        if (this.#active.get(roomId) === recording) this.#active.delete(roomId);
      };
      recording.onFinished = (manifest) => this.#finished(recording.dir, manifest);
      this.#options.log.info("recording started", { roomId, recordingId: recording.manifest.recordingId });
      return stateOf(recording);
    } finally {
      this.#starting.delete(roomId);
    }
  }

  async stop(roomId: string): Promise<RecordingStateResponse> {
    const recording = this.#active.get(roomId);
    if (recording === undefined) throw new ApiError(409, "invalid-state", `room ${roomId} is not being recorded`);
    await recording.stop("stopped");
    return stateOf(recording);
  }

  async list(roomId: string): Promise<RecordingListResponse> {
    const { dir } = this.#options;
    const recordings: RecordingManifest[] = dir === undefined ? [] : await readManifests(join(dir, roomId));
    return { roomId, recordings };
  }

  /** Stops every active recording (node shutdown). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#active.values()].map((r) => r.stop("room-closed")));
  }

  /** Uploads (and notices) still running: tests wait for them; shutdown ends their retries. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#finishing]);
  }

  /** After composition: the upload (when configured), then the notice to the edge, with the final manifest. */
  #finished(dir: string, manifest: RecordingManifest): void {
    const { uploader, notices } = this.#options;
    const work = (async () => {
      if (uploader !== undefined) await uploader.upload(dir, manifest);
      if (notices !== undefined) await notices.send(manifest);
    })()
      .catch((error: unknown) => this.#options.log.error("finishing a recording failed", { error }))
      .finally(() => this.#finishing.delete(work));
    this.#finishing.add(work);
  }
}

function stateOf(recording: RoomRecording): RecordingStateResponse {
  const { manifest } = recording;
  return {
    roomId: manifest.roomId,
    recordingId: manifest.recordingId,
    active: recording.active,
    startedAt: manifest.startedAt,
    ...(manifest.endedAt === undefined ? {} : { endedAt: manifest.endedAt }),
    tracks: recording.trackCount,
  };
}
