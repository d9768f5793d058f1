import type { UserMediaState } from "@huddle/protocol";
import { isJoined, type JoinedAttachment, readAttachmentChecked } from "./attachment.ts";
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

  /** Rebuilds the roster from hibernated sockets; returns sockets whose attachment is unusable. */
  static fromSockets(sockets: readonly WebSocket[]): { roster: Roster; unusable: WebSocket[] } {
    const roster = new Roster();
    const unusable: WebSocket[] = [];
    const joined: Member[] = [];
    for (const ws of sockets) {
      const attachment = readAttachmentChecked(ws);
      if (attachment === undefined) unusable.push(ws);
      else if (isJoined(attachment)) joined.push({ ws, attachment });
    }
    joined.sort(
      (a, b) =>
        a.attachment.joinedAt - b.attachment.joinedAt || a.attachment.username.localeCompare(b.attachment.username),
    );
    for (const member of joined) {
      // Two sockets can never hold one name (join checks the roster); if stored state says otherwise, the first wins.
      if (!roster.has(member.attachment.username)) roster.add(member);
    }
    return { roster, unusable };
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

  /** Every member's name as they typed it. */
  users(): string[] {
    return [...this.members.values()].map((member) => member.attachment.username);
  }

  mediaStates(): UserMediaState[] {
    const states: UserMediaState[] = [];
    for (const { attachment } of this.members.values()) {
      if (attachment.media !== undefined) states.push({ user: attachment.username, ...attachment.media });
    }
    return states;
  }
}
