import { EventEmitter } from "node:events";
import type {
  ConsumeManyRequest,
  ConsumeManyResponse,
  ConsumeRequest,
  ConsumeResponse,
  CreatePlainTransportRequest,
  CreatePlainTransportResponse,
  CreateTransportRequest,
  CreateTransportResponse,
  ProduceRequest,
  ProduceResponse,
  RoomState,
} from "@huddle/protocol";
import type { types } from "mediasoup";
import { ApiError, mediaCall, notFound } from "./errors.ts";
import type { EventLog } from "./events.ts";
import { ProducerLayerWatch } from "./layer-watch.ts";
import type { Logger } from "./log.ts";
import { type ClosedCounts, type Direction, MediaPeer, type PeerTransport, type ProducerEntry } from "./media-peer.ts";
import type { WorkerHandle } from "./workers.ts";

/** A WebRTC transport whose ICE stays disconnected this long is closed (the browser is gone). */
export const ICE_DISCONNECTED_CLOSE_MS = 30_000;

export type MediaRoomOptions = {
  rtcListenIp: string;
  announcedIp: string;
  events: EventLog;
  log: Logger;
  /** ICE consent timeout of WebRTC transports, in seconds (mediasoup's default 30; 0 disables it). */
  iceConsentTimeoutS?: number;
  /** A WebRTC transport whose ICE stays disconnected this long is closed (default ICE_DISCONNECTED_CLOSE_MS). */
  iceDisconnectedCloseMs?: number;
  /** Called with every new room's router, before anything is in it (node events: events/room-watch.ts). */
  watch?: ((roomId: string, router: types.Router) => void) | undefined;
};

/**
 * Why a room closed: `closed` by close() (the API), `worker-closed` with its
 * worker on purpose (node shutdown), or lost: `worker-died`, `router-closed`.
 */
export type MediaRoomCloseReason = "closed" | "worker-closed" | "worker-died" | "router-closed";

export type MediaRoomObserverEvents = {
  /** Emitted once, whatever closed the room. */
  close: [reason: MediaRoomCloseReason];
  /** A producer was added (the recorder follows them). */
  producer: [entry: ProducerEntry];
};

type FailureReason = "dtls-failed" | "dtls-closed" | "ice-disconnected";

/** Codecs that ride along a media codec (their mimeType says nothing of the kind). */
const AUXILIARY_CODEC = /\/(rtx|red|ulpfec|flexfec-03)$/i;

/**
 * The mediasoup side of one room: its router and, by peer, every transport,
 * producer and consumer in it. Every id the API takes is looked up under the
 * peer in the path, so a peer can only touch its own objects (another peer's
 * id is "not found"). Peers are created on their first transport and
 * forgotten once they hold none.
 */
export class MediaRoom {
  readonly id: string;
  readonly router: types.Router;
  readonly worker: WorkerHandle;
  readonly observer = new EventEmitter<MediaRoomObserverEvents>();
  readonly #options: MediaRoomOptions;
  readonly #peers = new Map<string, MediaPeer>();
  /** Every producer of the room (consumers may consume any of them). */
  readonly #producers = new Map<string, ProducerEntry>();
  #closed = false;

  constructor(id: string, router: types.Router, worker: WorkerHandle, options: MediaRoomOptions) {
    this.id = id;
    this.router = router;
    this.worker = worker;
    this.#options = options;
    router.observer.once("close", () => this.#routerClosed());
    options.watch?.(id, router);
  }

  get closed(): boolean {
    return this.#closed || this.router.closed;
  }

  /** A live peer, or 404. */
  peer(peerId: string): MediaPeer {
    const peer = this.#peers.get(peerId);
    if (peer === undefined || peer.closed) throw notFound(`peer ${peerId} in room ${this.id}`);
    return peer;
  }

  async createWebRtcTransport(peerId: string, request: CreateTransportRequest): Promise<CreateTransportResponse> {
    const sctp = request.sctp === true;
    const entry = await this.#createTransport(peerId, request.direction, () =>
      this.router.createWebRtcTransport({
        webRtcServer: this.worker.webRtcServer,
        enableUdp: true,
        enableTcp: true,
        preferUdp: true,
        enableSctp: sctp,
        ...(sctp ? { numSctpStreams: { OS: 1024, MIS: 1024 } } : {}),
        initialAvailableOutgoingBitrate: 1_000_000,
        ...(this.#options.iceConsentTimeoutS === undefined
          ? {}
          : { iceConsentTimeout: this.#options.iceConsentTimeoutS }),
        appData: { roomId: this.id, peerId, direction: request.direction },
      }),
    );
    const transport = entry.transport as types.WebRtcTransport;
    const response: CreateTransportResponse = {
      id: transport.id,
      direction: entry.direction,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
    };
    if (transport.sctpParameters !== undefined) response.sctpParameters = transport.sctpParameters;
    return response;
  }

  async createPlainTransport(
    peerId: string,
    request: CreatePlainTransportRequest,
  ): Promise<CreatePlainTransportResponse> {
    const entry = await this.#createTransport(peerId, request.direction, () =>
      this.router.createPlainTransport({
        listenInfo: { protocol: "udp", ip: this.#options.rtcListenIp, announcedAddress: this.#options.announcedIp },
        rtcpMux: request.rtcpMux ?? true,
        comedia: request.comedia ?? false,
        appData: { roomId: this.id, peerId, direction: request.direction },
      }),
    );
    const transport = entry.transport as types.PlainTransport;
    const response: CreatePlainTransportResponse = {
      id: transport.id,
      direction: entry.direction,
      ip: transport.tuple.localAddress,
      port: transport.tuple.localPort,
    };
    if (transport.rtcpTuple !== undefined) response.rtcpPort = transport.rtcpTuple.localPort;
    return response;
  }

  async produce(entry: PeerTransport, request: ProduceRequest): Promise<ProduceResponse> {
    if (entry.direction !== "send") {
      throw new ApiError(409, "wrong-direction", `transport ${entry.id} is a recv transport`);
    }
    // mediasoup takes a video producer with an opus codec: refuse it here.
    const media = request.rtpParameters.codecs.find((c) => !AUXILIARY_CODEC.test(c.mimeType));
    if (media !== undefined && !media.mimeType.toLowerCase().startsWith(`${request.kind}/`)) {
      throw new ApiError(400, "rejected", `kind is ${request.kind} but the codec is ${media.mimeType}`);
    }
    const { peer } = entry;
    const producer = await mediaCall(() =>
      entry.transport.produce({
        kind: request.kind,
        rtpParameters: request.rtpParameters as types.RtpParameters,
        paused: request.paused === true,
        appData: { roomId: this.id, peerId: peer.id },
      }),
    );
    if (producer.closed) throw new ApiError(409, "invalid-state", `transport ${entry.id} closed meanwhile`);
    const layers = producer.type === "simulcast" ? new ProducerLayerWatch(producer, this.#options.log) : undefined;
    const producerEntry = peer.addProducer(producer, entry.id, request.appData, layers);
    this.#producers.set(producer.id, producerEntry);
    producer.observer.once("close", () => this.#producers.delete(producer.id));
    this.observer.emit("producer", producerEntry);
    return { id: producer.id, kind: producer.kind };
  }

  async consume(entry: PeerTransport, request: ConsumeRequest): Promise<ConsumeResponse> {
    if (entry.direction !== "recv") {
      throw new ApiError(409, "wrong-direction", `transport ${entry.id} is a send transport`);
    }
    const source = this.#producers.get(request.producerId);
    if (source === undefined) throw notFound(`producer ${request.producerId} in room ${this.id}`);
    const rtpCapabilities = request.rtpCapabilities as types.RtpCapabilities;
    const producerId = request.producerId;
    const { peer } = entry;
    // No separate router.canConsume(): consume() makes the same check (after cloning and normalizing the
    // capabilities once more) and says so with an UnsupportedError.
    const consumer = await mediaCall(async () => {
      try {
        return await entry.transport.consume({
          producerId,
          rtpCapabilities,
          paused: true,
          // Audio too (mediasoup's default is video only): the browser asks for lost Opus
          // packets again (web/src/call/audioRepairs.ts), and the consumer resends them.
          enableRtx: true,
          appData: { roomId: this.id, peerId: peer.id },
        });
      } catch (error) {
        if (error instanceof Error && error.name === "UnsupportedError") {
          throw new ApiError(
            409,
            "cannot-consume",
            `the given rtpCapabilities cannot receive producer ${producerId} (${source.producer.kind})`,
          );
        }
        throw error;
      }
    });
    if (consumer.closed) throw new ApiError(409, "invalid-state", `consumer ${consumer.id} closed meanwhile`);
    peer.addConsumer(consumer, entry.id, source.layers);
    source.layers?.follow(consumer);
    const response: ConsumeResponse = {
      id: consumer.id,
      producerId: consumer.producerId,
      producerPeerId: source.peer.id,
      kind: consumer.kind,
      // mediasoup's own object: the shape the protocol describes (looser codec parameter typing).
      rtpParameters: consumer.rtpParameters as unknown as ConsumeResponse["rtpParameters"],
      producerPaused: consumer.producerPaused,
    };
    if (source.appData !== undefined) response.appData = source.appData;
    return response;
  }

  /**
   * `consume` of each producer, all at once; one producer's failure (an ApiError: not found,
   * cannot-consume, rejected) is listed and does not stop the others. The transport's own
   * problems (wrong direction) fail the whole call, as for a single consume.
   */
  async consumeMany(entry: PeerTransport, request: ConsumeManyRequest): Promise<ConsumeManyResponse> {
    if (entry.direction !== "recv") {
      throw new ApiError(409, "wrong-direction", `transport ${entry.id} is a send transport`);
    }
    const { rtpCapabilities } = request;
    const results = await Promise.all(
      request.producerIds.map((producerId) =>
        this.consume(entry, { producerId, rtpCapabilities }).then(
          (consumer) => ({ ok: true as const, consumer }),
          (error: unknown) => {
            if (!(error instanceof ApiError)) throw error;
            return {
              ok: false as const,
              failure: { id: producerId, error: { code: error.code, message: error.message } },
            };
          },
        ),
      ),
    );
    const response: ConsumeManyResponse = { consumers: [], failed: [] };
    for (const result of results) {
      if (result.ok) response.consumers.push(result.consumer);
      else response.failed.push(result.failure);
    }
    return response;
  }

  /** Every live producer of the room. */
  producers(): ProducerEntry[] {
    return [...this.#producers.values()];
  }

  /** Closes every transport (so every producer and consumer) of a peer; zeros when it has none. */
  closePeer(peerId: string): ClosedCounts {
    const peer = this.#peers.get(peerId);
    if (peer === undefined) return { transports: 0, producers: 0, consumers: 0 };
    this.#peers.delete(peerId);
    return peer.close();
  }

  /** Closes every peer and the router, and with it everything in the room. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const peer of this.#peers.values()) peer.close();
    this.#peers.clear();
    this.router.close();
    this.observer.emit("close", "closed");
  }

  state(): RoomState {
    return {
      roomId: this.id,
      worker: { index: this.worker.index, pid: this.worker.worker.pid },
      rtpCapabilities: this.router.rtpCapabilities as unknown as RoomState["rtpCapabilities"],
      peers: [...this.#peers.values()].map((peer) => peer.state()),
      producers: [...this.#producers.values()].map(({ producer, peer, appData }) => ({
        producerId: producer.id,
        peerId: peer.id,
        kind: producer.kind,
        paused: producer.paused,
        ...(appData === undefined ? {} : { appData }),
      })),
      events: this.#options.events.forRoom(this.id),
    };
  }

  /** The router closed without close(): with its worker (on purpose or not), or on its own. */
  #routerClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    const { worker } = this.worker;
    const reason: MediaRoomCloseReason = worker.died
      ? "worker-died"
      : worker.closed
        ? "worker-closed"
        : "router-closed";
    this.observer.emit("close", reason);
  }

  /** The peer, created (and watched until it is empty) on its first transport. */
  #peerFor(peerId: string): MediaPeer {
    const existing = this.#peers.get(peerId);
    if (existing !== undefined) return existing;
    const peer = new MediaPeer(peerId);
    this.#peers.set(peerId, peer);
    peer.observer.on("empty", () => {
      if (this.#peers.get(peerId) === peer) this.#peers.delete(peerId);
    });
    return peer;
  }

  /** Creates a transport for a peer and tracks it until it closes. */
  async #createTransport(
    peerId: string,
    direction: Direction,
    create: () => Promise<types.WebRtcTransport | types.PlainTransport>,
  ): Promise<PeerTransport> {
    const peer = this.#peerFor(peerId);
    return peer.creating(async () => {
      const transport = await mediaCall(create);
      if (peer.closed || transport.closed || this.closed) {
        transport.close();
        throw this.closed
          ? new ApiError(410, "room-lost", `room ${this.id} closed while the transport was being created`)
          : notFound(`peer ${peerId} (closed while the transport was being created)`);
      }
      const entry = peer.addTransport(transport, direction);
      if (transport.type === "webrtc") this.#watchFailures(entry, transport);
      return entry;
    });
  }

  /** DTLS failing or closed, or ICE disconnected for ICE_DISCONNECTED_CLOSE_MS, closes the transport. */
  #watchFailures(entry: PeerTransport, transport: types.WebRtcTransport): void {
    let iceTimer: NodeJS.Timeout | undefined;
    transport.observer.once("close", () => clearTimeout(iceTimer));
    transport.on("dtlsstatechange", (state) => {
      if (state === "failed" || state === "closed") this.#fail(entry, `dtls-${state}`);
    });
    transport.on("icestatechange", (state) => {
      clearTimeout(iceTimer);
      if (state === "disconnected") {
        const closeMs = this.#options.iceDisconnectedCloseMs ?? ICE_DISCONNECTED_CLOSE_MS;
        iceTimer = setTimeout(() => this.#fail(entry, "ice-disconnected"), closeMs);
        iceTimer.unref();
      }
    });
  }

  /** A transport that failed on its own: close it and record what went with it. */
  #fail(entry: PeerTransport, reason: FailureReason): void {
    const { peer } = entry;
    if (entry.closed || this.closed) return;
    const producerIds = peer.producersOn(entry.id).map((p) => p.producer.id);
    this.#options.log.info("transport closed by failure", {
      roomId: this.id,
      peerId: peer.id,
      transportId: entry.id,
      reason,
    });
    entry.close();
    const { events } = this.#options;
    events.push({ type: "transport-closed", roomId: this.id, peerId: peer.id, transportId: entry.id, reason });
    for (const producerId of producerIds) {
      events.push({
        type: "producer-closed",
        roomId: this.id,
        peerId: peer.id,
        producerId,
        reason: "transport-closed",
      });
    }
  }
}
