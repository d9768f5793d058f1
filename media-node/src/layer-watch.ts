import type { types } from "mediasoup";
import { clearKeyFrameRequests, keyFrameRequests } from "./key-frames.ts";
import { LAYER_LOOK_MS, LiveLayers } from "./live-layers.ts";
import type { Logger } from "./log.ts";

/** After a consumer is moved to another layer, its key frame is asked for again this long after, until it came. */
const SWITCH_KEY_FRAME_RETRIES_MS = [150, 300, 500, 800];

type Follower = {
  /** What the receiver wants (set-consumer-layers); undefined: mediasoup's default, the top layer. */
  wish: types.ConsumerLayers | undefined;
  /** What the consumer was last set to (undefined: never set, mediasoup's default). */
  applied: types.ConsumerLayers | undefined;
  /** The key-frame requests after the latest move (the previous move's are cancelled). */
  retries: NodeJS.Timeout[];
};

/**
 * Keeps every consumer of one simulcast producer off the layers its publisher stopped sending.
 *
 * A publisher stops a layer at any time: its send-side bandwidth estimate falls (jitter, a
 * capped uplink), its CPU is short, or dynacast told it nobody needs it. mediasoup only notices a
 * stream gone after 1.5 s without a packet, so until then every consumer on that layer forwards
 * nothing: a freeze on every receiver. The watch samples the producer's packet counts every
 * LAYER_LOOK_MS (one getStats for all its consumers, none while nobody receives) and, once the
 * current top layer is quiet for LAYER_STALL_MS (live-layers.ts), caps each consumer at the
 * highest layer that still flows; when the layer flows again, each goes back to what its receiver
 * wants. mediasoup still picks below that cap for a receiver's own bandwidth.
 *
 * Receivers' wishes come through prefer(); the watch is the one writer of its consumers'
 * preferred layers. Closes with its producer.
 */
export class ProducerLayerWatch {
  readonly #producer: types.Producer;
  readonly #log: Logger;
  readonly #followers = new Map<types.Consumer, Follower>();
  readonly #layers = new LiveLayers();
  /** The highest layer that flowed at the last look; undefined: not known, or all quiet (nothing to move to). */
  #live: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #looking = false;
  #closed = false;

  constructor(producer: types.Producer, log: Logger) {
    this.#producer = producer;
    this.#log = log;
    producer.observer.once("close", () => this.close());
  }

  /** The producer's top spatial layer. */
  get #top(): number {
    return (this.#producer.rtpParameters.encodings?.length ?? 1) - 1;
  }

  /** Follows a new consumer of the producer, which wants the top layer until prefer() says otherwise. */
  follow(consumer: types.Consumer): void {
    if (this.#closed || consumer.closed || this.#followers.has(consumer)) return;
    this.#followers.set(consumer, { wish: undefined, applied: undefined, retries: [] });
    consumer.observer.once("close", () => this.#unfollow(consumer));
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#tick(), LAYER_LOOK_MS);
      this.#timer.unref();
    }
    // A layer already known stopped: the newcomer starts below it.
    void this.#apply(consumer).catch(() => {});
  }

  /**
   * What a receiver wants one consumer to forward (at most). Applied at once where its layer
   * flows, else kept for when it does; rejects as mediasoup's setPreferredLayers does.
   */
  async prefer(consumer: types.Consumer, wish: types.ConsumerLayers): Promise<void> {
    const follower = this.#followers.get(consumer);
    if (follower === undefined) return consumer.setPreferredLayers(wish);
    follower.wish = { ...wish };
    await this.#apply(consumer);
  }

  /**
   * The layers a consumer's receiver asked for, as mediasoup would hold them (capped at the
   * producer's layers; an unset temporal layer is the top one), whatever the watch applies now.
   */
  wanted(consumer: types.Consumer): types.ConsumerLayers | undefined {
    const follower = this.#followers.get(consumer);
    if (follower === undefined) return consumer.preferredLayers;
    const wish = follower.wish ?? { spatialLayer: this.#top };
    if (this.#target(follower).spatialLayer === wish.spatialLayer) return consumer.preferredLayers;
    const temporalTop = temporalLayers(consumer) - 1;
    return {
      spatialLayer: Math.min(wish.spatialLayer, this.#top),
      temporalLayer: Math.min(wish.temporalLayer ?? temporalTop, temporalTop),
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    for (const follower of this.#followers.values()) clearKeyFrameRequests(follower.retries);
    this.#followers.clear();
  }

  #unfollow(consumer: types.Consumer): void {
    const follower = this.#followers.get(consumer);
    if (follower === undefined) return;
    clearKeyFrameRequests(follower.retries);
    this.#followers.delete(consumer);
    if (this.#followers.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /** What a follower should forward now: its wish, capped at the highest layer that flows. */
  #target(follower: Follower): types.ConsumerLayers {
    const wish = follower.wish ?? { spatialLayer: this.#top };
    if (this.#live === undefined || wish.spatialLayer <= this.#live) return wish;
    return { ...wish, spatialLayer: this.#live };
  }

  /** Sets the consumer's preferred layers to its target, unless they already are. */
  async #apply(consumer: types.Consumer): Promise<void> {
    const follower = this.#followers.get(consumer);
    if (follower === undefined || consumer.closed) return;
    const target = this.#target(follower);
    const applied = follower.applied ?? { spatialLayer: this.#top };
    if (target.spatialLayer === applied.spatialLayer && target.temporalLayer === applied.temporalLayer) return;
    follower.applied = target;
    await consumer.setPreferredLayers(target);
    if (target.spatialLayer === applied.spatialLayer) return;
    // The switch waits for a key frame of the new layer; a sender reconfiguring its encoder (it
    // just stopped or restarted a layer) may let mediasoup's first request go.
    clearKeyFrameRequests(follower.retries);
    follower.retries = keyFrameRequests(
      consumer,
      SWITCH_KEY_FRAME_RETRIES_MS,
      () => consumer.currentLayers?.spatialLayer === target.spatialLayer,
    );
  }

  #tick(): void {
    if (this.#looking || this.#closed) return;
    const producer = this.#producer;
    // Nothing flows to anyone: no need to look (the counts are read afresh when it does).
    if (producer.paused || !this.#anyReceiving()) return;
    this.#looking = true;
    this.#look()
      .catch(() => {})
      .finally(() => {
        this.#looking = false;
      });
  }

  #anyReceiving(): boolean {
    for (const consumer of this.#followers.keys()) if (!consumer.paused) return true;
    return false;
  }

  async #look(): Promise<void> {
    const producer = this.#producer;
    const stats = await producer.getStats();
    if (this.#closed) return;
    const encodings = producer.rtpParameters.encodings ?? [];
    const counts = encodings.map(
      (encoding) =>
        stats.find((s) => (encoding.rid !== undefined ? s.rid === encoding.rid : s.ssrc === encoding.ssrc))
          ?.packetCount,
    );
    const live = this.#layers.update(counts, Date.now());
    if (live === undefined || live === this.#live) return;
    const before = this.#live;
    this.#live = live;
    if (before !== undefined)
      this.#log.info("consumers follow a simulcast layer change", {
        producerId: producer.id,
        from: before,
        to: live,
        consumers: this.#followers.size,
      });
    await Promise.all([...this.#followers.keys()].map((consumer) => this.#apply(consumer).catch(() => {})));
  }
}

/** How many temporal layers a simulcast consumer's streams have (its scalability mode, e.g. "L3T3"). */
function temporalLayers(consumer: types.Consumer): number {
  const mode = consumer.rtpParameters.encodings?.[0]?.scalabilityMode ?? "";
  return Number(/T(\d+)/.exec(mode)?.[1] ?? 1);
}
