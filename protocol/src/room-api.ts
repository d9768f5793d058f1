import { z } from "zod";
import { Permissions, TrackSource } from "./access/grants.ts";
import { IsoTimestamp, MediaId, RoomId, Username } from "./fields.ts";
import { MediaKind } from "./mediasoup.ts";
import { DisplayName, LobbyEntry, Metadata, PermissionsChange, RoomSettings } from "./participants.ts";
import { RECORDING_URL_TTL_S, RecordingFileName, RecordingId } from "./recording.ts";

/**
 * The room API (_extension_): HTTP on the edge for the deployer's backend, authenticated like
 * LiveKit's server API: `Authorization: Bearer <JWT>` signed with an API key's secret, carrying
 * `video.roomList` (to list rooms) or `video.roomAdmin` with `video.room` (to read or change
 * one room; `video.roomCreate` may also end rooms). Errors are `{ error: { code, message } }`.
 */
export const roomApiPaths = {
  rooms: "/v1/rooms",
  room: (roomId: string) => `/v1/rooms/${encodeURIComponent(roomId)}`,
  participant: (roomId: string, user: string) =>
    `/v1/rooms/${encodeURIComponent(roomId)}/participants/${encodeURIComponent(user)}`,
  remove: (roomId: string, user: string) =>
    `/v1/rooms/${encodeURIComponent(roomId)}/participants/${encodeURIComponent(user)}/remove`,
  mute: (roomId: string, user: string) =>
    `/v1/rooms/${encodeURIComponent(roomId)}/participants/${encodeURIComponent(user)}/mute`,
  admit: (roomId: string, user: string) =>
    `/v1/rooms/${encodeURIComponent(roomId)}/lobby/${encodeURIComponent(user)}/admit`,
  deny: (roomId: string, user: string) =>
    `/v1/rooms/${encodeURIComponent(roomId)}/lobby/${encodeURIComponent(user)}/deny`,
  recordings: (roomId: string) => `/v1/rooms/${encodeURIComponent(roomId)}/recordings`,
  recordingDownload: (roomId: string, recordingId: string) =>
    `/v1/rooms/${encodeURIComponent(roomId)}/recordings/${encodeURIComponent(recordingId)}/download`,
} as const;

/** `GET /v1/rooms`: every room with someone in it. */
export const RoomSummary = z.object({
  room: RoomId,
  participants: z.number().int().min(0),
  startedAt: IsoTimestamp,
});
export const RoomList = z.object({ rooms: z.array(RoomSummary) });
export type RoomList = z.infer<typeof RoomList>;

export const TrackInfo = z.object({
  id: MediaId,
  kind: MediaKind,
  source: TrackSource,
  paused: z.boolean(),
});

export const ParticipantDetails = z.object({
  user: Username,
  name: DisplayName.optional(),
  metadata: Metadata.optional(),
  permissions: Permissions,
  joinedAt: IsoTimestamp,
  tracks: z.array(TrackInfo),
});
export type ParticipantDetails = z.infer<typeof ParticipantDetails>;

/** `GET /v1/rooms/:room`: who is in it (hidden participants included), what they send and may do. */
export const RoomDetails = z.object({
  room: RoomId,
  participants: z.array(ParticipantDetails),
  settings: RoomSettings,
  lobby: z.array(LobbyEntry),
});
export type RoomDetails = z.infer<typeof RoomDetails>;

/** `PATCH /v1/rooms/:room/participants/:user`. */
export const UpdateParticipantBody = z.object({
  permissions: PermissionsChange.optional(),
  name: DisplayName.optional(),
  metadata: Metadata.optional(),
});
/** `POST .../mute`. */
export const MuteBody = z.object({ source: TrackSource });
/** `POST .../remove`. */
export const RemoveBody = z.object({ reason: z.string().max(256).optional() });
/** `PATCH /v1/rooms/:room`. */
export const UpdateRoomBody = z.object({ locked: z.boolean().optional(), lobby: z.boolean().optional() });

/** `GET /v1/rooms/:room/recordings/:recordingId/download?ttl=<seconds>`: the URL lifetime (default 900 s). */
export const RecordingDownloadQuery = z.object({
  ttl: z.coerce
    .number()
    .int()
    .min(RECORDING_URL_TTL_S.min)
    .max(RECORDING_URL_TTL_S.max)
    .default(RECORDING_URL_TTL_S.default),
});

/** One file of a recording and its signed URL (served by the media node that has it, with Range). */
export const RecordingFileUrl = z.object({
  file: RecordingFileName,
  /** `composed`: the MP4; `track`: one track's WebM; `manifest`: manifest.json. */
  role: z.enum(["composed", "track", "manifest"]),
  url: z.url(),
});

/** The answer: every file of the recording, each with a URL valid until `expiresAt`. */
export const RecordingDownloadResponse = z.object({
  room: RoomId,
  recordingId: RecordingId,
  expiresAt: IsoTimestamp,
  files: z.array(RecordingFileUrl),
});
export type RecordingDownloadResponse = z.infer<typeof RecordingDownloadResponse>;
