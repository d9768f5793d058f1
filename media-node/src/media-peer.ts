import { EventEmitter } from "node:events";
import type {
  AppData,
  ConnectPlainTransportRequest,
  ConsumerLayers,
  DtlsParameters,
  IceParameters,
  PeerState,
} from "@huddle/protocol";
import type { types } from "mediasoup";
import { ApiError, mediaCall, notFound } from "./errors.ts";
import type { ProducerLayerWatch } from "./layer-watch.ts";

export type Direction = "send" | "recv";

export type ProducerEntry = {
  readonly producer: types.Producer;
  readonly transportId: string;
  readonly peer: MediaPeer;
  readonly appData: AppData | undefined;
  /** A simulcast producer's layer watch, which its consumers follow (layer-watch.ts). */
  readonly layers: ProducerLayerWatch | undefined;
};

export type ConsumerEntry = {
  readonly consumer: types.Consumer;
  readonly transportId: string;
  readonly peer: MediaPeer;
  /** The layer watch of the consumer's producer, when it has one: the consumer's layers go through it. */
  readonly layers: ProducerLayerWatch | undefined;
};

export type ClosedCounts = { transports: number; producers: number; consumers: number };

/** One transport of a peer: a mediasoup transport, its direction, and the rule that it connects once. */
export class PeerTransport {
  readonly transport: types.WebRtcTransport | types.PlainTransport;
  readonly direction: Direction;
  readonly peer: MediaPeer;
  /** Connected, or a connect is in flight. */
  #connected = false;

  constructor(transport: types.WebRtcTransport | types.PlainTransport, direction: Direction, peer: MediaPeer) {
    this.transport = transport;
    this.direction = direction;
    this.peer = peer;
  }

  get id(): string {
    return this.transport.id;
  }

  get type(): "webrtc" | "plain" {
    return this.transport.type;
  }

  get closed(): boolean {
    return this.transport.closed;
  }

  /** Closes the transport (mediasoup closes its producers and consumers); the peer forgets it on `close`. */
  close(): void {
    this.transport.close();
  }

  async connectWebRtc(dtlsParameters: DtlsParameters): Promise<void> {
    const transport = this.transport;
    if (transport.type !== "webrtc") throw new ApiError(400, "invalid-body", "this is a plain transport");
    await this.#connectOnce(() => transport.connect({ dtlsParameters: dtlsParameters as types.DtlsParameters }));
  }

  /** New ICE parameters for a WebRTC transport (the browser restarts ICE with them). */
  async restartIce(): Promise<IceParameters> {
    const transport = this.transport;
    if (transport.type !== "webrtc") throw new ApiError(409, "invalid-state", "a plain transport has no ICE");
    const iceParameters = await mediaCall(() => transport.restartIce());
    return iceParameters as IceParameters;
  }

  async connectPlain(request: ConnectPlainTransportRequest): Promise<void> {
    const transport = this.transport;
    if (transport.type !== "plain") throw new ApiError(400, "invalid-body", "this is a WebRTC transport");
    const params: { ip: string; port: number; rtcpPort?: number } = { ip: request.ip, port: request.port };
    if (request.rtcpPort !== undefined) params.rtcpPort = request.rtcpPort;
    await this.#connectOnce(() => transport.connect(params));
  }

  /** A second (or concurrent) connect is 409 invalid-state; after a rejected one the transport may try again. */
  async #connectOnce(connect: () => Promise<void>): Promise<void> {
    if (this.#connected) throw new ApiError(409, "invalid-state", `transport ${this.id} is already connected`);
    this.#connected = true;
    try {
      await mediaCall(connect);
    } catch (error) {
      this.#connected = false;
      throw error;
    }
  }
}

export type MediaPeerObserverEvents = {
  /** close() was called (by the room). */
  close: [];
  /** The peer holds no transport and has no creation in flight: the room may forget it. */
  empty: [];
};

/**
 * What one participant holds in a room. Producers and consumers hang off
 * transports: closing a transport closes them (mediasoup does it), and each
 * object leaves this peer on its own `close` observer event, whatever closed
 * it. The maps are private: objects enter through `add*`, leave on their own.
 */
export class MediaPeer {
  readonly id: string;
  readonly observer = new EventEmitter<MediaPeerObserverEvents>();
  readonly #transports = new Map<string, PeerTransport>();
  readonly #producers = new Map<string, ProducerEntry>();
  readonly #consumers = new Map<string, ConsumerEntry>();
  /** Creations in flight that will add a transport (the peer is not empty meanwhile). */
  #pending = 0;
  #closed = false;

  constructor(id: string) {
    this.id = id;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get empty(): boolean {
    return this.#transports.size === 0 && this.#pending === 0;
  }

  transport(id: string): PeerTransport {
    const entry = this.#transports.get(id);
    if (entry === undefined) throw notFound(`transport ${id} of peer ${this.id}`);
    return entry;
  }

  producer(id: string): ProducerEntry {
    const entry = this.#producers.get(id);
    if (entry === undefined) throw notFound(`producer ${id} of peer ${this.id}`);
    return entry;
  }

  consumer(id: string): ConsumerEntry {
    const entry = this.#consumers.get(id);
    if (entry === undefined) throw notFound(`consumer ${id} of peer ${this.id}`);
    return entry;
  }

  /**
   * Sets the layers one of this peer's consumers should forward (simulcast and SVC consumers; a
   * simple one has a single stream and keeps it) and, when given, its priority.
   */
  async setConsumerLayers(
    id: string,
    layers: { spatialLayer: number; temporalLayer?: number | undefined },
    priority?: number,
  ): Promise<{ consumerId: string; preferredLayers?: ConsumerLayers; priority: number }> {
    const { consumer, layers: watch } = this.consumer(id);
    if (consumer.type === "simulcast" || consumer.type === "svc") {
      const wanted: types.ConsumerLayers = { spatialLayer: layers.spatialLayer };
      if (layers.temporalLayer !== undefined) wanted.temporalLayer = layers.temporalLayer;
      await mediaCall(() =>
        watch === undefined ? consumer.setPreferredLayers(wanted) : watch.prefer(consumer, wanted),
      );
    }
    if (priority !== undefined) await mediaCall(() => consumer.setPriority(priority));
    // What the receiver asked for, not the cap the layer watch may hold meanwhile.
    const preferredLayers = layersOf(watch?.wanted(consumer) ?? consumer.preferredLayers);
    return {
      consumerId: id,
      ...(preferredLayers === undefined ? {} : { preferredLayers }),
      priority: consumer.priority,
    };
  }

  /** The producers sent on one of this peer's transports. */
  producersOn(transportId: string): ProducerEntry[] {
    return [...this.#producers.values()].filter((p) => p.transportId === transportId);
  }

  /**
   * Runs `create`, which adds a transport (with `addTransport`), keeping the
   * peer from being empty meanwhile; `empty` is emitted after if nothing was added.
   */
  async creating<T>(create: () => Promise<T>): Promise<T> {
    this.#pending++;
    try {
      return await create();
    } finally {
      this.#pending--;
      this.#emitIfEmpty();
    }
  }

  addTransport(transport: types.WebRtcTransport | types.PlainTransport, direction: Direction): PeerTransport {
    const entry = new PeerTransport(transport, direction, this);
    this.#transports.set(transport.id, entry);
    (transport as types.Transport).observer.once("close", () => {
      this.#transports.delete(transport.id);
      this.#emitIfEmpty();
    });
    return entry;
  }

  addProducer(
    producer: types.Producer,
    transportId: string,
    appData: AppData | undefined,
    layers: ProducerLayerWatch | undefined,
  ): ProducerEntry {
    const entry: ProducerEntry = { producer, transportId, peer: this, appData, layers };
    this.#producers.set(producer.id, entry);
    producer.observer.once("close", () => this.#producers.delete(producer.id));
    return entry;
  }

  addConsumer(consumer: types.Consumer, transportId: string, layers: ProducerLayerWatch | undefined): ConsumerEntry {
    const entry: ConsumerEntry = { consumer, transportId, peer: this, layers };
    this.#consumers.set(consumer.id, entry);
    consumer.observer.once("close", () => this.#consumers.delete(consumer.id));
    return entry;
  }

  /** Closes every transport (and so every producer and consumer) of this peer. Idempotent. */
  close(): ClosedCounts {
    const counts = {
      transports: this.#transports.size,
      producers: this.#producers.size,
      consumers: this.#consumers.size,
    };
    if (this.#closed) return counts;
    this.#closed = true;
    for (const transport of [...this.#transports.values()]) transport.close();
    this.observer.emit("close");
    return counts;
  }

  state(): PeerState {
    return {
      peerId: this.id,
      transports: [...this.#transports.values()].map(({ transport, direction }) =>
        transport.type === "webrtc"
          ? {
              id: transport.id,
              type: "webrtc",
              direction,
              iceState: transport.iceState,
              dtlsState: transport.dtlsState,
            }
          : { id: transport.id, type: "plain", direction },
      ),
      producers: [...this.#producers.values()].map(({ producer, transportId, appData }) => ({
        id: producer.id,
        transportId,
        kind: producer.kind,
        paused: producer.paused,
        ...(appData === undefined ? {} : { appData }),
      })),
      consumers: [...this.#consumers.values()].map(({ consumer, transportId }) => {
        const preferredLayers = layersOf(consumer.preferredLayers);
        return {
          id: consumer.id,
          transportId,
          producerId: consumer.producerId,
          kind: consumer.kind,
          paused: consumer.paused,
          producerPaused: consumer.producerPaused,
          ...(preferredLayers === undefined ? {} : { preferredLayers }),
          priority: consumer.priority,
        };
      }),
    };
  }

  #emitIfEmpty(): void {
    if (this.empty) this.observer.emit("empty");
  }
}

/** A consumer's preferred layers as the API shows them (none for a simple consumer). */
function layersOf(layers: types.ConsumerLayers | undefined): ConsumerLayers | undefined {
  if (layers === undefined) return undefined;
  return layers.temporalLayer === undefined
    ? { spatialLayer: layers.spatialLayer }
    : { spatialLayer: layers.spatialLayer, temporalLayer: layers.temporalLayer };
}
