import {
  CLOSE_DENIED,
  CLOSE_REMOVED,
  CLOSE_ROOM_ENDED,
  type ClientData,
  type ErrorCode,
  errorMessage,
  JOIN_TIMEOUT_MS,
  type MODERATION_MESSAGE_TYPES,
  type Permissions,
  type ServerMessage,
} from "@huddle/protocol";
import { permissionsOf, withoutIdentity, writeAttachment } from "./attachment.ts";
import { closeQuietly, fanOut, send } from "./broadcast.ts";
import type { RoomContext } from "./context.ts";
import { isHidden, type Member, participantInfo } from "./roster.ts";
import { admitEveryone, admitWaiter, depart, lobbyChanged, snapshotOf } from "./signaling.ts";

export type ModerationType = (typeof MODERATION_MESSAGE_TYPES)[number];
/** A moderation request: the `type` and `data` of its message, from a member or the room API. */
export type ModerationRequest = { [T in ModerationType]: { type: T; data: ClientData<T> } }[ModerationType];

export type Outcome = { ok: true } | { ok: false; code: ErrorCode; message: string };

/** Who asks: a member with roomAdmin (its reply carries `requestId`), or the room API (nobody). */
export interface Actor {
  member: Member | undefined;
  requestId?: string | undefined;
}

const OK: Outcome = { ok: true };

/**
 * Carries out one moderation request. The Room runs it in its membership queue (it changes who
 * is in the room, or what they may do), after checking the roomAdmin grant of a member who asks.
 * Broadcasts are sent here; the asking member gets its copy with its `requestId`.
 */
export async function moderate(room: RoomContext, actor: Actor, request: ModerationRequest): Promise<Outcome> {
  const by = actor.member?.attachment.username;
  const byField = by === undefined ? {} : { by };
  switch (request.type) {
    case "mute-participant": {
      const target = targetOf(room, request.data.user);
      if (target === undefined) return unknown(request.type, request.data.user);
      await room.media.muteSource(target, request.data.source);
      if (!room.roster.holds(target)) return unknown(request.type, request.data.user);
      const out: ServerMessage = {
        type: "participant-muted",
        data: { user: target.attachment.username, source: request.data.source, ...byField },
      };
      announce(room, out, actor, isHidden(target) ? [target] : undefined);
      return OK;
    }
    case "remove-participant": {
      const target = targetOf(room, request.data.user);
      if (target === undefined) return unknown(request.type, request.data.user);
      const { attachment } = target;
      if (attachment.tokenId !== undefined) {
        room.access.removeToken(attachment.tokenId, attachment.tokenExpiresAt ?? Date.now() + 24 * 3600_000);
      }
      const reason = request.data.reason;
      const out: ServerMessage = {
        type: "participant-removed",
        data: { user: attachment.username, ...byField, ...(reason === undefined ? {} : { reason }) },
      };
      writeAttachment(target.ws, withoutIdentity(attachment));
      send(target.ws, out);
      closeQuietly(target.ws, CLOSE_REMOVED, "removed by a moderator");
      await depart(room, target);
      if (actor.member !== undefined && actor.member !== target) reply(actor, out);
      return OK;
    }
    case "update-participant": {
      const target = targetOf(room, request.data.user);
      if (target === undefined) return unknown(request.type, request.data.user);
      const { permissions: change, name, metadata } = request.data;
      const permissions: Permissions = { ...permissionsOf(target.attachment), ...change };
      // LiveKit: an empty list of sources means every source.
      if (permissions.canPublishSources?.length === 0) delete permissions.canPublishSources;
      target.attachment = { ...target.attachment, permissions, ...(name === undefined ? {} : { name }) };
      writeAttachment(target.ws, target.attachment);
      if (metadata !== undefined) room.access.setMetadata(target.attachment.sid, metadata);
      await room.media.enforce(target, permissions);
      if (!room.roster.holds(target)) return unknown(request.type, request.data.user);
      const info = participantInfo(target, room.access.metadata(target.attachment.sid));
      announce(room, { type: "participant-updated", data: { ...info, ...byField } }, actor, hiddenAudience(target));
      return OK;
    }
    case "update-room": {
      const before = room.access.settings();
      const settings = {
        locked: request.data.locked ?? before.locked,
        lobby: request.data.lobby ?? before.lobby,
      };
      room.access.setSettings(settings);
      announce(room, { type: "room-updated", data: { ...settings, ...byField } }, actor);
      // The lobby closed: whoever waited comes in (or, in a locked room, is refused).
      if (before.lobby && !settings.lobby) await flushLobby(room);
      return OK;
    }
    case "admit-participant":
    case "deny-participant": {
      const waiter = room.lobby.get(request.data.user);
      if (waiter === undefined) {
        return {
          ok: false,
          code: "unknown-target",
          message: `${request.type}: '${request.data.user}' is not waiting in the lobby`,
        };
      }
      if (request.type === "admit-participant") {
        await admitWaiter(room, waiter);
      } else {
        room.lobby.remove(waiter);
        room.access.setMetadata(waiter.attachment.sid, undefined);
        const { requestId } = waiter.attachment.waiting;
        writeAttachment(waiter.ws, withoutIdentity(waiter.attachment));
        send(waiter.ws, errorMessage("join-denied", "a moderator did not let you in", requestId));
        closeQuietly(waiter.ws, CLOSE_DENIED, "denied by a moderator");
      }
      lobbyChanged(room, actor.member, actor.requestId);
      return OK;
    }
    case "end-room":
      await endRoom(room, actor, by === undefined ? "ended by the room's owner" : "ended by a moderator");
      return OK;
  }
}

/**
 * Ends the call for everyone: each member and each socket in the lobby gets `room-ended` and is
 * closed; the room's media is released and its settings reset. (A socket that has not asked to
 * join yet stays: it joins the next call.)
 */
async function endRoom(room: RoomContext, actor: Actor, reason: string): Promise<void> {
  const by = actor.member?.attachment.username;
  const out: ServerMessage = { type: "room-ended", data: { reason, ...(by === undefined ? {} : { by }) } };
  const members = [...room.roster.all()];
  for (const waiter of room.lobby.all()) {
    room.lobby.remove(waiter);
    room.access.setMetadata(waiter.attachment.sid, undefined);
    writeAttachment(waiter.ws, withoutIdentity(waiter.attachment));
    send(waiter.ws, out);
    closeQuietly(waiter.ws, CLOSE_ROOM_ENDED, "the room was ended");
  }
  for (const member of members) {
    writeAttachment(member.ws, withoutIdentity(member.attachment));
    send(
      member.ws,
      actor.member === member && actor.requestId !== undefined ? { ...out, requestId: actor.requestId } : out,
    );
    closeQuietly(member.ws, CLOSE_ROOM_ENDED, "the room was ended");
  }
  // Nobody is left to tell: the departures only close the media (the last one releases the room's node).
  for (const member of members) room.roster.remove(member);
  for (const member of members) {
    room.events.emit({ kind: "participant-left", participant: snapshotOf(room, member) });
    room.access.setMetadata(member.attachment.sid, undefined);
    await room.media.memberLeft(member);
  }
  if (members.length > 0) room.events.emit({ kind: "room-finished" });
  room.access.resetSettings();
}

/** The lobby was turned off: everyone waiting comes in, unless the room is locked. */
async function flushLobby(room: RoomContext): Promise<void> {
  if (!room.access.settings().locked) return admitEveryone(room);
  for (const waiter of room.lobby.all()) {
    room.lobby.remove(waiter);
    room.access.setMetadata(waiter.attachment.sid, undefined);
    const { requestId } = waiter.attachment.waiting;
    writeAttachment(waiter.ws, withoutIdentity(waiter.attachment));
    send(waiter.ws, errorMessage("room-locked", "the room is locked: only moderators may join", requestId));
  }
  lobbyChanged(room);
  // They may try again; if they do not, the room closes their sockets (JOIN_TIMEOUT_MS).
  await room.wakeAt(Date.now() + JOIN_TIMEOUT_MS);
}

/** A member by name; hidden members count (a moderator or the room API may act on them). */
function targetOf(room: RoomContext, user: string): Member | undefined {
  return room.roster.get(user);
}

function unknown(type: string, user: string): Outcome {
  return { ok: false, code: "unknown-target", message: `${type}: '${user}' is not in this room` };
}

/** News about a hidden member goes only to it (and to the moderator who asked). */
function hiddenAudience(target: Member): Member[] | undefined {
  return isHidden(target) ? [target] : undefined;
}

/** Sends `out` to `audience` (default: every member), the asking member's copy with its requestId. */
function announce(room: RoomContext, out: ServerMessage, actor: Actor, audience?: Member[]): void {
  const except = actor.member?.attachment.sid;
  fanOut(audience ?? room.roster.all(), out, except);
  if (actor.member !== undefined) reply(actor, out);
}

function reply(actor: Actor, out: ServerMessage): void {
  if (actor.member === undefined) return;
  send(actor.member.ws, actor.requestId === undefined ? out : { ...out, requestId: actor.requestId });
}
