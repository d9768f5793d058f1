/** How often a layer watch looks at its simulcast producer's streams. */
export const LAYER_LOOK_MS = 100;
/** A layer that sent no packet for this long is taken as stopped. */
export const LAYER_STALL_MS = 250;

/**
 * Which of a simulcast producer's spatial layers still flow, from their packet counts sampled
 * over time. The producer's consumers follow the highest one (layer-watch.ts): a publisher may
 * stop its top layer at any time (its CPU or bandwidth adaptation), and mediasoup only notices a
 * stream gone after 1.5 s without a packet, a freeze on every receiver; the watch sees it within
 * LAYER_STALL_MS and moves the consumers down at once (and back up when the layer flows again).
 */
export class LiveLayers {
  /** By spatial layer: the last packet count that grew, and when. */
  readonly #seen: ({ packets: number; at: number } | undefined)[] = [];

  /**
   * Takes each layer's packet count (index: spatial layer, undefined: no stream yet) at `now`
   * (ms). Returns the highest layer that sent a packet within LAYER_STALL_MS, or undefined when
   * none did (the whole producer is quiet: paused, or a still screen; nothing better to switch to).
   */
  update(packetCounts: readonly (number | undefined)[], now: number): number | undefined {
    let live: number | undefined;
    packetCounts.forEach((packets, layer) => {
      if (packets === undefined) return;
      const seen = this.#seen[layer];
      if (seen === undefined || packets > seen.packets) this.#seen[layer] = { packets, at: now };
      const at = this.#seen[layer]?.at ?? now;
      if (now - at < LAYER_STALL_MS) live = layer;
    });
    return live;
  }
}
