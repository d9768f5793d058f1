import { errorMessage, type SfuInfo } from "@huddle/protocol";
import type { MediaConfig } from "../../config.ts";
import { asMediaCallError, MediaNodeClient } from "../../media/node-client.ts";
import type { MediaRegistry } from "../../media/registry.ts";
import { fanOut, send } from "../broadcast.ts";
import type { RoomMedia, SfuMessage } from "../room-media.ts";
import type { Member, Roster } from "../roster.ts";
import { MediaPlacement, type ResetReason } from "./media-placement.ts";
import { probeRoom } from "./media-probe.ts";
import { MediaStore, type Placement, producerInfo } from "./media-store.ts";
import { forwardSfuRequest, nodeErrorCode } from "./sfu-requests.ts";

export interface SfuMediaOptions {
  roomId: string;
  roster: Roster;
  sql: SqlStorage;
  registry: DurableObjectStub<MediaRegistry>;
  media: MediaConfig;
  /** Asks the room to run `check` at (or before) this time. */
  wakeAt: (at: number) => Promise<void>;
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

  constructor(options: SfuMediaOptions) {
    this.#roster = options.roster;
    this.#store = new MediaStore(options.sql);
    this.#media = options.media;
    this.#wakeAt = options.wakeAt;
    this.#placement = new MediaPlacement({
      roomId: options.roomId,
      store: this.#store,
      registry: options.registry,
      client: (url) => this.#client(url),
      onPlaced: () => this.#scheduleProbe(),
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
    const context = {
      roster: this.#roster,
      store: this.#store,
      node: this.#client(placement.url),
      placement,
      isCurrent: () => this.#placement.isCurrent(placement),
    };
    try {
      await forwardSfuRequest(context, member, message);
    } catch (thrown) {
      const error = asMediaCallError(thrown);
      const fail = (code: Parameters<typeof errorMessage>[0], text: string) =>
        send(member.ws, errorMessage(code, `${message.type}: ${text}`, message.requestId));
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
    for (const producer of this.#store.removePeer(sid)) {
      this.#broadcast({ type: "producer-closed", data: { producerId: producer.id, user: producer.user } });
    }
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
    const found = await probeRoom(this.#client(placement.url), placement);
    if (found.kind === "lost") return this.#recover(placement, found.reason);
    if (!this.#placement.isCurrent(placement)) return;
    if (found.kind === "alive") this.#reconcile(found.producerIds);
    await this.#scheduleProbe();
  }

  /** Forgets producers the node no longer has, and media of sockets that are no longer members. */
  #reconcile(liveProducerIds: string[]): void {
    const live = new Set(liveProducerIds);
    for (const producer of this.#store.producers()) {
      if (live.has(producer.id) && this.#roster.hasSocket(producer.sid)) continue;
      this.#store.removeProducer(producer.id);
      this.#broadcast({ type: "producer-closed", data: { producerId: producer.id, user: producer.user } });
    }
  }

  #releaseIfEmpty(): Promise<void> {
    return this.#placement.releaseIfEmpty(() => this.#roster.size === 0);
  }

  #recover(failed: Placement, reason: ResetReason): Promise<void> {
    return this.#placement.recover(failed, reason, (data) => this.#broadcast({ type: "media-reset", data }));
  }

  #broadcast(message: Parameters<typeof fanOut>[1]): void {
    fanOut(this.#roster.all(), message);
  }

  #scheduleProbe(): Promise<void> {
    return this.#wakeAt(Date.now() + this.#media.checkIntervalMs);
  }

  #client(url: string): MediaNodeClient {
    return new MediaNodeClient(url, this.#media.secret, this.#media.timeoutMs);
  }
}
