import { z } from "zod";
import {
  CHAT_TEXT_MAX_LENGTH,
  ICE_CANDIDATE_MAX_LENGTH,
  MAX_CONSUMER_PRIORITY,
  MAX_SPATIAL_LAYER,
  MAX_TEMPORAL_LAYER,
  MEDIA_ID_MAX_LENGTH,
  REQUEST_ID_MAX_LENGTH,
  ROOM_ID_MAX_LENGTH,
  ROOM_ID_PATTERN,
  SDP_MAX_LENGTH,
  TOKEN_MAX_LENGTH,
  USERNAME_MAX_LENGTH,
  USERNAME_PATTERN,
} from "./limits.ts";

/** Field schemas shared by several messages. */

export const RoomId = z
  .string()
  .min(1)
  .max(ROOM_ID_MAX_LENGTH)
  .regex(ROOM_ID_PATTERN, "roomId may contain only letters, digits, '-' and '_'");

/** The one spelling of a room id: `Team-Sync` and `team-sync` are the same room. */
export function canonicalRoomId(roomId: string): string {
  return roomId.toLowerCase();
}

export const Username = z
  .string()
  .min(1)
  .max(USERNAME_MAX_LENGTH)
  .regex(
    USERNAME_PATTERN,
    "username may contain letters, digits, . _ - and single spaces between them; no invisible or control characters",
  );

export const ChatText = z.string().min(1).max(CHAT_TEXT_MAX_LENGTH);

/** ISO 8601 date-time as sent by `Date.prototype.toISOString()` (offsets allowed). */
export const IsoTimestamp = z.iso.datetime({ offset: true });

export const RequestId = z.string().min(1).max(REQUEST_ID_MAX_LENGTH);

export const Token = z.string().min(1).max(TOKEN_MAX_LENGTH);

/**
 * A membership's resume secret (_extension_): `joined` hands it out; a later `join-room` with
 * the same username and this secret takes the name over from a socket that is still open
 * (a connection that dropped silently), instead of `username-taken`.
 */
export const ResumeToken = z.string().regex(/^[0-9a-f]{32,64}$/, "resume must be 32-64 lowercase hex characters");

export const MediaId = z.string().min(1).max(MEDIA_ID_MAX_LENGTH);

/** RTCSessionDescriptionInit. */
export const SessionDescription = z.object({
  type: z.enum(["offer", "answer", "pranswer", "rollback"]),
  sdp: z.string().max(SDP_MAX_LENGTH).optional(),
});

/** RTCIceCandidateInit (an empty `candidate` marks the end of candidates). */
export const IceCandidateInit = z.object({
  candidate: z.string().max(ICE_CANDIDATE_MAX_LENGTH).optional(),
  sdpMid: z.string().max(32).nullable().optional(),
  sdpMLineIndex: z.number().int().min(0).max(1024).nullable().optional(),
  usernameFragment: z.string().max(256).nullable().optional(),
});

export const TransportDirection = z.enum(["send", "recv"]);

/** What a participant currently sends, for mute badges in any call mode. */
export const MediaState = z.object({
  microphone: z.boolean(),
  camera: z.boolean(),
  screen: z.boolean(),
});

/**
 * A STUN or TURN server for peer-to-peer media (RTCIceServer). The edge hands out TURN servers
 * with short-lived credentials in `joined.iceServers` (_extension_).
 */
export const IceServer = z.object({
  urls: z.union([z.string().max(512), z.array(z.string().max(512)).min(1).max(8)]),
  username: z.string().max(256).optional(),
  credential: z.string().max(256).optional(),
});
export type IceServer = z.infer<typeof IceServer>;

/** A simulcast (or SVC) spatial layer index: 0 is the lowest resolution (_extension_). */
export const SpatialLayer = z.number().int().min(0).max(MAX_SPATIAL_LAYER);
/** A temporal layer index: 0 is the lowest frame rate (_extension_). */
export const TemporalLayer = z.number().int().min(0).max(MAX_TEMPORAL_LAYER);
/** A consumer's priority on its transport: 1 (default) to 255, higher gets bandwidth first (_extension_). */
export const ConsumerPriority = z.number().int().min(1).max(MAX_CONSUMER_PRIORITY);
