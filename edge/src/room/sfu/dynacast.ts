import { PRODUCER_LAYERS_DEBOUNCE_MS } from "@huddle/protocol";
import { send } from "../broadcast.ts";
import type { Roster } from "../roster.ts";
import type { MediaStore } from "./media-store.ts";

/**
 * Dynacast: tells each publisher of a simulcast producer the highest spatial layer anyone
 * receives (`producer-layers`), so it can stop encoding the layers above it.
 *
 * What every consumer wants lives in the MediaStore (the receivers' `set-consumer-layers` and
 * `pause-consumer`); this only decides when to look and whom to tell. Changes are gathered for
 * PRODUCER_LAYERS_DEBOUNCE_MS (a page of tiles changing at once is one look), and a publisher
 * hears only of a change. A producer nobody receives keeps its lowest layer (0), so a newcomer's
 * first frame comes at once; a new consumer counts as wanting the top layer until it says
 * otherwise (mediasoup's default), so nothing it may show large is missing.
 *
 * While the room is recorded, every publisher keeps every layer: the node's recorder receives
 * each video at its top layer, whatever size the tiles are on the pages. (Had a layer stopped
 * under it, the recorder would get nothing until mediasoup noticed the stream gone, a second or
 * more, and the recording would freeze there.)
 */
export class Dynacast {
  readonly #store: MediaStore;
  readonly #roster: Roster;
  readonly #recorded: () => boolean;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** `recorded`: whether a recording runs in the room now (then every layer is wanted). */
  constructor(store: MediaStore, roster: Roster, recorded: () => boolean) {
    this.#store = store;
    this.#roster = roster;
    this.#recorded = recorded;
  }

  /** Something a receiver wants changed (a consumer came or went, a recording started or stopped): look again soon. */
  changed(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, PRODUCER_LAYERS_DEBOUNCE_MS);
  }

  /** Tells every publisher whose wanted layer changed since it was last told. */
  flush(): void {
    const recorded = this.#recorded();
    for (const producer of this.#store.simulcastWants()) {
      const top = producer.layers - 1;
      const wanted = recorded ? top : Math.max(0, producer.wanted);
      if (wanted === (producer.sent ?? top)) continue;
      const publisher = this.#roster.bySocket(producer.sid);
      if (publisher === undefined) continue;
      send(publisher.ws, { type: "producer-layers", data: { producerId: producer.id, maxSpatialLayer: wanted } });
      this.#store.setProducerLayersSent(producer.id, wanted);
    }
  }
}
