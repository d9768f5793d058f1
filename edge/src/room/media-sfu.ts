import { type ErrorCode, errorMessage, type ServerMessage, type SfuInfo } from "@huddle/protocol";
import type { MediaConfig } from "../config.ts";
import { MediaCallError, MediaNodeClient } from "../media/node-client.ts";
import type { MediaRegistry } from "../media/registry.ts";
import { fanOut, send } from "./broadcast.ts";
import type { RoomContext } from "./context.ts";
import { MediaStore, type Placement, producerInfo, type StoredProducer } from "./media-store.ts";
import type { Member } from "./roster.ts";
import type { SfuHandler, SfuMessage } from "./sfu.ts";

/** Why a room's media was reset (the `reason` of `media-reset`). */
export type ResetReason = "media-node-lost" | "room-lost";

/** Nodes tried before a room gives up on media and stays peer-to-peer. */
const PLACEMENT_ATTEMPTS = 3;
/** Pause before the periodic probe retries once (a single failure may be a blip). */
const PROBE_RETRY_MS = 300;

export interface MediaSfuOptions {
  sql: SqlStorage;
  /** Asks the room to run `check` at (or before) this time. */
  wakeAt: (at: number) => Promise<void>;
  registry: DurableObjectStub<MediaRegistry>;
  media: MediaConfig;
}

/**
 * The SFU half of a room, delegated to a media node over its signed HTTP API.
 *
 * The room is placed on a node when its first member joins (the registry picks
 * the node with the most headroom) and stays there. Every transport, producer
 * and consumer is recorded with the socket that owns it; a message naming an
 * id the sender does not own is refused before anything is forwarded. When the
 * node stops answering (a failed call, or the periodic probe failing twice),
 * the room moves to another node and every member gets one `media-reset`.
 *
 * Placement changes (place, move, release) run one at a time (`#serial`);
 * results of calls that were in flight across a change are dropped (`epoch`).
 */
export class MediaSfu implements SfuHandler {
  readonly #store: MediaStore;
  readonly #wakeAt: (at: number) => Promise<void>;
  readonly #registry: DurableObjectStub<MediaRegistry>;
  readonly #media: MediaConfig;
  #serial: Promise<unknown> = Promise.resolve();

  constructor(options: MediaSfuOptions) {
    this.#store = new MediaStore(options.sql);
    this.#wakeAt = options.wakeAt;
    this.#registry = options.registry;
    this.#media = options.media;
  }

  async joinInfo(room: RoomContext, member: Member): Promise<SfuInfo | undefined> {
    // Decided now, before any await: only the first member of an empty room chooses SFU or mesh for everyone.
    const first = room.roster.size === 1;
    const placement = await this.#serialize(async () => {
      const current = this.#store.placement();
      if (!first) return current;
      // Leftovers of members that are gone (e.g. the edge restarted under them) are not carried into a new call.
      if (current !== undefined) await this.#release(current);
      const next = await this.#place(member.attachment.roomId, []);
      this.#adopt(next);
      return next;
    });
    if (placement === undefined) return undefined;
    return { rtpCapabilities: placement.rtpCapabilities, producers: this.#store.producers().map(producerInfo) };
  }

  async handle(room: RoomContext, member: Member, message: SfuMessage): Promise<void> {
    const fail = (code: ErrorCode, text: string) =>
      void send(member.ws, errorMessage(code, `${message.type}: ${text}`, message.requestId));
    const placement = this.#store.placement();
    if (placement === undefined) return fail("media-unavailable", "this room has no media node (it is peer-to-peer)");
    try {
      await this.#dispatch(room, member, message, placement, fail);
    } catch (error) {
      if (!(error instanceof MediaCallError)) throw error;
      if (error.roomLost || error.nodeLost) {
        fail("media-unavailable", "the room's media node stopped answering; the room's media is being reset");
        await this.#recover(room, placement, error.roomLost ? "room-lost" : "media-node-lost");
        return;
      }
      if (error.code === "unauthorized")
        console.error(`media: ${placement.url} refused our signature: check MEDIA_NODE_SECRET`);
      fail(nodeErrorCode(error), error.message);
    }
  }

  async #dispatch(
    room: RoomContext,
    member: Member,
    message: SfuMessage,
    placement: Placement,
    fail: (code: ErrorCode, text: string) => void,
  ): Promise<void> {
    const { sid, username } = member.attachment;
    const { roomId } = placement;
    const node = this.#client(placement.url);
    const reply = (out: ServerMessage) => {
      if (this.#store.placement()?.epoch !== placement.epoch) {
        fail("media-unavailable", "the room's media was reset while this was in progress");
        return false;
      }
      send(member.ws, message.requestId === undefined ? out : { ...out, requestId: message.requestId });
      return true;
    };
    const notFound = (what: string, id: string) => fail("not-found", `no ${what} '${id}' of yours in this room`);

    switch (message.type) {
      case "create-transport": {
        const created = await node.createTransport(roomId, sid, message.data.direction);
        if (reply({ type: "webRtcTransportCreated", data: created })) {
          this.#store.addTransport(created.id, sid, created.direction);
        }
        return;
      }
      case "connect-transport": {
        const { transportId, dtlsParameters } = message.data;
        if (!this.#store.ownsTransport(transportId, sid)) return notFound("transport", transportId);
        await node.connectTransport(roomId, sid, transportId, dtlsParameters);
        reply({ type: "transport-connected", data: { transportId } });
        return;
      }
      case "produce": {
        const { transportId, kind, rtpParameters, appData } = message.data;
        if (!this.#store.ownsTransport(transportId, sid)) return notFound("transport", transportId);
        const body = appData === undefined ? { kind, rtpParameters } : { kind, rtpParameters, appData };
        const produced = await node.produce(roomId, sid, transportId, body);
        if (!reply({ type: "produced", data: { id: produced.id, kind: produced.kind } })) return;
        const producer: StoredProducer = { id: produced.id, sid, user: username, kind, appData, paused: false };
        this.#store.addProducer(producer);
        fanOut(room.roster.all(), { type: "new-producer", data: producerInfo(producer) }, sid);
        return;
      }
      case "consume": {
        const { transportId, producerId, rtpCapabilities } = message.data;
        if (!this.#store.ownsTransport(transportId, sid)) return notFound("transport", transportId);
        const producer = this.#store.producer(producerId);
        if (producer === undefined) return void fail("not-found", `no producer '${producerId}' in this room`);
        const consumer = await node.consume(roomId, sid, transportId, producerId, rtpCapabilities);
        const data = {
          id: consumer.id,
          producerId,
          user: producer.user,
          kind: consumer.kind,
          rtpParameters: consumer.rtpParameters,
          producerPaused: consumer.producerPaused,
          ...(producer.appData === undefined ? {} : { appData: producer.appData }),
        };
        if (reply({ type: "consumed", data })) this.#store.addConsumer(consumer.id, sid, producerId);
        return;
      }
      case "resume-consumer": {
        const { consumerId } = message.data;
        if (!this.#store.ownsConsumer(consumerId, sid)) return notFound("consumer", consumerId);
        await node.resumeConsumer(roomId, sid, consumerId);
        reply({ type: "consumer-resumed", data: { consumerId } });
        return;
      }
      case "close-producer":
      case "pause-producer":
      case "resume-producer": {
        const { producerId } = message.data;
        const producer = this.#store.producer(producerId);
        if (producer === undefined || producer.sid !== sid) return notFound("producer", producerId);
        const event: ServerMessage = {
          type:
            message.type === "close-producer"
              ? "producer-closed"
              : message.type === "pause-producer"
                ? "producer-paused"
                : "producer-resumed",
          data: { producerId, user: username },
        };
        if (message.type === "close-producer") await node.closeProducer(roomId, sid, producerId);
        else if (message.type === "pause-producer") await node.pauseProducer(roomId, sid, producerId);
        else await node.resumeProducer(roomId, sid, producerId);
        if (!reply(event)) return;
        if (message.type === "close-producer") this.#store.removeProducer(producerId);
        else this.#store.setProducerPaused(producerId, message.type === "pause-producer");
        fanOut(room.roster.all(), event, sid);
        return;
      }
    }
  }

  async memberLeft(room: RoomContext, member: Member): Promise<void> {
    const placement = this.#store.placement();
    if (placement === undefined) return;
    const { sid } = member.attachment;
    for (const producer of this.#store.removePeer(sid)) {
      fanOut(room.roster.all(), { type: "producer-closed", data: { producerId: producer.id, user: producer.user } });
    }
    if (room.roster.size === 0) return this.#releaseIfEmpty(room);
    try {
      await this.#client(placement.url).closePeer(placement.roomId, sid);
    } catch (error) {
      // The periodic probe notices a node that is gone; a peer the node already forgot is fine.
      if (!(error instanceof MediaCallError)) throw error;
      console.warn(`media: closing peer on ${placement.url} failed: ${error.message}`);
    }
  }

  /**
   * The periodic probe (the Room's alarm): is the node still serving this room,
   * and did any producer close on its own (its transport failed)? Reschedules itself.
   */
  async check(room: RoomContext): Promise<void> {
    const placement = this.#store.placement();
    if (placement === undefined) return;
    if (room.roster.size === 0) return this.#releaseIfEmpty(room);
    const node = this.#client(placement.url);
    let state: Awaited<ReturnType<MediaNodeClient["roomState"]>>;
    try {
      state = await node.roomState(placement.roomId).catch(async (error: unknown) => {
        if (!(error instanceof MediaCallError) || !error.nodeLost) throw error;
        await new Promise((resolve) => setTimeout(resolve, PROBE_RETRY_MS));
        return node.roomState(placement.roomId);
      });
    } catch (error) {
      if (!(error instanceof MediaCallError)) throw error;
      // 404: the node does not know the room (it restarted): as good as a lost router.
      const lost = error.nodeLost
        ? "media-node-lost"
        : error.roomLost || error.status === 404
          ? "room-lost"
          : undefined;
      if (lost !== undefined) return this.#recover(room, placement, lost);
      console.warn(`media: probe of ${placement.url} failed: ${error.message}`);
      await this.#schedule();
      return;
    }
    if (this.#store.placement()?.epoch !== placement.epoch) return;
    this.#reconcile(
      room,
      state.producers.map((p) => p.producerId),
    );
    await this.#schedule();
  }

  /** Forgets producers the node no longer has, and media of sockets that are no longer members. */
  #reconcile(room: RoomContext, liveProducerIds: string[]): void {
    const live = new Set(liveProducerIds);
    const members = new Set([...room.roster.all()].map((m) => m.attachment.sid));
    for (const producer of this.#store.producers()) {
      if (live.has(producer.id) && members.has(producer.sid)) continue;
      this.#store.removeProducer(producer.id);
      fanOut(room.roster.all(), { type: "producer-closed", data: { producerId: producer.id, user: producer.user } });
    }
  }

  /** Moves the room after `failed` stopped working; one `media-reset` to every member. */
  #recover(room: RoomContext, failed: Placement, reason: ResetReason): Promise<void> {
    return this.#serialize(async () => {
      // Another message or the probe already moved it.
      if (this.#store.placement()?.epoch !== failed.epoch) return;
      if (reason === "media-node-lost") {
        console.warn(`media: node ${failed.url} is lost; moving room ${failed.roomId}`);
        await this.#registry.failed(failed.url);
      }
      const next = await this.#place(failed.roomId, reason === "media-node-lost" ? [failed.url] : []);
      this.#adopt(next);
      const data =
        next === undefined ? { reason } : { reason, sfu: { rtpCapabilities: next.rtpCapabilities, producers: [] } };
      fanOut(room.roster.all(), { type: "media-reset", data });
    });
  }

  /** Asks the registry for a node and makes the room's router there; undefined when no node can take it. */
  async #place(roomId: string, exclude: string[]): Promise<Placement | undefined> {
    for (let attempt = 0; attempt < PLACEMENT_ATTEMPTS; attempt++) {
      const url = await this.#registry.place(exclude);
      if (url === null) return undefined;
      try {
        const room = await this.#client(url).ensureRoom(roomId);
        return { roomId, url, epoch: crypto.randomUUID(), rtpCapabilities: room.rtpCapabilities };
      } catch (error) {
        if (!(error instanceof MediaCallError)) throw error;
        console.warn(`media: cannot place room ${roomId} on ${url}: ${error.message}`);
        await this.#registry.failed(url);
        exclude = [...exclude, url];
      }
    }
    return undefined;
  }

  /** Makes `placement` the room's (forgetting all media objects) and starts the probe; `check` stops it. */
  #adopt(placement: Placement | undefined): void {
    this.#store.setPlacement(placement);
    if (placement !== undefined) void this.#schedule();
  }

  /** Once the placement changes queued before it are done: frees the router if the room is still empty. */
  #releaseIfEmpty(room: RoomContext): Promise<void> {
    return this.#serialize(async () => {
      const current = this.#store.placement();
      if (current !== undefined && room.roster.size === 0) await this.#release(current);
    });
  }

  /** The room is empty (or starts afresh): free its router on the node, best effort. */
  async #release(placement: Placement): Promise<void> {
    this.#adopt(undefined);
    await this.#registry.released(placement.url);
    try {
      await this.#client(placement.url).closeRoom(placement.roomId);
    } catch (error) {
      if (!(error instanceof MediaCallError)) throw error;
      if (error.status !== 404) console.warn(`media: closing room on ${placement.url} failed: ${error.message}`);
    }
  }

  #schedule(): Promise<void> {
    return this.#wakeAt(Date.now() + this.#media.checkIntervalMs);
  }

  #client(url: string): MediaNodeClient {
    return new MediaNodeClient(url, this.#media.secret, this.#media.timeoutMs);
  }

  /** Runs `task` after every placement change queued before it. */
  #serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(task, task);
    this.#serial = run.catch(() => undefined);
    return run;
  }
}

/** The client-facing code for a node's refusal. */
function nodeErrorCode(error: MediaCallError): ErrorCode {
  switch (error.code) {
    case "not-found":
      return "not-found";
    case "invalid-body":
    case "invalid-param":
    case "rejected":
    case "wrong-direction":
    case "cannot-consume":
    case "invalid-state":
      return "invalid-message";
    case "too-large":
      return "too-large";
    default:
      return "internal";
  }
}
