import {
  type BatchCall,
  errorMessage,
  LAYER_RATE_BURST,
  LAYER_RATE_PER_SECOND,
  mayPublish,
  type NodeEvent,
  type NodeEventsOutcome,
  type Permissions,
  type SfuInfo,
  type TrackSource,
  trackSourceOf,
} from "@huddle/protocol";
import type { MediaConfig } from "../../config.ts";
import { asMediaCallError, MediaNodeClient } from "../../media/node-client.ts";
import type { MediaRegistry } from "../../media/registry.ts";
import { permissionsOf } from "../attachment.ts";
import { fanOut, send } from "../broadcast.ts";
import { NodeEvents } from "../node-events.ts";
import { RateLimiter } from "../rate-limit.ts";
import type { RecordingState } from "../recording-state.ts";
import type { ParticipantSnapshot, RoomEvents, TrackSnapshot } from "../room-events.ts";
import type { ProducerOwner, RoomMedia, SfuMessage } from "../room-media.ts";
import type { Member, Roster } from "../roster.ts";
import { Dynacast } from "./dynacast.ts";
import { ExpectedCalls } from "./expected-calls.ts";
import { MediaPlacement, type ResetReason } from "./media-placement.ts";
import { probeRoom } from "./media-probe.ts";
import { MediaStore, type Placement, producerInfo, type StoredProducer } from "./media-store.ts";
import { NodeCallBatcher } from "./node-call-batcher.ts";
import { forwardSfuRequest, nodeErrorCode } from "./sfu-requests.ts";

export interface SfuMediaOptions {
  roomId: string;
  roster: Roster;
  sql: SqlStorage;
  registry: DurableObjectStub<MediaRegistry>;
  media: MediaConfig;
  /** Asks the room to run `check` at (or before) this time. */
  wakeAt: (at: number) => Promise<void>;
  /** Where track-published / track-unpublished go. */
  events: RoomEvents;
  /** A member as room events describe it. */
  snapshot: (member: Member) => ParticipantSnapshot;
  /** The room's copy of whether its node records it (a recording keeps every layer on: Dynacast). */
  recording: RecordingState;
}

/**
 * A room's media delegated to a media node over its signed HTTP API.
 *
 * The room is placed on a node when a call opens (the registry picks the node with the most
 * headroom) and stays there (MediaPlacement). Every transport, producer and consumer is recorded
 * with the socket that owns it (MediaStore); a message naming an id the sender does not own is
 * refused before anything is forwarded (forwardSfuRequest). When the node stops answering (a
 * failed call, or the periodic probe failing twice), the room moves to another node and every
 * member gets one `media-reset`.
 */
export class SfuMedia implements RoomMedia {
  readonly #roster: Roster;
  readonly #store: MediaStore;
  readonly #placement: MediaPlacement;
  readonly #media: MediaConfig;
  readonly #wakeAt: (at: number) => Promise<void>;
  readonly #events: RoomEvents;
  readonly #snapshot: (member: Member) => ParticipantSnapshot;
  readonly #nodeEvents: NodeEvents;
  /** The placement `#nodeEvents` knows about (its state is reset when the room moves). */
  #nodeEventsEpoch: string | undefined;
  readonly #dynacast: Dynacast;
  /** Receiver-driven layer requests each cost a node call: their own bucket per socket. */
  readonly #layerLimiter = new RateLimiter(LAYER_RATE_BURST, LAYER_RATE_PER_SECOND);
  readonly #roomId: string;
  #batcher: { url: string; batcher: NodeCallBatcher } | undefined;
  /** The probe that confirms whether the node still serves the room after a request failed. */
  #confirming: { epoch: string; probe: Promise<boolean> } | undefined;
  /** Consumes and resumes the room expects after announcing producers, held to go together. */
  readonly #expected: ExpectedCalls;

  constructor(options: SfuMediaOptions) {
    this.#roomId = options.roomId;
    this.#roster = options.roster;
    this.#events = options.events;
    this.#snapshot = options.snapshot;
    this.#store = new MediaStore(options.sql);
    this.#dynacast = new Dynacast(this.#store, this.#roster, () => {
      const epoch = this.#placement.current()?.epoch;
      return epoch !== undefined && options.recording.current(epoch) !== null;
    });
    this.#media = options.media;
    this.#wakeAt = options.wakeAt;
    const holdMs = options.media.holdMs;
    this.#expected = new ExpectedCalls({
      windowMs: holdMs,
      // Those that consumed will resume once their consumers exist: a node answer plus the client's setup.
      released: (kind, producerId, arrived) => {
        if (kind === "consume") this.#expected.expect("resume", producerId, arrived, 2 * holdMs);
      },
    });
    this.#placement = new MediaPlacement({
      roomId: options.roomId,
      store: this.#store,
      registry: options.registry,
      client: (url) => this.#client(url),
      onPlaced: () => this.#scheduleProbe(),
    });
    this.#nodeEvents = new NodeEvents({
      roster: this.#roster,
      store: this.#store,
      producerClosed: (producer) => this.#producerGone(producer),
    });
  }

  prepareJoin(opensCall: boolean): Promise<void> {
    return opensCall ? this.#placement.open() : this.#placement.settled();
  }

  joinAbandoned(): Promise<void> {
    return this.#releaseIfEmpty();
  }

  joinInfo(): SfuInfo | undefined {
    const placement = this.#placement.current();
    if (placement === undefined) return undefined;
    return { rtpCapabilities: placement.rtpCapabilities, producers: this.#store.producers().map(producerInfo) };
  }

  async handle(member: Member, message: SfuMessage): Promise<void> {
    if (LAYER_MESSAGES.has(message.type) && !this.#layerLimiter.allow(member.attachment.sid)) {
      const text = `${message.type}: too many layer changes (limit: ${LAYER_RATE_BURST}, then ${LAYER_RATE_PER_SECOND}/s); slow down`;
      send(member.ws, errorMessage("rate-limited", text, message.requestId));
      return;
    }
    const placement = this.#placement.current();
    if (placement === undefined) {
      send(
        member.ws,
        errorMessage(
          "media-unavailable",
          `${message.type}: this room has no media node (it is peer-to-peer)`,
          message.requestId,
        ),
      );
      return;
    }
    const hold = this.#hold(member.attachment.sid, message);
    const context = {
      roster: this.#roster,
      store: this.#store,
      node: this.#client(placement.url, hold),
      placement,
      isCurrent: () => this.#placement.isCurrent(placement),
      trackEvent: (kind: TrackEventKind, producer: StoredProducer) => this.#trackEvent(kind, producer),
      wantsChanged: () => this.#dynacast.changed(),
      announced: (producer: StoredProducer) => this.#expectConsumers(producer),
    };
    try {
      await forwardSfuRequest(context, member, message);
    } catch (thrown) {
      const error = asMediaCallError(thrown);
      const fail = (code: Parameters<typeof errorMessage>[0], text: string) =>
        send(member.ws, errorMessage(code, `${message.type}: ${text}`, message.requestId));
      if (error.nodeLost && !error.roomLost && (await this.#stillServing(placement))) {
        // A node that is slow (a timeout under load) is not a node that is gone: resetting
        // everyone's media would only add load. This request failed; the room stays.
        fail("internal", "the media node did not answer in time; nothing was reset, try again");
        return;
      }
      if (error.roomLost || error.nodeLost) {
        fail("media-unavailable", "the room's media node stopped answering; the room's media is being reset");
        await this.#recover(placement, error.roomLost ? "room-lost" : "media-node-lost");
        return;
      }
      if (error.code === "unauthorized") {
        console.error(`media: ${placement.url} refused our signature: check MEDIA_NODE_SECRET`);
      }
      fail(nodeErrorCode(error.code), error.message);
    }
  }

  async memberLeft(member: Member): Promise<void> {
    const placement = this.#placement.current();
    if (placement === undefined) return;
    const { sid } = member.attachment;
    this.#nodeEvents.forget(sid);
    this.#layerLimiter.forget(sid);
    this.#expected.forget(sid);
    for (const producer of this.#store.removePeer(sid)) {
      this.#broadcast({ type: "producer-closed", data: { producerId: producer.id, user: producer.user } });
      this.#trackEvent("track-unpublished", producer, member);
    }
    this.#dynacast.changed(); // its consumers are gone: what it received may need less now
    if (this.#roster.size === 0) return this.#releaseIfEmpty();
    try {
      await this.#client(placement.url).closePeer(placement.roomId, sid);
    } catch (thrown) {
      // The periodic probe notices a node that is gone; a peer the node already forgot is fine.
      console.warn(`media: closing peer on ${placement.url} failed: ${asMediaCallError(thrown).message}`);
    }
  }

  /**
   * The periodic probe (the Room's alarm): is the node still serving this room, and did any
   * producer close on its own (its transport failed)? Reschedules itself while the room is placed.
   */
  async check(): Promise<void> {
    const placement = this.#placement.current();
    if (placement === undefined) return;
    if (this.#roster.size === 0) return this.#releaseIfEmpty();
    // Producers made while the probe is in flight may be missing from the node's answer: only those
    // known before it was sent are judged by it.
    const before = new Set(this.#store.producers().map((producer) => producer.id));
    const found = await probeRoom(this.#client(placement.url), placement);
    if (found.kind === "lost") return this.#recover(placement, found.reason);
    if (!this.#placement.isCurrent(placement)) return;
    if (found.kind === "alive") this.#reconcile(found.producerIds, before);
    await this.#scheduleProbe();
  }

  /**
   * Forgets producers the node no longer has, and media of sockets that are no longer members;
   * `judged` are the producers the node's answer can speak for (those older than the probe).
   */
  #reconcile(liveProducerIds: string[], judged: ReadonlySet<string>): void {
    const live = new Set(liveProducerIds);
    for (const producer of this.#store.producers()) {
      const gone = !this.#roster.hasSocket(producer.sid) || (judged.has(producer.id) && !live.has(producer.id));
      if (!gone) continue;
      this.#producerGone(producer);
    }
  }

  nodeEvents(nodeUrl: string, events: readonly NodeEvent[]): NodeEventsOutcome {
    const placement = this.#placement.current();
    // Only the node serving the room now speaks for it; the signature proves no more than "a node".
    if (placement === undefined || placement.url !== nodeUrl) return { applied: 0, ignored: events.length };
    if (this.#nodeEventsEpoch !== placement.epoch) {
      this.#nodeEvents.reset();
      this.#nodeEventsEpoch = placement.epoch;
    }
    const mine = events.filter((event) => event.roomId === placement.roomId);
    const outcome = this.#nodeEvents.apply(mine);
    return { applied: outcome.applied, ignored: outcome.ignored + events.length - mine.length };
  }

  welcome(member: Member): void {
    if (this.#placement.current()?.epoch === this.#nodeEventsEpoch) this.#nodeEvents.welcome(member);
  }

  /** A producer the node closed on its own (its transport died): forgotten, and everyone told at once. */
  #producerGone(producer: StoredProducer): void {
    this.#store.removeProducer(producer.id);
    this.#broadcast({ type: "producer-closed", data: { producerId: producer.id, user: producer.user } });
    this.#trackEvent("track-unpublished", producer);
  }

  node(): MediaNodeClient | undefined {
    const placement = this.#placement.current();
    return placement === undefined ? undefined : this.#client(placement.url);
  }

  placementEpoch(): string | undefined {
    return this.#placement.current()?.epoch;
  }

  recordingChanged(): void {
    this.#dynacast.changed();
  }

  producer(id: string): ProducerOwner | undefined {
    const producer = this.#store.producer(id);
    return producer === undefined ? undefined : { sid: producer.sid, kind: producer.kind, appData: producer.appData };
  }

  tracksOf(sid: string): TrackSnapshot[] {
    return this.#store.producers(sid).map(trackOf);
  }

  async muteSource(member: Member, source: TrackSource): Promise<void> {
    const placement = this.#placement.current();
    if (placement === undefined) return;
    const { sid } = member.attachment;
    const node = this.#client(placement.url);
    for (const producer of this.#store.producers(sid)) {
      if (producer.paused || trackOf(producer).source !== source) continue;
      await node.pauseProducer(placement.roomId, sid, producer.id);
      // Closed, or the room moved, while the node answered: nothing left to announce.
      if (!this.#placement.isCurrent(placement) || this.#store.producer(producer.id) === undefined) continue;
      this.#store.setProducerPaused(producer.id, true);
      this.#broadcast({ type: "producer-paused", data: { producerId: producer.id, user: producer.user } });
    }
  }

  async enforce(member: Member, permissions: Permissions): Promise<void> {
    const placement = this.#placement.current();
    if (placement === undefined) return;
    const { sid } = member.attachment;
    const node = this.#client(placement.url);
    for (const producer of this.#store.producers(sid)) {
      if (mayPublish(permissions, trackOf(producer).source)) continue;
      await node.closeProducer(placement.roomId, sid, producer.id);
      if (!this.#placement.isCurrent(placement) || this.#store.producer(producer.id) === undefined) continue;
      this.#store.removeProducer(producer.id);
      this.#broadcast({ type: "producer-closed", data: { producerId: producer.id, user: producer.user } });
      this.#trackEvent("track-unpublished", producer, member);
    }
    if (permissions.canSubscribe) return;
    for (const consumerId of this.#store.consumersOf(sid)) {
      await node.pauseConsumer(placement.roomId, sid, consumerId);
    }
  }

  #trackEvent(kind: TrackEventKind, producer: StoredProducer, member = this.#roster.bySocket(producer.sid)): void {
    if (member === undefined) return;
    this.#events.emit({ kind, participant: this.#snapshot(member), track: trackOf(producer) });
  }

  #releaseIfEmpty(): Promise<void> {
    return this.#placement.releaseIfEmpty(() => this.#roster.size === 0);
  }

  /**
   * After a request to the node got no answer: does the node still serve the room (the probe,
   * which retries once)? Requests that fail together share one probe. A probe that cannot tell
   * (an unrelated error) counts as serving: the periodic probe looks again.
   */
  #stillServing(placement: Placement): Promise<boolean> {
    if (this.#confirming?.epoch !== placement.epoch) {
      const probe = probeRoom(this.#client(placement.url), placement).then((found) => found.kind !== "lost");
      const confirming = { epoch: placement.epoch, probe };
      this.#confirming = confirming;
      void probe.finally(() => {
        if (this.#confirming === confirming) this.#confirming = undefined;
      });
    }
    return this.#confirming.probe;
  }

  /** Members that can receive `producer` will consume it: their calls wait for each other (ExpectedCalls). */
  #expectConsumers(producer: StoredProducer): void {
    if (this.#media.holdMs === 0) return;
    const receiving = this.#store.receivingSockets();
    const sids = [...this.#roster.all()]
      .filter((member) => permissionsOf(member.attachment).canSubscribe)
      .map((member) => member.attachment.sid)
      .filter((sid) => sid !== producer.sid && receiving.has(sid));
    this.#expected.expect("consume", producer.id, sids);
  }

  /** What `message` waits for before it goes to the node, when the room expects it (ExpectedCalls). */
  #hold(sid: string, message: SfuMessage): Promise<void> | undefined {
    // A resume names consumers, whose producers are a storage lookup each: only when one is awaited.
    const ofConsumers = (ids: readonly string[]) =>
      this.#expected.waitsFor("resume", sid) ? ids.flatMap((id) => this.#store.producerOfConsumer(id, sid) ?? []) : [];
    switch (message.type) {
      case "consume":
        return this.#expected.hold("consume", sid, [message.data.producerId]);
      case "consume-many":
        return this.#expected.hold("consume", sid, message.data.producerIds);
      case "resume-consumer":
        return this.#expected.hold("resume", sid, ofConsumers([message.data.consumerId]));
      case "resume-consumers":
        return this.#expected.hold("resume", sid, ofConsumers(message.data.consumerIds));
      default:
        return undefined;
    }
  }

  #recover(failed: Placement, reason: ResetReason): Promise<void> {
    this.#expected.clear();
    return this.#placement.recover(failed, reason, (data) => this.#broadcast({ type: "media-reset", data }));
  }

  #broadcast(message: Parameters<typeof fanOut>[1]): void {
    fanOut(this.#roster.all(), message);
  }

  #scheduleProbe(): Promise<void> {
    return this.#wakeAt(Date.now() + this.#media.checkIntervalMs);
  }

  /** A client for `url`; its peer calls go through the room's batcher, after `hold` when given. */
  #client(url: string, hold?: Promise<void>): MediaNodeClient {
    const batcher = this.#media.callsInFlight === 0 ? undefined : this.#batcherFor(url);
    const held =
      batcher === undefined || hold === undefined ? batcher : { call: (c: BatchCall) => batcher.call(c, hold) };
    return new MediaNodeClient(url, this.#media.secret, this.#media.timeoutMs, held);
  }

  /** The room's one batcher for its node's peer calls (a new one when the room moved). */
  #batcherFor(url: string): NodeCallBatcher {
    if (this.#batcher?.url === url) return this.#batcher.batcher;
    const roomId = this.#roomId;
    const plain = new MediaNodeClient(url, this.#media.secret, this.#media.timeoutMs);
    const batcher = new NodeCallBatcher(
      {
        batch: (calls) => plain.batch(roomId, calls),
        single: (call) => plain.direct(call),
      },
      { maxInFlight: this.#media.callsInFlight },
    );
    this.#batcher = { url, batcher };
    return batcher;
  }
}

type TrackEventKind = "track-published" | "track-unpublished";

/** SFU messages limited by their own bucket (LAYER_RATE_*), on top of the socket's. */
const LAYER_MESSAGES: ReadonlySet<string> = new Set(["set-consumer-layers", "pause-consumer"]);

function trackOf(producer: StoredProducer): TrackSnapshot {
  return {
    id: producer.id,
    kind: producer.kind,
    source: trackSourceOf(producer.kind, producer.appData?.source),
    paused: producer.paused,
  };
}
