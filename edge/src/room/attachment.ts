import { MediaState, Username } from "@huddle/protocol";
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
  /** The last `media-state` this participant sent. */
  media: MediaState.optional(),
});
export type SocketAttachment = z.infer<typeof SocketAttachment>;

export type JoinedAttachment = SocketAttachment & { username: string; joinedAt: number };

/** A socket as it opens: not joined, its join clock started. */
export function newAttachment(now = Date.now()): SocketAttachment {
  return { v: 1, sid: crypto.randomUUID(), openedAt: now };
}

/** The attachment as written by this code (hot path: no validation). */
export function readAttachment(ws: WebSocket): SocketAttachment | undefined {
  const raw: unknown = ws.deserializeAttachment();
  return raw === null ? undefined : (raw as SocketAttachment);
}

/** The attachment, validated (used when rebuilding the room after a wake-up). */
export function readAttachmentChecked(ws: WebSocket): SocketAttachment | undefined {
  const parsed = SocketAttachment.safeParse(ws.deserializeAttachment());
  return parsed.success ? parsed.data : undefined;
}

export function writeAttachment(ws: WebSocket, attachment: SocketAttachment): void {
  ws.serializeAttachment(attachment);
}

export function isJoined(attachment: SocketAttachment): attachment is JoinedAttachment {
  return attachment.username !== undefined && attachment.joinedAt !== undefined;
}

/** The same socket, no longer joined (its join clock restarts: it may join again or is closed). */
export function withoutIdentity(attachment: SocketAttachment, now = Date.now()): SocketAttachment {
  return { v: 1, sid: attachment.sid, openedAt: now };
}
