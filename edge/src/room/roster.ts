import type { UserMediaState } from "@huddle/protocol";
import { isJoined, type JoinedAttachment, readAttachmentChecked } from "./attachment.ts";

/** A joined participant: its socket and who it is. */
export interface Member {
  readonly ws: WebSocket;
  attachment: JoinedAttachment;
}

/**
 * The joined participants of a room, by username, in join order. It is an
 * index over the sockets' attachments, never the source of truth: a fresh
 * instance rebuilds it with `Roster.fromSockets(ctx.getWebSockets())`.
 */
export class Roster {
  private readonly members = new Map<string, Member>();

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
      if (!roster.members.has(member.attachment.username)) roster.add(member);
    }
    return { roster, unusable };
  }

  get size(): number {
    return this.members.size;
  }

  get(username: string): Member | undefined {
    return this.members.get(username);
  }

  has(username: string): boolean {
    return this.members.has(username);
  }

  add(member: Member): void {
    this.members.set(member.attachment.username, member);
  }

  /** Removes `username` if it is held by socket `sid`. */
  remove(username: string, sid: string): boolean {
    const member = this.members.get(username);
    if (member === undefined || member.attachment.sid !== sid) return false;
    return this.members.delete(username);
  }

  all(): IterableIterator<Member> {
    return this.members.values();
  }

  users(): string[] {
    return [...this.members.keys()];
  }

  mediaStates(): UserMediaState[] {
    const states: UserMediaState[] = [];
    for (const { attachment } of this.members.values()) {
      if (attachment.media !== undefined) states.push({ user: attachment.username, ...attachment.media });
    }
    return states;
  }
}
