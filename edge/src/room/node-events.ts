import type { ConnectionQuality, NodeEvent, NodeEventsOutcome, ServerMessage } from "@huddle/protocol";
import { fanOut, send } from "./broadcast.ts";
import { isHidden, type Member, type Roster } from "./roster.ts";
import type { MediaStore, StoredProducer } from "./sfu/media-store.ts";

/** At most one `active-speaker` per room this often; a change inside the gap is sent at its end. */
export const ACTIVE_SPEAKER_MIN_GAP_MS = 500;

/** Lowest score (of a participant's streams) for each quality; lower is `poor`. */
const EXCELLENT_SCORE = 8;
const GOOD_SCORE = 5;

export interface NodeEventsContext {
  roster: Roster;
  store: MediaStore;
  /** A producer the node closed on its own: forget it and tell everyone (`producer-closed`). */
  producerClosed: (producer: StoredProducer) => void;
}

type TransportState = { ice: string; dtls: string };

/** What one participant's media looks like from the node (in memory: it only steers what is sent). */
class PeerMedia {
  readonly producers = new Map<string, number>();
  readonly consumers = new Map<string, number>();
  readonly transports = new Map<string, TransportState>();
  sent: ConnectionQuality | undefined;

  quality(): ConnectionQuality | undefined {
    for (const { ice, dtls } of this.transports.values()) {
      if (ice === "disconnected" || ice === "closed" || dtls === "failed" || dtls === "closed") return "lost";
    }
    // A score of 0 is a stream with nothing on it (paused, muted, a layer turned off): it says nothing of the link.
    const scores = [...this.producers.values(), ...this.consumers.values()].filter((score) => score > 0);
    if (scores.length === 0) return undefined;
    const lowest = Math.min(...scores);
    return lowest >= EXCELLENT_SCORE ? "excellent" : lowest >= GOOD_SCORE ? "good" : "poor";
  }
}

/**
 * Turns the room's node events (already known to come from the room's current node) into
 * protocol messages. Each event must name objects the room's media store holds for that peer:
 * anything else (a stale or foreign id, a peer that is not a member) is ignored and counted.
 * Runs without awaiting, so the store and roster it reads are the ones it acts on.
 *
 * - `active-speaker`: the speaker's username, at most one per ACTIVE_SPEAKER_MIN_GAP_MS, never
 *   the same speaker twice in a row;
 * - `connection-quality`: per member, from the lowest score of their producers and consumers and
 *   their transports' states, sent when it changes;
 * - `producer-closed` (through `producerClosed`) for producers the node closed.
 *
 * What concerns a hidden participant goes to that participant only; a member who joins later is
 * told the current speaker and qualities (`welcome`).
 */
export class NodeEvents {
  readonly #context: NodeEventsContext;
  readonly #peers = new Map<string, PeerMedia>();
  #speaker: string | undefined;
  #speakerSentAt = 0;
  #pendingSpeaker: { sid: string; level: number | undefined } | undefined;
  #speakerTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(context: NodeEventsContext) {
    this.#context = context;
  }

  apply(events: readonly NodeEvent[]): NodeEventsOutcome {
    const outcome: NodeEventsOutcome = { applied: 0, ignored: 0 };
    const touched = new Set<string>();
    for (const event of events) {
      if (this.#applyOne(event, touched)) outcome.applied++;
      else outcome.ignored++;
    }
    for (const sid of touched) this.#announceQuality(sid);
    return outcome;
  }

  /** A member just joined: what the others were told before (the speaker, each known quality). */
  welcome(member: Member): void {
    const { roster } = this.#context;
    if (this.#speaker !== undefined) {
      const speaker = roster.get(this.#speaker);
      if (speaker !== undefined && (speaker === member || !isHidden(speaker))) {
        send(member.ws, { type: "active-speaker", data: { user: this.#speaker } });
      }
    }
    for (const [sid, peer] of this.#peers) {
      const about = roster.bySocket(sid);
      if (about === undefined || peer.sent === undefined || (about !== member && isHidden(about))) continue;
      send(member.ws, { type: "connection-quality", data: { user: about.attachment.username, quality: peer.sent } });
    }
  }

  /** The member left: its state goes (a later member may reuse nothing of it). */
  forget(sid: string): void {
    this.#peers.delete(sid);
    if (this.#pendingSpeaker?.sid === sid) this.#pendingSpeaker = undefined;
  }

  /** The room's media moved or ended: everything known is about objects that are gone. */
  reset(): void {
    this.#peers.clear();
    this.#speaker = undefined;
    this.#pendingSpeaker = undefined;
    if (this.#speakerTimer !== undefined) clearTimeout(this.#speakerTimer);
    this.#speakerTimer = undefined;
  }

  #applyOne(event: NodeEvent, touched: Set<string>): boolean {
    const { store, roster } = this.#context;
    const sid = event.peerId;
    if (!roster.hasSocket(sid)) return false;
    switch (event.type) {
      case "active-speaker": {
        const producer = store.producer(event.producerId);
        if (producer?.sid !== sid || producer.kind !== "audio") return false;
        this.#speakerChanged(sid, event.level);
        return true;
      }
      case "producer-score": {
        if (store.producer(event.producerId)?.sid !== sid) return false;
        this.#peer(sid).producers.set(event.producerId, event.score);
        touched.add(sid);
        return true;
      }
      case "consumer-score": {
        if (!store.ownsConsumer(event.consumerId, sid)) return false;
        this.#peer(sid).consumers.set(event.consumerId, event.score);
        touched.add(sid);
        return true;
      }
      case "transport-state": {
        if (!store.ownsTransport(event.transportId, sid)) return false;
        this.#peer(sid).transports.set(event.transportId, { ice: event.ice, dtls: event.dtls });
        touched.add(sid);
        return true;
      }
      case "transport-closed": {
        if (!store.ownsTransport(event.transportId, sid)) return false;
        store.removeTransport(event.transportId);
        this.#peer(sid).transports.set(event.transportId, { ice: "closed", dtls: "closed" });
        touched.add(sid);
        return true;
      }
      case "producer-closed": {
        const producer = store.producer(event.producerId);
        if (producer?.sid !== sid) return false;
        this.#peer(sid).producers.delete(producer.id);
        this.#context.producerClosed(producer);
        touched.add(sid);
        return true;
      }
    }
  }

  #peer(sid: string): PeerMedia {
    let peer = this.#peers.get(sid);
    if (peer === undefined) {
      peer = new PeerMedia();
      this.#peers.set(sid, peer);
    }
    return peer;
  }

  #announceQuality(sid: string): void {
    const peer = this.#peers.get(sid);
    const member = this.#context.roster.bySocket(sid);
    const quality = peer?.quality();
    if (peer === undefined || member === undefined || quality === undefined || quality === peer.sent) return;
    peer.sent = quality;
    this.#tellAbout(member, { type: "connection-quality", data: { user: member.attachment.username, quality } });
  }

  #speakerChanged(sid: string, level: number | undefined): void {
    const wait = this.#speakerSentAt + ACTIVE_SPEAKER_MIN_GAP_MS - Date.now();
    if (wait <= 0) {
      this.#announceSpeaker(sid, level);
      return;
    }
    this.#pendingSpeaker = { sid, level };
    this.#speakerTimer ??= setTimeout(() => {
      this.#speakerTimer = undefined;
      const pending = this.#pendingSpeaker;
      this.#pendingSpeaker = undefined;
      if (pending !== undefined) this.#announceSpeaker(pending.sid, pending.level);
    }, wait);
  }

  #announceSpeaker(sid: string, level: number | undefined): void {
    // Looked up when sent: the member may have left while it waited.
    const member = this.#context.roster.bySocket(sid);
    const user = member?.attachment.username;
    if (member === undefined || user === undefined || user === this.#speaker) return;
    this.#speaker = user;
    this.#speakerSentAt = Date.now();
    this.#tellAbout(member, { type: "active-speaker", data: level === undefined ? { user } : { user, level } });
  }

  /** To everyone, or only to `member` when it is hidden (others must not learn it is there). */
  #tellAbout(member: Member, message: ServerMessage): void {
    if (isHidden(member)) send(member.ws, message);
    else fanOut(this.#context.roster.all(), message);
  }
}
