import type { ServerData } from "@huddle/protocol";
import { asMediaCallError, type MediaNodeClient } from "../../media/node-client.ts";
import type { MediaRegistry } from "../../media/registry.ts";
import { SerialQueue } from "../serial-queue.ts";
import type { MediaStore, Placement } from "./media-store.ts";

/** Why a room's media was reset (the `reason` of `media-reset`). */
export type ResetReason = "media-node-lost" | "room-lost";

/** Nodes tried before a room gives up on media and stays peer-to-peer. */
const PLACEMENT_ATTEMPTS = 3;

export interface MediaPlacementOptions {
  roomId: string;
  store: MediaStore;
  registry: DurableObjectStub<MediaRegistry>;
  client: (url: string) => MediaNodeClient;
  /** Called with every new placement: starts the periodic probe. */
  onPlaced: () => Promise<void>;
}

/**
 * Where the room's media lives, and every change of it: placing the room on a node when a call
 * opens, moving it when its node is lost, freeing the router when the room empties.
 *
 * Changes run one at a time (a SerialQueue): each one awaits the registry and the node, and
 * events of the room run in between. A placement carries a random `epoch`, so a result of a call
 * that was in flight across a change can tell it is stale (`isCurrent`).
 */
export class MediaPlacement {
  readonly #roomId: string;
  readonly #store: MediaStore;
  readonly #registry: DurableObjectStub<MediaRegistry>;
  readonly #client: (url: string) => MediaNodeClient;
  readonly #onPlaced: () => Promise<void>;
  readonly #changes = new SerialQueue();

  constructor(options: MediaPlacementOptions) {
    this.#roomId = options.roomId;
    this.#store = options.store;
    this.#registry = options.registry;
    this.#client = options.client;
    this.#onPlaced = options.onPlaced;
  }

  current(): Placement | undefined {
    return this.#store.placement();
  }

  isCurrent(placement: Placement): boolean {
    return this.#store.placement()?.epoch === placement.epoch;
  }

  /** A new call opens in the empty room: leftovers are freed, the room is placed afresh (or stays peer-to-peer). */
  open(): Promise<void> {
    return this.#changes.run(async () => {
      const current = this.#store.placement();
      // Leftovers of members that are gone (e.g. the edge restarted under them) are not carried into a new call.
      if (current !== undefined) await this.#release(current);
      await this.#adopt(await this.#place([]));
    });
  }

  /** Resolves once every change queued before it is done. */
  settled(): Promise<void> {
    return this.#changes.run(() => undefined);
  }

  /**
   * Moves the room after `failed` stopped working, unless another change already did; `announce`
   * gets the `media-reset` for every member, sent before any later change runs.
   */
  recover(failed: Placement, reason: ResetReason, announce: (reset: ServerData<"media-reset">) => void): Promise<void> {
    return this.#changes.run(async () => {
      if (!this.isCurrent(failed)) return;
      if (reason === "media-node-lost") {
        console.warn(`media: node ${failed.url} is lost; moving room ${failed.roomId}`);
        await this.#registry.failed(failed.url);
      }
      const next = await this.#place(reason === "media-node-lost" ? [failed.url] : []);
      await this.#adopt(next);
      announce(
        next === undefined ? { reason } : { reason, sfu: { rtpCapabilities: next.rtpCapabilities, producers: [] } },
      );
    });
  }

  /** Once the changes queued before it are done: frees the router if `isEmpty()` still holds. */
  releaseIfEmpty(isEmpty: () => boolean): Promise<void> {
    return this.#changes.run(async () => {
      const current = this.#store.placement();
      if (current !== undefined && isEmpty()) await this.#release(current);
    });
  }

  /** Asks the registry for a node and makes the room's router there; undefined when no node can take it. */
  async #place(exclude: string[]): Promise<Placement | undefined> {
    for (let attempt = 0; attempt < PLACEMENT_ATTEMPTS; attempt++) {
      const url = await this.#registry.place(exclude);
      if (url === null) return undefined;
      try {
        const room = await this.#client(url).ensureRoom(this.#roomId);
        return { roomId: this.#roomId, url, epoch: crypto.randomUUID(), rtpCapabilities: room.rtpCapabilities };
      } catch (thrown) {
        const error = asMediaCallError(thrown);
        console.warn(`media: cannot place room ${this.#roomId} on ${url}: ${error.message}`);
        await this.#registry.failed(url);
        exclude = [...exclude, url];
      }
    }
    return undefined;
  }

  /** Makes `placement` the room's (forgetting all media objects) and starts the probe for it. */
  async #adopt(placement: Placement | undefined): Promise<void> {
    this.#store.setPlacement(placement);
    if (placement !== undefined) await this.#onPlaced();
  }

  /** Frees the room's router on its node, best effort. */
  async #release(placement: Placement): Promise<void> {
    await this.#adopt(undefined);
    await this.#registry.released(placement.url);
    try {
      await this.#client(placement.url).closeRoom(placement.roomId);
    } catch (thrown) {
      const error = asMediaCallError(thrown);
      if (error.status !== 404) console.warn(`media: closing room on ${placement.url} failed: ${error.message}`);
    }
  }
}
