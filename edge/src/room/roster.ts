import type { ParticipantInfo, UserMediaState } from "@huddle/protocol";
import {
  isJoined,
  isWaiting,
  type JoinedAttachment,
  permissionsOf,
  readAttachmentChecked,
  type WaitingAttachment,
} from "./attachment.ts";
import { usernameKey } from "./username-key.ts";

/** A joined participant: its socket and who it is. */
export interface Member {
  readonly ws: WebSocket;
  attachment: JoinedAttachment;
}

/**
 * The joined participants of a room, in join order, found by username: two names with the same
 * `usernameKey` (look-alikes) are one name here. It is an index over the sockets' attachments,
 * never the source of truth: a fresh instance rebuilds it with `Roster.fromSockets(ctx.getWebSockets())`.
 */
export class Roster {
  /** By `usernameKey`, in join order. */
  private readonly members = new Map<string, Member>();
  /** The same members by socket id. */
  private readonly sockets = new Map<string, Member>();

  /**
   * Rebuilds the roster from hibernated sockets and the members away in their reconnect grace
   * (`away`, whose sockets dropped); returns the sockets waiting in the lobby, and those whose
   * attachment is unusable.
   */
  static fromSockets(
    sockets: readonly WebSocket[],
    away: readonly Member[] = [],
  ): {
    roster: Roster;
    waiting: { ws: WebSocket; attachment: WaitingAttachment }[];
    unusable: WebSocket[];
  } {
    const roster = new Roster();
    const unusable: WebSocket[] = [];
    const joined: Member[] = [];
    const waiting: { ws: WebSocket; attachment: WaitingAttachment }[] = [];
    for (const ws of sockets) {
      const attachment = readAttachmentChecked(ws);
      if (attachment === undefined) unusable.push(ws);
      else if (isJoined(attachment)) joined.push({ ws, attachment });
      else if (isWaiting(attachment)) waiting.push({ ws, attachment });
    }
    // A live socket of the same membership wins over its away record (takeOver forgets the record).
    const live = new Set(joined.map((member) => member.attachment.sid));
    for (const member of away) if (!live.has(member.attachment.sid)) joined.push(member);
    joined.sort(
      (a, b) =>
        a.attachment.joinedAt - b.attachment.joinedAt || a.attachment.username.localeCompare(b.attachment.username),
    );
    for (const member of joined) {
      // Two sockets can never hold one name (join checks the roster); if stored state says otherwise, the first wins.
      if (!roster.has(member.attachment.username)) roster.add(member);
    }
    return { roster, waiting, unusable };
  }

  get size(): number {
    return this.members.size;
  }

  /** The member holding `username` or a look-alike of it. */
  get(username: string): Member | undefined {
    return this.members.get(usernameKey(username));
  }

  has(username: string): boolean {
    return this.members.has(usernameKey(username));
  }

  /** Whether `member` (that very socket) is still in the room. */
  holds(member: Member): boolean {
    return this.sockets.get(member.attachment.sid) === member;
  }

  /** Whether socket `sid` is a member. */
  hasSocket(sid: string): boolean {
    return this.sockets.has(sid);
  }

  /** The member on socket `sid`. */
  bySocket(sid: string): Member | undefined {
    return this.sockets.get(sid);
  }

  add(member: Member): void {
    this.members.set(usernameKey(member.attachment.username), member);
    this.sockets.set(member.attachment.sid, member);
  }

  /** Removes `member` if that socket still holds its name. */
  remove(member: Member): boolean {
    if (!this.holds(member)) return false;
    this.sockets.delete(member.attachment.sid);
    return this.members.delete(usernameKey(member.attachment.username));
  }

  all(): IterableIterator<Member> {
    return this.members.values();
  }

  /** The members `viewer` sees: everyone but hidden participants, and the viewer itself. */
  visibleTo(viewer: Member): Member[] {
    return [...this.members.values()].filter((member) => member === viewer || !isHidden(member));
  }

  /** Every member but hidden ones (what broadcasts about the room show). */
  visible(): Member[] {
    return [...this.members.values()].filter((member) => !isHidden(member));
  }

  /** Members with the roomAdmin grant. */
  moderators(): Member[] {
    return [...this.members.values()].filter((member) => permissionsOf(member.attachment).roomAdmin);
  }

  /** The names `viewer` sees, as they typed them. */
  users(viewer: Member): string[] {
    return this.visibleTo(viewer).map((member) => member.attachment.username);
  }

  /** The last `media-state` of each member `viewer` sees. */
  mediaStates(viewer: Member): UserMediaState[] {
    const states: UserMediaState[] = [];
    for (const { attachment } of this.visibleTo(viewer)) {
      if (attachment.media !== undefined) states.push({ user: attachment.username, ...attachment.media });
    }
    return states;
  }
}

/** Hidden participants (recorders, bots) are not shown to others. */
export function isHidden(member: Member): boolean {
  return permissionsOf(member.attachment).hidden;
}

/** What others see of `member` (`metadata` is kept in the room's storage, not on the socket). */
export function participantInfo(member: Member, metadata: string | undefined): ParticipantInfo {
  const { attachment } = member;
  const info: ParticipantInfo = { user: attachment.username, permissions: permissionsOf(attachment) };
  if (attachment.name !== undefined) info.name = attachment.name;
  if (metadata !== undefined) info.metadata = metadata;
  return info;
}
