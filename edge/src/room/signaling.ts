import {
  CLOSE_REPLACED,
  canonicalRoomId,
  constantTimeEqual,
  type ErrorCode,
  errorMessage,
  type IceServer,
  JOIN_TIMEOUT_MS,
  randomNonce,
  type ServerMessage,
} from "@huddle/protocol";
import { admit, type Identity } from "./admission.ts";
import {
  isJoined,
  isWaiting,
  type JoinedAttachment,
  newAttachment,
  permissionsOf,
  readAttachment,
  type SocketAttachment,
  type WaitingAttachment,
  withoutIdentity,
  writeAttachment,
} from "./attachment.ts";
import { closeQuietly, fanOut, send } from "./broadcast.ts";
import type { MessageOf, RoomContext } from "./context.ts";
import type { Waiter } from "./lobby.ts";
import { handsVisibleTo } from "./presence.ts";
import type { ParticipantSnapshot } from "./room-events.ts";
import { isHidden, type Member, participantInfo } from "./roster.ts";
import { turnServers } from "./turn-credentials.ts";

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
  const reply = (code: ErrorCode, text: string, reason?: string) =>
    send(ws, errorMessage(code, text, message.requestId, reason));
  // Read now, not when the message arrived: a join queued before this one may have joined this socket.
  const attachment = readAttachment(ws);
  if (attachment === undefined || room.closing(attachment.sid)) return;
  const holder = room.roster.get(username);
  const resuming = holder !== undefined && resumes(holder.attachment.resume, message.data.resume);
  // Who may join comes before anything else (and changes nothing when it says no).
  const admission = await admit(room, message.data, resuming);
  if (room.closing(attachment.sid)) return;
  if (!admission.ok) return void reply(admission.code, admission.message, admission.reason);
  if (isJoined(attachment)) return void reply("already-joined", "this socket already joined the room");
  if (isWaiting(attachment)) return void reply("already-joined", "this socket is already waiting in the lobby");
  if (canonicalRoomId(message.data.roomId) !== room.roomId) {
    return void reply(
      "room-mismatch",
      `join-room: roomId '${message.data.roomId}' is not the room of this socket's URL`,
    );
  }
  const identity = admission.identity;
  if (holder !== undefined) {
    if (!resuming) {
      const same =
        holder.attachment.username === username ? "is" : `looks too much like '${holder.attachment.username}', who is`;
      return void reply("username-taken", `username '${username}' ${same} already in the room`);
    }
    // The same person on a new connection: the membership goes on as it was.
    return takeOver(room, ws, attachment, holder, message.requestId);
  }
  const waiter = room.lobby.get(username);
  if (waiter !== undefined) return void reply("username-taken", `username '${username}' is waiting in the lobby`);
  if (!identity.permissions.roomAdmin) {
    const settings = room.access.settings();
    if (settings.locked) return void reply("room-locked", "the room is locked: only moderators may join");
    if (settings.lobby) return wait(room, ws, attachment, username, identity, message.requestId);
  }
  await enter(room, ws, attachment, { username, identity, requestId: message.requestId });
}

/**
 * A `join-room` with the membership's resume secret: the new socket takes the membership over
 * as it is (its id, so the media node's peer with its transports, producers and consumers; its
 * grants, metadata, hand and media state). The others see nothing. The old socket, if the room
 * still holds it open (a drop the edge did not notice), is let go under a fresh id of its own,
 * so its close changes nothing, and closed with CLOSE_REPLACED.
 */
async function takeOver(
  room: RoomContext,
  ws: WebSocket,
  attachment: SocketAttachment,
  holder: Member,
  requestId: string | undefined,
): Promise<void> {
  const iceServers =
    room.config.turn === undefined ? undefined : await turnServers(room.config.turn, holder.attachment.username);
  // The new socket closed meanwhile: the membership stays as it was (away, or on its old socket).
  if (room.closing(attachment.sid)) return;
  // From here on nothing is awaited: the roster changes in one step.
  const { sid } = holder.attachment;
  if (!room.away.has(sid)) {
    writeAttachment(holder.ws, newAttachment());
    closeQuietly(holder.ws, CLOSE_REPLACED, "replaced by a new connection");
  }
  room.away.forget(sid);
  room.adopt(attachment.sid, sid);
  const joined: JoinedAttachment = { ...holder.attachment, openedAt: attachment.openedAt, resume: randomNonce() };
  writeAttachment(ws, joined);
  const member: Member = { ws, attachment: joined };
  // Same name, same id: it keeps its place in the join order.
  room.roster.add(member);
  send(ws, joinedMessage(room, member, { requestId, iceServers, resumed: true }));
  room.media.welcome(member);
}

/**
 * The socket of `member` dropped (no close frame, its keepalive timed out, an error): it stays
 * in the room for the reconnect grace, then leaves (`expireAway`) unless it resumed.
 */
export async function keepAway(room: RoomContext, member: Member): Promise<void> {
  const grace = room.config.reconnectGraceMs;
  if (grace === 0) return depart(room, member);
  // After a wake-up the dropped socket is not among ctx.getWebSockets(), so not in the rebuilt roster.
  if (room.roster.get(member.attachment.username) === undefined) room.roster.add(member);
  const until = Date.now() + grace;
  room.away.keep(member.attachment, until);
  await room.wakeAt(until);
}

/** The room's alarm: members away past their grace leave, as if their socket had just closed. */
export async function expireAway(room: RoomContext, now = Date.now()): Promise<void> {
  for (const { attachment, until } of room.away.all()) {
    if (until > now) continue;
    room.away.forget(attachment.sid);
    const member = room.roster.bySocket(attachment.sid);
    if (member !== undefined) await depart(room, member);
  }
  const next = room.away.nextDeadline();
  if (next !== undefined) await room.wakeAt(next);
}

/** What the room keeps of a socket's identity (its metadata lives in the AccessStore). */
function identityOf(attachment: SocketAttachment): Identity {
  return {
    permissions: permissionsOf(attachment),
    name: attachment.name,
    tokenId: attachment.tokenId,
    tokenExpiresAt: attachment.tokenExpiresAt,
  };
}

/** The fields of an attachment that say who its socket is. */
function identityFields(identity: Identity): Partial<SocketAttachment> {
  const fields: Partial<SocketAttachment> = { permissions: identity.permissions };
  if (identity.name !== undefined) fields.name = identity.name;
  if (identity.tokenId !== undefined) fields.tokenId = identity.tokenId;
  if (identity.tokenExpiresAt !== undefined) fields.tokenExpiresAt = identity.tokenExpiresAt;
  return fields;
}

/** Puts a joiner in the lobby: it is told to wait, moderators are told who waits. */
function wait(
  room: RoomContext,
  ws: WebSocket,
  attachment: SocketAttachment,
  username: string,
  identity: Identity,
  requestId: string | undefined,
): void {
  const waiting: WaitingAttachment = {
    ...withoutIdentity(attachment, attachment.openedAt),
    ...identityFields(identity),
    waiting: { username, since: Date.now(), ...(requestId === undefined ? {} : { requestId }) },
  };
  writeAttachment(ws, waiting);
  room.access.setMetadata(waiting.sid, identity.metadata);
  room.lobby.add({ ws, attachment: waiting });
  const out: ServerMessage = { type: "lobby-waiting", data: { roomId: room.roomId } };
  send(ws, requestId === undefined ? out : { ...out, requestId });
  lobbyChanged(room);
}

/** Tells every moderator who waits in the lobby now (`except`: one that gets it as a reply). */
export function lobbyChanged(room: RoomContext, except?: Member, requestId?: string): void {
  const out: ServerMessage = { type: "lobby-updated", data: { waiting: room.lobby.entries() } };
  fanOut(room.roster.moderators(), out, except?.attachment.sid);
  if (except !== undefined) send(except.ws, requestId === undefined ? out : { ...out, requestId });
}

export interface Entry {
  username: string;
  identity: Identity;
  /** The `requestId` of its `join-room`, for the `joined` reply. */
  requestId: string | undefined;
}

/**
 * Makes `ws` a member: after a `join-room` that passed every check, or a moderator's admission
 * from the lobby. Returns whether it joined.
 */
export async function enter(room: RoomContext, ws: WebSocket, attachment: SocketAttachment, entry: Entry) {
  const { username, identity, requestId } = entry;
  if (room.roster.size >= room.config.maxParticipants) {
    const text = `the room has reached its limit of ${room.config.maxParticipants} participants`;
    send(ws, errorMessage("room-full", text, requestId));
    return false;
  }
  // Before the member is in the roster: from then on nothing may be awaited until `joined` is sent.
  const iceServers = room.config.turn === undefined ? undefined : await turnServers(room.config.turn, username);
  const opensCall = room.roster.size === 0;
  await room.media.prepareJoin(opensCall);
  // The socket closed while the media side got ready: it never joins, nobody saw it.
  if (room.closing(attachment.sid)) {
    await room.media.joinAbandoned();
    return false;
  }
  const resume = randomNonce();
  const joined: JoinedAttachment = {
    ...withoutIdentity(attachment, attachment.openedAt),
    ...identityFields(identity),
    username,
    joinedAt: Date.now(),
    resume,
  };
  writeAttachment(ws, joined);
  const member: Member = { ws, attachment: joined };
  room.roster.add(member);
  room.access.setMetadata(joined.sid, identity.metadata);
  const you = participantInfo(member, identity.metadata);
  send(ws, joinedMessage(room, member, { requestId, iceServers, resumed: false }));
  room.media.welcome(member);
  if (!isHidden(member)) fanOut(room.roster.all(), { type: "user-joined", data: you }, joined.sid);
  if (opensCall) room.events.emit({ kind: "room-started" });
  room.events.emit({ kind: "participant-joined", participant: snapshotOf(room, member) });
  return true;
}

/** The `joined` reply for `member`, who is in the roster (its metadata in the AccessStore). */
function joinedMessage(
  room: RoomContext,
  member: Member,
  options: { requestId: string | undefined; iceServers: IceServer[] | undefined; resumed: boolean },
): ServerMessage {
  const { attachment } = member;
  const sfu = room.media.joinInfo();
  const out: ServerMessage = {
    type: "joined",
    data: {
      roomId: room.roomId,
      users: room.roster.users(member),
      media: room.roster.mediaStates(member),
      ...(attachment.resume === undefined ? {} : { resume: attachment.resume }),
      you: participantInfo(member, room.access.metadata(attachment.sid)),
      participants: room.roster
        .visibleTo(member)
        .map((m) => participantInfo(m, room.access.metadata(m.attachment.sid))),
      room: room.access.settings(),
      hands: handsVisibleTo(room.roster, member),
      ...(permissionsOf(attachment).roomAdmin ? { lobby: room.lobby.entries() } : {}),
      ...(options.iceServers === undefined ? {} : { iceServers: options.iceServers }),
      ...(sfu ? { sfu } : {}),
      recording: room.recording.current(room.media.placementEpoch()),
      ...(options.resumed ? { resumed: true } : {}),
    },
  };
  if (options.requestId !== undefined) out.requestId = options.requestId;
  return out;
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

/** A waiting socket stops waiting (its `leave-room`, or it closed): moderators are told. */
export async function stopWaiting(room: RoomContext, waiter: Waiter): Promise<void> {
  if (!room.lobby.remove(waiter)) return;
  room.access.setMetadata(waiter.attachment.sid, undefined);
  const unjoined = withoutIdentity(waiter.attachment);
  writeAttachment(waiter.ws, unjoined);
  lobbyChanged(room);
  await room.wakeAt(unjoined.openedAt + JOIN_TIMEOUT_MS);
}

/**
 * Removes a member (leave-room, its socket closed/errored, a moderator removed it, or its own
 * new connection `replaced` it): others get `user-left` once, then its media is closed. The
 * caller has made sure the member is in the roster. The last member out ends the call: the
 * room's settings reset, and whoever waited in the lobby comes in.
 */
export async function depart(room: RoomContext, member: Member, why: "left" | "replaced" = "left"): Promise<void> {
  room.away.forget(member.attachment.sid);
  room.roster.remove(member);
  if (!isHidden(member)) {
    fanOut(room.roster.all(), { type: "user-left", data: { user: member.attachment.username } }, member.attachment.sid);
  }
  const snapshot = snapshotOf(room, member);
  room.access.setMetadata(member.attachment.sid, undefined);
  await room.media.memberLeft(member);
  if (why === "replaced") return;
  room.events.emit({ kind: "participant-left", participant: snapshot });
  if (room.roster.size > 0) return;
  room.events.emit({ kind: "room-finished" });
  room.access.resetSettings();
  await admitEveryone(room);
}

/** Lets everyone waiting in the lobby in, in arrival order (the lobby was turned off, or the room emptied). */
export async function admitEveryone(room: RoomContext): Promise<void> {
  for (const waiter of room.lobby.all()) await admitWaiter(room, waiter);
}

/** Lets one waiter in; returns whether it joined. */
export async function admitWaiter(room: RoomContext, waiter: Waiter): Promise<boolean> {
  if (!room.lobby.remove(waiter)) return false;
  const { attachment } = waiter;
  const identity = { ...identityOf(attachment), metadata: room.access.metadata(attachment.sid) };
  const entry: Entry = {
    username: attachment.waiting.username,
    identity,
    requestId: attachment.waiting.requestId,
  };
  const joined = await enter(room, waiter.ws, attachment, entry);
  if (!joined && readAttachment(waiter.ws)?.waiting !== undefined) {
    // Refused (the room is full) or gone: it is an unjoined socket again.
    writeAttachment(waiter.ws, withoutIdentity(attachment));
    room.access.setMetadata(attachment.sid, undefined);
  }
  return joined;
}

/** A member as room events describe it. */
export function snapshotOf(room: Pick<RoomContext, "access">, member: Member): ParticipantSnapshot {
  const { attachment } = member;
  return {
    user: attachment.username,
    name: attachment.name,
    metadata: room.access.metadata(attachment.sid),
    joinedAt: attachment.joinedAt,
    permissions: permissionsOf(attachment),
  };
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
  const found = room.roster.get(target);
  // A hidden participant cannot be reached by name: others do not know it is there.
  const to = found !== undefined && isHidden(found) ? undefined : found;
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
