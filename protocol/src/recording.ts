import { z } from "zod";
import { IsoTimestamp, RoomId, Token } from "./fields.ts";
import { constantTimeEqual, hmacSha256Hex } from "./media-auth.ts";
import { AppData, MediaKind, RtpCapabilities } from "./mediasoup.ts";

/**
 * Recording: the shapes a media node's recording routes answer with, and the
 * manifest it writes next to the files (docs/recording.md). A recording is
 * one folder per start: every track of the room in its own WebM file (no
 * transcoding), a `manifest.json`, and after stop one composed `composed.mp4`.
 */

/** A recording's id: time-ordered, safe as a folder name. */
export const RecordingId = z.string().regex(/^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$/, "not a recording id");
export type RecordingId = z.infer<typeof RecordingId>;

/** Why a recording (or one track of it) stopped. */
export const RecordingStopReason = z.enum([
  /** Asked to stop (a participant, the room API). */
  "stopped",
  /** The room closed on the node (everyone left, node shutdown, worker death). */
  "room-closed",
  /** Free disk space fell below the node's minimum. */
  "disk-low",
  /** The recorder process failed. */
  "recorder-failed",
  /** The track's producer closed (the participant left, stopped a share, reconnected). */
  "producer-closed",
]);
export type RecordingStopReason = z.infer<typeof RecordingStopReason>;

/** One recorded track: one producer, recorded from its first forwarded packet until it closed. */
export const RecordingTrack = z.object({
  /** File name inside the recording's folder. */
  file: z.string(),
  producerId: z.string(),
  /** The media node peer id (the participant) that produced it. */
  peerId: z.string(),
  kind: MediaKind,
  /** e.g. `video/VP8`, `audio/opus`. */
  mimeType: z.string(),
  /** The producer's appData (e.g. `{ source: "screen" }`). */
  appData: AppData.optional(),
  /** When the recorder started listening (ISO). */
  startedAt: z.string(),
  /**
   * When the node forwarded the track's first packet to the recorder (ISO), and its offset from the
   * recording's start in ms: where the file's time 0 sits on the recording's timeline.
   */
  firstPacketAt: z.string().optional(),
  offsetMs: z.number().optional(),
  /** RTP timestamp of that first packet (the track's clock at file time 0). */
  firstRtpTimestamp: z.number().int().optional(),
  /**
   * Where `offsetMs` comes from: the sender's RTCP sender reports (the track keeps its distance to
   * the same sender's other tracks on the sender's clock), or the first packet's arrival alone (no
   * sender report came). Set when the track ends; `arrivalOffsetMs` is the arrival-only offset.
   */
  sync: z.enum(["sender-report", "arrival"]).optional(),
  arrivalOffsetMs: z.number().optional(),
  clockRate: z.number().int().positive(),
  endedAt: z.string().optional(),
  endReason: RecordingStopReason.optional(),
});
export type RecordingTrack = z.infer<typeof RecordingTrack>;

/** Where an upload put the recording, or why it failed (`manifest.upload`). */
export const RecordingUpload = z
  .object({
    bucket: z.string(),
    /** Key prefix of every file: `<MEDIA_NODE_S3_PREFIX><roomId>/<recordingId>/`. */
    prefix: z.string(),
    files: z.array(z.string()),
    uploadedAt: z.string(),
    /** Whether the node removed its own copies of the media files afterwards. */
    localRemoved: z.boolean(),
  })
  .or(z.object({ error: z.string() }));
export type RecordingUpload = z.infer<typeof RecordingUpload>;

/** `manifest.json`, rewritten (atomically) whenever a track starts or ends, so a crash leaves a current one. */
export const RecordingManifest = z.object({
  version: z.literal(1),
  recordingId: RecordingId,
  roomId: RoomId,
  startedAt: z.string(),
  endedAt: z.string().optional(),
  stopReason: RecordingStopReason.optional(),
  /** Peer ids that produced at least one track. */
  participants: z.array(z.string()),
  tracks: z.array(RecordingTrack),
  /** The composed MP4 once composition finished (file name), or why it failed. */
  composed: z
    .object({ file: z.string(), durationMs: z.number() })
    .or(z.object({ error: z.string() }))
    .optional(),
  /** After composition, when the node uploads to S3-compatible storage: where it went, or why not. */
  upload: RecordingUpload.optional(),
});
export type RecordingManifest = z.infer<typeof RecordingManifest>;

/** POST /v1/rooms/:roomId/recording/start (201) and /stop (200). */
export const RecordingStateResponse = z.object({
  roomId: RoomId,
  recordingId: RecordingId,
  active: z.boolean(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  tracks: z.number().int().nonnegative(),
});
export type RecordingStateResponse = z.infer<typeof RecordingStateResponse>;

/** GET /v1/rooms/:roomId/recordings: every recording of the room on this node, oldest first. */
export const RecordingListResponse = z.object({
  roomId: RoomId,
  recordings: z.array(RecordingManifest),
});
export type RecordingListResponse = z.infer<typeof RecordingListResponse>;

const enc = encodeURIComponent;

/** Request paths of a media node's recording routes. */
export const recordingPaths = {
  start: (roomId: string) => `/v1/rooms/${enc(roomId)}/recording/start`,
  stop: (roomId: string) => `/v1/rooms/${enc(roomId)}/recording/stop`,
  list: (roomId: string) => `/v1/rooms/${enc(roomId)}/recordings`,
} as const;

/**
 * A recording in progress, as participants see it (_extension_): `joined.recording`, and the
 * lobby's room preview, so a person knows before and after joining that the room is recorded.
 */
export const RecordingNow = z.object({ recordingId: z.string().max(64), startedAt: IsoTimestamp });
export type RecordingNow = z.infer<typeof RecordingNow>;

/**
 * `POST /rooms/:roomId/preview` on the edge: what a person about to join is told in the lobby.
 * In a room with join tokens the body carries the invite's token (valid for that room); without
 * it the edge answers 401 and reveals nothing.
 */
export const RoomPreviewRequest = z.strictObject({ token: Token.optional() });
export type RoomPreviewRequest = z.infer<typeof RoomPreviewRequest>;

/**
 * The answer to a room preview: whether the room is being recorded now (null: it is not), and,
 * while a media node serves the room, its router's `rtpCapabilities` (the same as `joined.sfu`'s),
 * so the lobby can get its media device ready before the person presses Join.
 */
export const RoomPreview = z.object({
  roomId: RoomId,
  recording: RecordingNow.nullable(),
  rtpCapabilities: RtpCapabilities.optional(),
});
export type RoomPreview = z.infer<typeof RoomPreview>;

/** The edge's room preview route, and the path of room `roomId`'s preview. */
export const ROOM_PREVIEW_ROUTE = "/rooms/:roomId/preview";
export const roomPreviewPath = (roomId: string) => `/rooms/${enc(roomId)}/preview`;

/**
 * Storage (docs/recording.md, "Storage"): downloads from the node through short-lived signed URLs,
 * the optional upload to S3-compatible storage, and the notice a node sends the edge when a
 * recording is finished (composed and, when configured, uploaded).
 */

/** A file of a recording as a URL names it: no folder, no leading dot, no `..`. */
export const RecordingFileName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "not a recording file name")
  .refine((name) => !name.includes(".."), "not a recording file name");

/**
 * POST {edge}/v1/media-nodes/recording-finished (signed with the shared secret): a node's recording
 * is finished. The edge stores it for its room and sends the `recording_finished` webhook once.
 */
export const RecordingFinishedNotice = z.object({
  /** The node's URL as it announces it (where the files are downloaded from). */
  nodeUrl: z.url({ protocol: /^https?$/ }),
  manifest: RecordingManifest,
});
export type RecordingFinishedNotice = z.infer<typeof RecordingFinishedNotice>;

export const recordingFinishedPath = "/v1/media-nodes/recording-finished";

/** Default, shortest and longest lifetime of a signed download URL, in seconds. */
export const RECORDING_URL_TTL_S = { default: 900, min: 10, max: 86_400 } as const;

/** Query parameter names of a signed download URL. */
export const DOWNLOAD_QUERY = { expires: "expires", signature: "sig" } as const;

/** Path of one file of a recording on the node that has it (`GET`, no other authentication). */
export function recordingDownloadPath(roomId: string, recordingId: string, file: string): string {
  return `/v1/recordings/${enc(roomId)}/${enc(recordingId)}/${enc(file)}`;
}

/**
 * What a download URL's `sig` signs: HMAC-SHA256 with the edge<->node secret, over a string that
 * cannot be mistaken for a signed API request (a different first line and field count).
 */
export function downloadSigningString(roomId: string, recordingId: string, file: string, expires: number): string {
  return `huddle-recording-download\n${roomId}\n${recordingId}\n${file}\n${expires}`;
}

export type SignDownloadOptions = {
  secret: string;
  /** The node's base URL. */
  nodeUrl: string;
  roomId: string;
  recordingId: string;
  file: string;
  /** Seconds since the epoch after which the node answers 410. */
  expires: number;
};

/** A signed download URL for one file of a recording. */
export async function signRecordingDownload(options: SignDownloadOptions): Promise<string> {
  const { roomId, recordingId, file, expires } = options;
  const sig = await hmacSha256Hex(options.secret, downloadSigningString(roomId, recordingId, file, expires));
  const url = new URL(recordingDownloadPath(roomId, recordingId, file), options.nodeUrl);
  url.searchParams.set(DOWNLOAD_QUERY.expires, String(expires));
  url.searchParams.set(DOWNLOAD_QUERY.signature, sig);
  return url.toString();
}

export type DownloadRefusal = { status: 403 | 410; code: "forbidden" | "expired"; message: string };

/**
 * Checks a download URL's signature (constant-time), then its expiry. The names are the decoded
 * path segments; `now` is in ms. Undefined: accepted.
 */
export async function verifyRecordingDownload(options: {
  secret: string;
  roomId: string;
  recordingId: string;
  file: string;
  expires: string | null;
  signature: string | null;
  now?: number;
  hmac?: (secret: string, message: string) => string | Promise<string>;
}): Promise<DownloadRefusal | undefined> {
  const { expires, signature } = options;
  if (expires === null || signature === null || !/^[0-9]{1,12}$/.test(expires) || !/^[0-9a-f]{64}$/.test(signature)) {
    return { status: 403, code: "forbidden", message: "the URL has no valid expires and sig" };
  }
  const hmac = options.hmac ?? hmacSha256Hex;
  const expected = await hmac(
    options.secret,
    downloadSigningString(options.roomId, options.recordingId, options.file, Number(expires)),
  );
  if (!constantTimeEqual(expected, signature)) {
    return { status: 403, code: "forbidden", message: "the URL's signature is wrong" };
  }
  if (Number(expires) * 1000 <= (options.now ?? Date.now())) {
    return { status: 410, code: "expired", message: "the URL has expired; ask the room API for a new one" };
  }
  return undefined;
}
