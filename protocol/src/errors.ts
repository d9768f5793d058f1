import { z } from "zod";

/**
 * Stable, machine-readable error codes carried by the `error` message.
 * Clients switch on these; the human `message` may change.
 */
export const ERROR_CODES = [
  /** Not JSON, not an object, unknown `type`, or `data` of the wrong shape. */
  "invalid-message",
  /** The frame is larger than MAX_FRAME_BYTES, or a field is longer than its limit. */
  "too-large",
  /** Any message but `join-room` before joining. */
  "not-joined",
  /** `join-room` on a socket that already joined. */
  "already-joined",
  /** The `roomId` in `join-room` (or `leave-room`) is not the room of this socket's URL. */
  "room-mismatch",
  /** The username is already present in the room. */
  "username-taken",
  /** The room has reached its participant limit. */
  "room-full",
  /** A relay `target` that is not in this room. */
  "unknown-target",
  /** No media node can serve this room (or the SFU is not configured). */
  "media-unavailable",
  /** A transport, producer or consumer id that does not exist (or is not yours). */
  "not-found",
  /**
   * `restart-ice` (or another request) named a transport of yours that the media node already
   * closed (its ICE or DTLS failed for too long): create a new transport and move what it
   * carried onto it (_extension_).
   */
  "transport-closed",
  /** The socket sends faster than its token bucket allows. */
  "rate-limited",
  /**
   * A join token was required and missing or wrong, or a claim does not match the server's view,
   * or the sender's grants do not allow the message.
   */
  "unauthorized",
  /** The room is locked: only moderators (`roomAdmin`) may join. */
  "room-locked",
  /** A moderator denied this request to join (the lobby). */
  "join-denied",
  /** A moderator removed this participant; the same token cannot join again until it expires. */
  "removed",
  /** `start-recording` while the room is already being recorded. */
  "recording-active",
  /** `stop-recording` while the room is not being recorded. */
  "not-recording",
  /** Something failed on the server side; the request may be retried. */
  "internal",
] as const;

export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;
