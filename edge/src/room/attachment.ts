import { DisplayName, MediaState, OPEN_ROOM_PERMISSIONS, Permissions, RequestId, Username } from "@huddle/protocol";
import { z } from "zod";

/**
 * Who a socket is, stored on the socket itself (`serializeAttachment`), so it
 * survives hibernation and eviction of the Durable Object. Everything the room
 * knows about its participants is rebuilt from these.
 */
export const SocketAttachment = z.object({
  /** Layout version of this record. */
  v: z.literal(1),
  /** Random id of this connection (never reused), for per-socket bookkeeping. */
  sid: z.string().min(1).max(64),
  /** When the socket was accepted or left (ms since epoch): one that has not joined JOIN_TIMEOUT_MS later is closed. */
  openedAt: z.number(),
  /** Set while the socket is joined. */
  username: Username.optional(),
  /** When the socket joined (ms since epoch), to list users in join order. */
  joinedAt: z.number().optional(),
  /** The membership's resume secret (given in `joined`). */
  resume: z.string().max(64).optional(),
  /** When this participant raised its hand (ms since epoch); absent while it is down. */
  hand: z.number().optional(),
  /** The last `media-state` this participant sent. */
  media: MediaState.optional(),
  /** What this participant may do, from its token (or the open-room defaults), as moderators changed it. */
  permissions: Permissions.optional(),
  /** The display name from its token (or a moderator). */
  name: DisplayName.optional(),
  /** Its join token's `jti` (or hash) and expiry (ms since epoch): a removal remembers the token until then. */
  tokenId: z.string().max(256).optional(),
  tokenExpiresAt: z.number().optional(),
  /** Set while the socket waits in the lobby (not joined): the name it asked for, and since when. */
  waiting: z.object({ username: Username, since: z.number(), requestId: RequestId.optional() }).optional(),
});
export type SocketAttachment = z.infer<typeof SocketAttachment>;

export type JoinedAttachment = SocketAttachment & { username: string; joinedAt: number };
export type WaitingAttachment = SocketAttachment & { waiting: NonNullable<SocketAttachment["waiting"]> };

/** What the socket's participant may do (a socket stored before grants existed had every open-room grant). */
export function permissionsOf(attachment: SocketAttachment): Permissions {
  return attachment.permissions ?? OPEN_ROOM_PERMISSIONS;
}

/** A socket as it opens: not joined, its join clock started. */
export function newAttachment(now = Date.now()): SocketAttachment {
  return { v: 1, sid: crypto.randomUUID(), openedAt: now };
}

/**
 * The attachment last written or read on each socket of this instance, so that a message does
 * not pay for `deserializeAttachment()` (a structured-clone copy) every time. Every write goes
 * through `writeAttachment`, which keeps it equal to what is stored on the socket. The runtime
 * hands an instance the same WebSocket object for a socket on every event; after a wake-up the
 * sockets are new objects, so the first read of each deserializes again.
 */
const lastKnown = new WeakMap<WebSocket, SocketAttachment>();

/** The attachment as written by this code (hot path: no validation, no copy once known). */
export function readAttachment(ws: WebSocket): SocketAttachment | undefined {
  const known = lastKnown.get(ws);
  if (known !== undefined) return known;
  const raw: unknown = ws.deserializeAttachment();
  if (raw === null) return undefined;
  lastKnown.set(ws, raw as SocketAttachment);
  return raw as SocketAttachment;
}

/** The attachment, validated (used when rebuilding the room after a wake-up). */
export function readAttachmentChecked(ws: WebSocket): SocketAttachment | undefined {
  const parsed = SocketAttachment.safeParse(ws.deserializeAttachment());
  if (!parsed.success) return undefined;
  lastKnown.set(ws, parsed.data);
  return parsed.data;
}

/**
 * Stores `attachment` on the socket; the caller must not change the object afterwards (write a new
 * one). A socket that already dropped (its member away in the reconnect grace) may refuse: the
 * member's record in memory is what a resume takes over.
 */
export function writeAttachment(ws: WebSocket, attachment: SocketAttachment): void {
  try {
    ws.serializeAttachment(attachment);
  } catch {
    // dropped: nothing to store it on
  }
  lastKnown.set(ws, attachment);
}

export function isJoined(attachment: SocketAttachment): attachment is JoinedAttachment {
  return attachment.username !== undefined && attachment.joinedAt !== undefined;
}

export function isWaiting(attachment: SocketAttachment): attachment is WaitingAttachment {
  return attachment.waiting !== undefined;
}

/** The same socket, no longer joined (its join clock restarts: it may join again or is closed). */
export function withoutIdentity(attachment: SocketAttachment, now = Date.now()): SocketAttachment {
  return { v: 1, sid: attachment.sid, openedAt: now };
}
