import { createReadStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { RecordingManifest, RecordingUpload } from "@huddle/protocol";
import type { Logger } from "../log.ts";
import { MANIFEST_FILE, writeManifest } from "./manifest-file.ts";

/** MEDIA_NODE_S3_*: where finished recordings are uploaded (docs/recording.md, "Upload to S3"). */
export type S3Settings = {
  /** Unset: AWS's own endpoint for the region. */
  endpoint: string | undefined;
  bucket: string;
  region: string;
  /** Unset: the SDK's default credential chain (environment, instance role, ...). */
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  /** Put before `<roomId>/<recordingId>/<file>` in every key. */
  prefix: string;
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key` (MinIO and most self-hosted servers). */
  forcePathStyle: boolean;
  /** false: after a complete upload the node deletes its media files (manifest.json stays, for the list). */
  keepLocal: boolean;
};

/** Attempts per file (each one also retried by the SDK on throttling and 5xx), and the pause after the first failure. */
export const UPLOAD_ATTEMPTS = 3;
const FIRST_RETRY_MS = 1000;

/**
 * Uploads a finished recording: every track file, the composed MP4, then manifest.json, already
 * carrying `upload` (so the copy in the bucket says where it is); then, unless kept, removes the
 * local media files, and only then rewrites the local manifest with `upload`. Each file is tried
 * UPLOAD_ATTEMPTS times with a doubling pause; large files go up in parts (lib-storage).
 */
export class RecordingUploader {
  readonly #settings: S3Settings;
  readonly #client: S3Client;
  readonly #log: Logger;

  constructor(settings: S3Settings, log: Logger) {
    this.#settings = settings;
    this.#log = log;
    this.#client = new S3Client({
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      // Checksums only where S3 requires them: many S3-compatible servers reject the SDK's default
      // (streamed aws-chunked bodies with CRC trailers).
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
      ...(settings.accessKeyId === undefined || settings.secretAccessKey === undefined
        ? {}
        : { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } }),
    });
  }

  /** Uploads `dir`'s files of `manifest`, sets `manifest.upload` (where, or the error) and rewrites manifest.json. */
  async upload(dir: string, manifest: RecordingManifest): Promise<RecordingUpload> {
    const { bucket, keepLocal } = this.#settings;
    const prefix = `${this.#settings.prefix}${manifest.roomId}/${manifest.recordingId}/`;
    const media = await existing(dir, mediaFiles(manifest));
    let upload: RecordingUpload;
    try {
      for (const file of media) await this.#put(`${prefix}${file}`, () => createReadStream(join(dir, file)), file);
      upload = {
        bucket,
        prefix,
        files: [...media, MANIFEST_FILE],
        uploadedAt: new Date().toISOString(),
        localRemoved: !keepLocal,
      };
      const uploaded = { ...manifest, upload };
      await this.#put(`${prefix}${MANIFEST_FILE}`, () => `${JSON.stringify(uploaded, null, 2)}\n`, MANIFEST_FILE);
    } catch (error) {
      upload = { error: String(error instanceof Error ? error.message : error).slice(0, 1000) };
      this.#log.warn("recording upload failed", { recordingId: manifest.recordingId, error });
    }
    // The local manifest says so last: whoever reads `upload` there finds the files already gone.
    if ("bucket" in upload && !keepLocal) await Promise.all(media.map((file) => rm(join(dir, file), { force: true })));
    manifest.upload = upload;
    await writeManifest(dir, manifest);
    if ("bucket" in upload) this.#log.info("recording uploaded", { recordingId: manifest.recordingId, bucket, prefix });
    return upload;
  }

  close(): void {
    this.#client.destroy();
  }

  /** One object, tried UPLOAD_ATTEMPTS times (`body` makes a fresh stream for each). */
  async #put(key: string, body: () => Readable | string, file: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const upload = new Upload({
          client: this.#client,
          params: { Bucket: this.#settings.bucket, Key: key, Body: body(), ContentType: typeOf(file) },
        });
        await upload.done();
        return;
      } catch (error) {
        if (attempt >= UPLOAD_ATTEMPTS) throw error;
        this.#log.warn("recording upload attempt failed; retrying", { key, attempt, error });
        await new Promise((resolve) => setTimeout(resolve, FIRST_RETRY_MS * 2 ** (attempt - 1)));
      }
    }
  }
}

/** The recording's media files: every track's, then the composed one. */
export function mediaFiles(manifest: RecordingManifest): string[] {
  const files = manifest.tracks.map((t) => t.file);
  if (manifest.composed !== undefined && "file" in manifest.composed) files.push(manifest.composed.file);
  return files;
}

async function existing(dir: string, files: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const file of files) {
    if (
      await stat(join(dir, file)).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      found.push(file);
  }
  return found;
}

function typeOf(path: string): string {
  if (path.endsWith(".mp4")) return "video/mp4";
  if (path.endsWith(".webm")) return "video/webm";
  if (path.endsWith(".mkv")) return "video/x-matroska";
  if (path.endsWith(".json")) return "application/json";
  return "application/octet-stream";
}
