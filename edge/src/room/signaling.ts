import {
  CLOSE_REPLACED,
  constantTimeEqual,
  errorMessage,
  JOIN_TIMEOUT_MS,
  randomNonce,
  type ServerMessage,
} from "@huddle/protocol";
import { isJoined, type JoinedAttachment, withoutIdentity, writeAttachment } from "./attachment.ts";
import { closeQuietly, fanOut, send } from "./broadcast.ts";
import type { MessageOf, RoomContext, Sender } from "./context.ts";
import type { Member } from "./roster.ts";

/** The signaling half of the protocol: join, leave, chat, relays, media state. */

export async function join(room: RoomContext, sender: Sender, message: MessageOf<"join-room">): Promise<void> {
  const { roomId, username } = message.data;
  const reply = (code: Parameters<typeof errorMessage>[0], text: string) =>
    send(sender.ws, errorMessage(code, text, message.requestId));
  if (isJoined(sender.attachment)) return void reply("already-joined", "this socket already joined the room");
  if (roomId !== sender.attachment.roomId) {
    return void reply("room-mismatch", `join-room: roomId '${roomId}' is not the room of this socket's URL`);
  }
  const holder = room.roster.get(username);
  if (holder !== undefined) {
    if (!resumes(holder.attachment.resume, message.data.resume)) {
      return void reply("username-taken", `username '${username}' is already in the room`);
    }
    // The same person on a new connection: the old one (dropped silently, still open here) leaves first.
    writeAttachment(holder.ws, withoutIdentity(holder.attachment));
    await depart(room, holder);
    closeQuietly(holder.ws, CLOSE_REPLACED, "replaced by a new connection");
  }
  if (room.roster.size >= room.config.maxParticipants) {
    return void reply("room-full", `the room has reached its limit of ${room.config.maxParticipants} participants`);
  }
  const resume = randomNonce();
  const attachment: JoinedAttachment = { ...sender.attachment, username, joinedAt: Date.now(), resume };
  writeAttachment(sender.ws, attachment);
  const member: Member = { ws: sender.ws, attachment };
  room.roster.add(member);
  const sfu = await room.sfu.joinInfo(room, member);
  const joined: ServerMessage = {
    type: "joined",
    data: { roomId, users: room.roster.users(), media: room.roster.mediaStates(), resume, ...(sfu ? { sfu } : {}) },
  };
  if (message.requestId !== undefined) joined.requestId = message.requestId;
  send(sender.ws, joined);
  fanOut(room.roster.all(), { type: "user-joined", data: { user: username } }, attachment.sid);
}

export async function leave(room: RoomContext, member: Member, message: MessageOf<"leave-room">): Promise<void> {
  const { roomId, username } = message.data;
  if (roomId !== member.attachment.roomId) {
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
 * Removes a member (leave-room, or its socket closed/errored): others get
 * `user-left` once, then its media is closed. The caller has already made
 * sure this member departs only once.
 */
export async function depart(room: RoomContext, member: Member): Promise<void> {
  const { username, sid } = member.attachment;
  room.roster.remove(username, sid);
  fanOut(room.roster.all(), { type: "user-left", data: { user: username } }, sid);
  await room.sfu.memberLeft(room, member);
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
  const to = target === member.attachment.username ? undefined : room.roster.get(target);
  if (to === undefined) {
    const why = target === member.attachment.username ? "is yourself" : "is not in this room";
    send(member.ws, errorMessage("unknown-target", `${message.type}: target '${target}' ${why}`, message.requestId));
    return;
  }
  // The payload was validated for this very `type`, so the pair is a valid server message.
  const out = { type: message.type, data: { from: member.attachment.username, target, payload } } as ServerMessage;
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
