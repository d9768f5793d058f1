import {
  errorMessage,
  HAND_RATE_BURST,
  HAND_RATE_PER_SECOND,
  type RaisedHand,
  REACTION_RATE_BURST,
  REACTION_RATE_PER_SECOND,
  type ServerMessage,
} from "@huddle/protocol";
import { writeAttachment } from "./attachment.ts";
import { fanOut, send } from "./broadcast.ts";
import type { MessageOf, RoomContext } from "./context.ts";
import { TokenBucket } from "./rate-limit.ts";
import { isHidden, type Member, type Roster } from "./roster.ts";
import { usernameKey } from "./username-key.ts";

/**
 * Presence (docs/protocol.md, "Presence"): raised hands and reactions. A hand lives on its
 * member's socket attachment (`hand`: when it went up, ms since epoch), so hibernation keeps it
 * and `resume` carries it over; a reaction is only passed on. Who sends is always the socket's
 * own member: the messages carry no claim of identity, and only a moderator may name someone
 * else (`lower-hand.user`, checked in permissions-check.ts).
 */

type PresenceKind = "hand" | "reaction";

const LIMITS: Record<PresenceKind, { burst: number; perSecond: number }> = {
  hand: { burst: HAND_RATE_BURST, perSecond: HAND_RATE_PER_SECOND },
  reaction: { burst: REACTION_RATE_BURST, perSecond: REACTION_RATE_PER_SECOND },
};

/**
 * A token bucket per participant and kind, by username (its look-alike key), not by socket: a
 * new connection of the same person does not start with a full bucket. In memory only (an
 * evicted room forgives a little, as the socket limiter does); names no longer in the room are
 * dropped once the table outgrows the room.
 */
export class PresenceBuckets {
  /** By username key: the name as it joined, and its buckets. */
  private readonly buckets = new Map<string, { username: string } & Record<PresenceKind, TokenBucket>>();
  private readonly roster: Roster;

  constructor(roster: Roster) {
    this.roster = roster;
  }

  allow(member: Member, kind: PresenceKind, now: number = Date.now()): boolean {
    const key = usernameKey(member.attachment.username);
    let buckets = this.buckets.get(key);
    if (buckets === undefined) {
      this.prune();
      buckets = {
        username: member.attachment.username,
        hand: new TokenBucket(LIMITS.hand.burst, LIMITS.hand.perSecond, now),
        reaction: new TokenBucket(LIMITS.reaction.burst, LIMITS.reaction.perSecond, now),
      };
      this.buckets.set(key, buckets);
    }
    return buckets[kind].take(now);
  }

  private prune(): void {
    if (this.buckets.size < 2 * this.roster.size + 16) return;
    for (const [key, { username }] of this.buckets) {
      if (!this.roster.has(username)) this.buckets.delete(key);
    }
  }
}

export type PresenceMessage = MessageOf<"raise-hand" | "lower-hand" | "send-reaction">;

const PRESENCE_TYPES: ReadonlySet<string> = new Set(["raise-hand", "lower-hand", "send-reaction"]);

export function isPresenceMessage(message: { type: string }): message is PresenceMessage {
  return PRESENCE_TYPES.has(message.type);
}

export function handlePresence(room: RoomContext, buckets: PresenceBuckets, member: Member, message: PresenceMessage) {
  const kind: PresenceKind = message.type === "send-reaction" ? "reaction" : "hand";
  if (!buckets.allow(member, kind)) {
    const { burst, perSecond } = LIMITS[kind];
    const text = `${message.type}: too many (limit: ${burst}, refilled at ${perSecond}/s); slow down`;
    return void send(member.ws, errorMessage("rate-limited", text, message.requestId));
  }
  switch (message.type) {
    case "raise-hand":
      return raiseHand(room, member, message.requestId);
    case "lower-hand":
      return lowerHand(room, member, message);
    case "send-reaction":
      return broadcast(
        room,
        member,
        {
          type: "reaction",
          data: { user: member.attachment.username, reaction: message.data.reaction },
        },
        message.requestId,
      );
  }
}

function raiseHand(room: RoomContext, member: Member, requestId: string | undefined): void {
  const { attachment } = member;
  if (attachment.hand !== undefined) {
    // Already up: it keeps its place in the order; only the sender hears back.
    return void reply(member, handRaised(attachment.username, attachment.hand), requestId);
  }
  // Strictly after every other hand, so two hands raised within a millisecond keep their order.
  const hand = Math.max(Date.now(), latestHand(room.roster) + 1);
  member.attachment = { ...attachment, hand };
  writeAttachment(member.ws, member.attachment);
  broadcast(room, member, handRaised(attachment.username, hand), requestId);
}

function lowerHand(room: RoomContext, member: Member, message: MessageOf<"lower-hand">): void {
  const named = message.data.user;
  const found = named === undefined ? member : room.roster.get(named);
  const target = found !== undefined && (found === member || !isHidden(found)) ? found : undefined;
  if (target === undefined) {
    const text = `lower-hand: '${named}' is not in this room`;
    return void send(member.ws, errorMessage("unknown-target", text, message.requestId));
  }
  const by = target === member ? {} : { by: member.attachment.username };
  const out: ServerMessage = { type: "hand-lowered", data: { user: target.attachment.username, ...by } };
  if (target.attachment.hand === undefined) return void reply(member, out, message.requestId);
  const { hand: _down, ...rest } = target.attachment;
  target.attachment = rest;
  writeAttachment(target.ws, target.attachment);
  broadcast(room, member, out, message.requestId);
}

/** To everyone but `member`, then to `member` with its `requestId`. */
function broadcast(room: RoomContext, member: Member, out: ServerMessage, requestId: string | undefined): void {
  fanOut(room.roster.all(), out, member.attachment.sid);
  reply(member, out, requestId);
}

function reply(member: Member, out: ServerMessage, requestId: string | undefined): void {
  send(member.ws, requestId === undefined ? out : { ...out, requestId });
}

function handRaised(user: string, hand: number): ServerMessage {
  return { type: "hand-raised", data: { user, raisedAt: new Date(hand).toISOString() } };
}

function latestHand(roster: Roster): number {
  let latest = 0;
  for (const { attachment } of roster.all()) latest = Math.max(latest, attachment.hand ?? 0);
  return latest;
}

/** The raised hands `viewer` can see, in the order they went up (for `joined.hands`). */
export function handsVisibleTo(roster: Roster, viewer: Member): RaisedHand[] {
  return roster
    .visibleTo(viewer)
    .flatMap(({ attachment }) =>
      attachment.hand === undefined ? [] : [{ user: attachment.username, at: attachment.hand }],
    )
    .sort((a, b) => a.at - b.at)
    .map(({ user, at }) => ({ user, raisedAt: new Date(at).toISOString() }));
}

/** After a member (re)entered with its hand up (a `resume`): the others see it again, at its old time. */
export function announceHand(room: RoomContext, member: Member): void {
  const { hand, username, sid } = member.attachment;
  if (hand === undefined || isHidden(member)) return;
  fanOut(room.roster.all(), handRaised(username, hand), sid);
}
