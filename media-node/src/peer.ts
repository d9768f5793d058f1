import type { AppData, PeerState } from "@huddle/protocol";
import type { types } from "mediasoup";
import { notFound } from "./errors.ts";

export type Direction = "send" | "recv";

export type TransportEntry = {
  readonly transport: types.WebRtcTransport | types.PlainTransport;
  readonly type: "webrtc" | "plain";
  readonly direction: Direction;
  readonly peer: Peer;
};

export type ProducerEntry = {
  readonly producer: types.Producer;
  readonly transportId: string;
  readonly peer: Peer;
  readonly appData: AppData | undefined;
};

export type ConsumerEntry = {
  readonly consumer: types.Consumer;
  readonly transportId: string;
  readonly peer: Peer;
};

export type ClosedCounts = { transports: number; producers: number; consumers: number };

/**
 * What one participant holds on this node. Producers and consumers hang off
 * transports: closing a transport closes them (mediasoup does it), and each
 * object leaves these maps on its own `close` observer event, whatever closed it.
 */
export class Peer {
  readonly id: string;
  readonly transports = new Map<string, TransportEntry>();
  readonly producers = new Map<string, ProducerEntry>();
  readonly consumers = new Map<string, ConsumerEntry>();
  /** Requests in flight that will add objects (the peer is not pruned meanwhile). */
  pending = 0;
  #closed = false;

  constructor(id: string) {
    this.id = id;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get empty(): boolean {
    return this.transports.size === 0 && this.pending === 0;
  }

  transport(id: string): TransportEntry {
    const entry = this.transports.get(id);
    if (entry === undefined) throw notFound(`transport ${id} of peer ${this.id}`);
    return entry;
  }

  producer(id: string): ProducerEntry {
    const entry = this.producers.get(id);
    if (entry === undefined) throw notFound(`producer ${id} of peer ${this.id}`);
    return entry;
  }

  consumer(id: string): ConsumerEntry {
    const entry = this.consumers.get(id);
    if (entry === undefined) throw notFound(`consumer ${id} of peer ${this.id}`);
    return entry;
  }

  /** Closes every transport (and so every producer and consumer) of this peer. */
  close(): ClosedCounts {
    this.#closed = true;
    const counts = { transports: this.transports.size, producers: this.producers.size, consumers: this.consumers.size };
    for (const { transport } of [...this.transports.values()]) transport.close();
    return counts;
  }

  state(): PeerState {
    return {
      peerId: this.id,
      transports: [...this.transports.values()].map(({ transport, type, direction }) =>
        transport.type === "webrtc"
          ? { id: transport.id, type, direction, iceState: transport.iceState, dtlsState: transport.dtlsState }
          : { id: transport.id, type, direction },
      ),
      producers: [...this.producers.values()].map(({ producer, transportId, appData }) => ({
        id: producer.id,
        transportId,
        kind: producer.kind,
        paused: producer.paused,
        ...(appData === undefined ? {} : { appData }),
      })),
      consumers: [...this.consumers.values()].map(({ consumer, transportId }) => ({
        id: consumer.id,
        transportId,
        producerId: consumer.producerId,
        kind: consumer.kind,
        paused: consumer.paused,
        producerPaused: consumer.producerPaused,
      })),
    };
  }
}
