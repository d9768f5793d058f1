import {
  CLOSE_REPLACED,
  canonicalRoomId,
  constantTimeEqual,
  type ErrorCode,
  errorMessage,
  JOIN_TIMEOUT_MS,
  randomNonce,
  type ServerMessage,
} from "@huddle/protocol";
import { isJoined, type JoinedAttachment, readAttachment, withoutIdentity, writeAttachment } from "./attachment.ts";
import { closeQuietly, fanOut, send } from "./broadcast.ts";
import type { MessageOf, RoomContext } from "./context.ts";
import type { Member } from "./roster.ts";

/**
 * The signaling half of the protocol: join, leave, chat, relays, media state.
 *
 * `join`, `leave` and `depart` change the membership. The Room runs them one at a time, in
 * arrival order (its `membership` SerialQueue), because each awaits the media side (placement on
 * a node, closing a peer there) and any await lets other events in. Serializing them, rather than
 * re-checking every premise after each await, means a name, the room's size or "who is first"
 * cannot change under a join while it waits: a take-over by `resume` keeps the name reserved until
 * it is done, and a socket's close is handled after its join finished, never in the middle. The
 * one premise that can still change during a join is the socket itself (its close arrives as an
 * event and is queued behind the join): `join` re-checks it after the await.
 */

export async function join(room: RoomContext, ws: WebSocket, message: MessageOf<"join-room">): Promise<void> {
  const { username } = message.data;
  const reply = (code: ErrorCode, text: string) => send(ws, errorMessage(code, text, message.requestId));
  // Read now, not when the message arrived: a join queued before this one may have joined this socket.
  const attachment = readAttachment(ws);
  if (attachment === undefined || room.closing(attachment.sid)) return;
  if (isJoined(attachment)) return void reply("already-joined", "this socket already joined the room");
  if (canonicalRoomId(message.data.roomId) !== room.roomId) {
    return void reply(
      "room-mismatch",
      `join-room: roomId '${message.data.roomId}' is not the room of this socket's URL`,
    );
  }
  const holder = room.roster.get(username);
  if (holder !== undefined) {
    if (!resumes(holder.attachment.resume, message.data.resume)) {
      const same =
        holder.attachment.username === username ? "is" : `looks too much like '${holder.attachment.username}', who is`;
      return void reply("username-taken", `username '${username}' ${same} already in the room`);
    }
    // The same person on a new connection: the old one (dropped silently, still open here) leaves first.
    writeAttachment(holder.ws, withoutIdentity(holder.attachment));
    await depart(room, holder);
    closeQuietly(holder.ws, CLOSE_REPLACED, "replaced by a new connection");
  }
  if (room.roster.size >= room.config.maxParticipants) {
    return void reply("room-full", `the room has reached its limit of ${room.config.maxParticipants} participants`);
  }
  await room.media.prepareJoin(room.roster.size === 0);
  // The socket closed while the media side got ready: it never joins, nobody saw it.
  if (room.closing(attachment.sid)) return room.media.joinAbandoned();
  const resume = randomNonce();
  const joined: JoinedAttachment = { ...attachment, username, joinedAt: Date.now(), resume };
  writeAttachment(ws, joined);
  room.roster.add({ ws, attachment: joined });
  const sfu = room.media.joinInfo();
  const out: ServerMessage = {
    type: "joined",
    data: {
      roomId: room.roomId,
      users: room.roster.users(),
      media: room.roster.mediaStates(),
      resume,
      ...(sfu ? { sfu } : {}),
    },
  };
  if (message.requestId !== undefined) out.requestId = message.requestId;
  send(ws, out);
  fanOut(room.roster.all(), { type: "user-joined", data: { user: username } }, joined.sid);
}

export async function leave(room: RoomContext, member: Member, message: MessageOf<"leave-room">): Promise<void> {
  const { roomId, username } = message.data;
  if (canonicalRoomId(roomId) !== room.roomId) {
    send(
      member.ws,
      errorMessage("room-mismatch", `leave-room: roomId '${roomId}' is not this room`, message.requestId),
    );
    return;
  }
  if (username !== member.attachment.username) {
    send(member.ws, errorMessage("unauthorized", "leave-room: you can only leave as yourself", message.requestId));
    return;
  }
  const unjoined = withoutIdentity(member.attachment);
  writeAttachment(member.ws, unjoined);
  await depart(room, member);
  // The socket may join again; if it does not, the room closes it (JOIN_TIMEOUT_MS).
  await room.wakeAt(unjoined.openedAt + JOIN_TIMEOUT_MS);
}

/**
 * Removes a member (leave-room, or its socket closed/errored): others get `user-left` once,
 * then its media is closed. The caller has made sure the member is in the roster.
 */
export async function depart(room: RoomContext, member: Member): Promise<void> {
  room.roster.remove(member);
  fanOut(room.roster.all(), { type: "user-left", data: { user: member.attachment.username } }, member.attachment.sid);
  await room.media.memberLeft(member);
}

export function chat(room: RoomContext, member: Member, message: MessageOf<"chat-message">): void {
  const out: ServerMessage = {
    type: "chat-message",
    data: { from: member.attachment.username, text: message.data.text, timestamp: new Date().toISOString() },
  };
  fanOut(room.roster.all(), out, member.attachment.sid);
  send(member.ws, message.requestId === undefined ? out : { ...out, requestId: message.requestId });
}

type RelayMessage = MessageOf<"webrtc-offer" | "webrtc-answer" | "webrtc-ice-candidate">;

export function relay(room: RoomContext, member: Member, message: RelayMessage): void {
  const { target, payload } = message.data;
  const to = room.roster.get(target);
  if (to === undefined || to === member) {
    const why = to === member ? "is yourself" : "is not in this room";
    send(member.ws, errorMessage("unknown-target", `${message.type}: target '${target}' ${why}`, message.requestId));
    return;
  }
  // The payload was validated for this very `type`, so the pair is a valid server message.
  const out = {
    type: message.type,
    data: { from: member.attachment.username, target: to.attachment.username, payload },
  } as ServerMessage;
  send(to.ws, out);
}

export function mediaState(room: RoomContext, member: Member, message: MessageOf<"media-state">): void {
  const media = { ...message.data };
  member.attachment = { ...member.attachment, media };
  writeAttachment(member.ws, member.attachment);
  fanOut(
    room.roster.all(),
    { type: "media-state", data: { user: member.attachment.username, ...media } },
    member.attachment.sid,
  );
}

/** Whether `offered` is the membership's resume secret. */
function resumes(held: string | undefined, offered: string | undefined): boolean {
  return held !== undefined && offered !== undefined && constantTimeEqual(held, offered);
}
