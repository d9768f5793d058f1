import { type ErrorCode, OPEN_ROOM_PERMISSIONS, type Permissions } from "@huddle/protocol";
import { verifyJoinToken } from "@huddle/protocol/access";
import type { MessageOf, RoomContext } from "./context.ts";

/** Who a joiner is, as far as the room is concerned: from its token, or the open-room defaults. */
export interface Identity {
  permissions: Permissions;
  name?: string | undefined;
  metadata?: string | undefined;
  tokenId?: string | undefined;
  tokenExpiresAt?: number | undefined;
}

export type Admission =
  | { ok: true; identity: Identity }
  | { ok: false; code: ErrorCode; message: string; reason?: string };

const OPEN: Identity = { permissions: OPEN_ROOM_PERMISSIONS };

/**
 * The first check of every `join-room`: in a room with API keys, its token must be valid for
 * this room and this username, and must not belong to a participant a moderator removed.
 * `resuming` (the joiner holds the membership's resume secret) accepts a token that expired
 * during the call (docs/protocol.md, "Access").
 */
export async function admit(
  room: RoomContext,
  data: MessageOf<"join-room">["data"],
  resuming: boolean,
): Promise<Admission> {
  const access = room.config.access;
  if (access === undefined) return { ok: true, identity: OPEN };
  if (data.token === undefined) {
    return {
      ok: false,
      code: "unauthorized",
      message: "join-room: this room needs a join token (token)",
      reason: "no-token",
    };
  }
  const verified = await verifyJoinToken(data.token, access.keys, {
    roomId: room.roomId,
    username: data.username,
    allowExpired: resuming,
  });
  if (!verified.ok) {
    return { ok: false, code: "unauthorized", message: `join-room: ${verified.message}`, reason: verified.reason };
  }
  const grant = verified.value;
  if (room.access.isRemoved(grant.tokenId)) {
    return {
      ok: false,
      code: "removed",
      message: "join-room: a moderator removed you from this room; this token cannot join again",
    };
  }
  return {
    ok: true,
    identity: {
      permissions: grant.permissions,
      name: grant.name,
      metadata: grant.metadata,
      tokenId: grant.tokenId,
      tokenExpiresAt: grant.expiresAt,
    },
  };
}
