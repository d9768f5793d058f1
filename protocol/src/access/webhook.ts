import { decodeJwt, SignJWT } from "jose";
import { z } from "zod";
import { RecordingManifest } from "../recording.ts";
import { type TokenFailure, type TokenKeys, verifyToken } from "./join-token.ts";

/**
 * Webhooks as LiveKit sends them: a POST whose body is a `WebhookEvent` in protobuf's JSON form
 * (lowerCamelCase names, int64 as strings, enums by name) and whose `Authorization` header is a
 * JWT signed HS256 with an API secret (`iss` = the API key) carrying `sha256`: base64 (standard,
 * padded) of the SHA-256 of the body. LiveKit's `WebhookReceiver` verifies ours; `verifyWebhook`
 * verifies LiveKit's.
 */

/** The Content-Type LiveKit posts webhooks with. */
export const WEBHOOK_CONTENT_TYPE = "application/webhook+json";

/** How long a webhook's signature stays valid (LiveKit: 5 minutes). */
export const WEBHOOK_TOKEN_TTL_SECONDS = 5 * 60;

export const WEBHOOK_EVENTS = [
  "room_started",
  "room_finished",
  "participant_joined",
  "participant_left",
  "track_published",
  "track_unpublished",
  /** Ours (LiveKit's nearest is egress_ended): a recording is composed (and uploaded); `recording` has its manifest. */
  "recording_finished",
] as const;
export const WebhookEventName = z.enum(WEBHOOK_EVENTS);
export type WebhookEventName = z.infer<typeof WebhookEventName>;

/** protobuf JSON's int64: a decimal string (a number is accepted on input, as protobuf parsers do). */
const Int64 = z.union([z.string().regex(/^-?\d{1,19}$/), z.number().int()]).transform(String);
const int64 = () => Int64.default("0");

/** LiveKit's `TrackSource` enum names. */
export const WebhookTrackSource = z.enum(["UNKNOWN", "CAMERA", "MICROPHONE", "SCREEN_SHARE", "SCREEN_SHARE_AUDIO"]);
export type WebhookTrackSource = z.infer<typeof WebhookTrackSource>;

/**
 * Fields protobuf's JSON form may leave out when they hold their zero value get it back here,
 * so an event from LiveKit's own server parses too; ours always carry every field.
 */
export const WebhookRoom = z.object({
  sid: z.string().default(""),
  name: z.string().default(""),
  numParticipants: z.number().int().nonnegative().default(0),
  /** Unix seconds. */
  creationTime: int64(),
  creationTimeMs: int64(),
  metadata: z.string().default(""),
});

/** LiveKit's `ParticipantPermission`. `canPublishSources` empty: every source. */
export const WebhookPermission = z.object({
  canSubscribe: z.boolean().default(false),
  canPublish: z.boolean().default(false),
  canPublishData: z.boolean().default(false),
  canPublishSources: z.array(WebhookTrackSource).default([]),
  hidden: z.boolean().default(false),
  recorder: z.boolean().default(false),
  canUpdateMetadata: z.boolean().default(false),
});

export const WebhookParticipant = z.object({
  sid: z.string().default(""),
  identity: z.string().default(""),
  /** LiveKit's `ParticipantInfo.State`: ACTIVE while in the room, DISCONNECTED in participant_left. */
  state: z.enum(["JOINING", "JOINED", "ACTIVE", "DISCONNECTED"]).default("JOINING"),
  name: z.string().default(""),
  metadata: z.string().default(""),
  /** Unix seconds. */
  joinedAt: int64(),
  joinedAtMs: int64(),
  permission: WebhookPermission.optional(),
});

export const WebhookTrack = z.object({
  sid: z.string().default(""),
  type: z.enum(["AUDIO", "VIDEO", "DATA"]).default("AUDIO"),
  source: WebhookTrackSource.default("UNKNOWN"),
  muted: z.boolean().default(false),
});

/** The body of a webhook (LiveKit's `WebhookEvent`, the fields this server sends; others are ignored). */
export const WebhookEvent = z.object({
  event: WebhookEventName,
  /** Unique per event: a receiver that sees an id twice (a retry after a lost answer) drops it. */
  id: z.string().min(1).max(128),
  /** Unix seconds. */
  createdAt: Int64,
  room: WebhookRoom.optional(),
  participant: WebhookParticipant.optional(),
  track: WebhookTrack.optional(),
  /** `recording_finished` only: the recording's final manifest (docs/recording.md). */
  recording: z.object({ manifest: RecordingManifest }).optional(),
});
export type WebhookEvent = z.infer<typeof WebhookEvent>;

/** base64 (standard alphabet, padded) of SHA-256 of `body`'s UTF-8 bytes, as LiveKit's `sha256` claim. */
export async function webhookBodyHash(body: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body)));
  let binary = "";
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The `Authorization` header value for posting `body`: a JWT signed with `apiSecret`, as LiveKit signs webhooks. */
export async function signWebhook(body: string, apiKey: string, apiSecret: string, now = Date.now()): Promise<string> {
  const seconds = Math.floor(now / 1000);
  return new SignJWT({ sha256: await webhookBodyHash(body) })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(apiKey)
    .setIssuedAt(seconds)
    .setNotBefore(seconds)
    .setExpirationTime(seconds + WEBHOOK_TOKEN_TTL_SECONDS)
    .sign(new TextEncoder().encode(apiSecret));
}

/** Why a webhook was refused: the header's (as a join token's), or its body's. */
export type WebhookFailure = TokenFailure | "missing" | "body-mismatch" | "body-malformed";

export type VerifiedWebhook =
  | { ok: true; event: WebhookEvent }
  | { ok: false; reason: WebhookFailure; message: string };

/**
 * Checks a received webhook: the `Authorization` header (a bare JWT, as LiveKit sends it, or
 * `Bearer <jwt>`) is signed by one of `keys` and within its time window, its `sha256` is the
 * body's, and the body is a webhook event. Pass the body exactly as received (the raw text).
 */
export async function verifyWebhook(
  body: string,
  authorization: string | null | undefined,
  keys: TokenKeys,
  now = Date.now(),
): Promise<VerifiedWebhook> {
  const token = authorization?.trim().replace(/^Bearer\s+/i, "");
  if (token === undefined || token === "") return { ok: false, reason: "missing", message: "no Authorization header" };
  const verified = await verifyToken(token, keys, now);
  if (!verified.ok) return { ok: false, reason: verified.reason, message: `webhook signature: ${verified.message}` };
  // The signature was checked above, so the payload read here is the signed one.
  const claimed = decodeJwt(token).sha256;
  if (typeof claimed !== "string" || claimed !== (await webhookBodyHash(body))) {
    return { ok: false, reason: "body-mismatch", message: "the body's SHA-256 is not the signed one (sha256 claim)" };
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: "body-malformed", message: "the body is not JSON" };
  }
  const event = WebhookEvent.safeParse(json);
  if (!event.success) {
    const issue = event.error.issues[0];
    return { ok: false, reason: "body-malformed", message: `not a webhook event (${issue?.path.join(".")})` };
  }
  return { ok: true, event: event.data };
}
