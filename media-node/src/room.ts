import type {
  ConnectPlainTransportRequest,
  ConsumeRequest,
  ConsumeResponse,
  CreatePlainTransportRequest,
  CreatePlainTransportResponse,
  CreateTransportRequest,
  CreateTransportResponse,
  DtlsParameters,
  ProduceRequest,
  ProduceResponse,
  RoomState,
} from "@huddle/protocol";
import type { types } from "mediasoup";
import { ApiError, mediaCall, notFound } from "./errors.ts";
import type { EventLog } from "./events.ts";
import type { Logger } from "./log.ts";
import { type ClosedCounts, type Direction, Peer, type ProducerEntry, type TransportEntry } from "./peer.ts";
import type { WorkerHandle } from "./workers.ts";

/** A WebRTC transport whose ICE stays disconnected this long is closed (the browser is gone). */
export const ICE_DISCONNECTED_CLOSE_MS = 30_000;

export type RoomOptions = {
  rtcListenIp: string;
  announcedIp: string;
  events: EventLog;
  log: Logger;
};

type FailureReason = "dtls-failed" | "dtls-closed" | "ice-disconnected";

/**
 * One room's router and everything in it, by peer. Every id the API takes
 * is looked up under the peer in the path, so a peer can only touch its own
 * transports, producers and consumers (another peer's id is "not found").
 */
export class Room {
  readonly id: string;
  readonly router: types.Router;
  readonly worker: WorkerHandle;
  readonly peers = new Map<string, Peer>();
  /** Every producer of the room (consumers may consume any of them). */
  readonly producers = new Map<string, ProducerEntry>();
  readonly #options: RoomOptions;
  /** Transports that connected (or are connecting). */
  readonly #connected = new WeakSet<TransportEntry>();
  #closing = false;

  constructor(id: string, router: types.Router, worker: WorkerHandle, options: RoomOptions) {
    this.id = id;
    this.router = router;
    this.worker = worker;
    this.#options = options;
  }

  /** True once close() was called (by the API) — a router closing otherwise means the room was lost. */
  get closing(): boolean {
    return this.#closing;
  }

  get closed(): boolean {
    return this.#closing || this.router.closed;
  }

  peer(peerId: string): Peer {
    const peer = this.peers.get(peerId);
    if (peer === undefined || peer.closed) throw notFound(`peer ${peerId} in room ${this.id}`);
    return peer;
  }

  async createWebRtcTransport(peerId: string, request: CreateTransportRequest): Promise<CreateTransportResponse> {
    const sctp = request.sctp === true;
    const entry = await this.#create(peerId, request.direction, "webrtc", () =>
      this.router.createWebRtcTransport({
        webRtcServer: this.worker.webRtcServer,
        enableUdp: true,
        enableTcp: true,
        preferUdp: true,
        enableSctp: sctp,
        ...(sctp ? { numSctpStreams: { OS: 1024, MIS: 1024 } } : {}),
        initialAvailableOutgoingBitrate: 1_000_000,
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
    const entry = await this.#create(peerId, request.direction, "plain", () =>
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

  async connectWebRtc(entry: TransportEntry, dtlsParameters: DtlsParameters): Promise<void> {
    const transport = entry.transport as types.WebRtcTransport;
    await this.#connectOnce(entry, () => transport.connect({ dtlsParameters: dtlsParameters as types.DtlsParameters }));
  }

  async connectPlain(entry: TransportEntry, request: ConnectPlainTransportRequest): Promise<void> {
    const transport = entry.transport as types.PlainTransport;
    const params: { ip: string; port: number; rtcpPort?: number } = { ip: request.ip, port: request.port };
    if (request.rtcpPort !== undefined) params.rtcpPort = request.rtcpPort;
    await this.#connectOnce(entry, () => transport.connect(params));
  }

  /** A transport connects once: a second (or concurrent) connect is 409 invalid-state; a rejected one may be retried. */
  async #connectOnce(entry: TransportEntry, connect: () => Promise<void>): Promise<void> {
    if (this.#connected.has(entry)) {
      throw new ApiError(409, "invalid-state", `transport ${entry.transport.id} is already connected`);
    }
    this.#connected.add(entry);
    try {
      await mediaCall(connect);
    } catch (error) {
      this.#connected.delete(entry);
      throw error;
    }
  }

  async produce(entry: TransportEntry, request: ProduceRequest): Promise<ProduceResponse> {
    if (entry.direction !== "send") {
      throw new ApiError(409, "wrong-direction", `transport ${entry.transport.id} is a recv transport`);
    }
    const media = request.rtpParameters.codecs.find((c) => !/\/(rtx|red|ulpfec|flexfec-03)$/i.test(c.mimeType));
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
    if (producer.closed) throw new ApiError(409, "invalid-state", `transport ${entry.transport.id} closed meanwhile`);
    const producerEntry: ProducerEntry = {
      producer,
      transportId: entry.transport.id,
      peer,
      appData: request.appData,
    };
    peer.producers.set(producer.id, producerEntry);
    this.producers.set(producer.id, producerEntry);
    producer.observer.once("close", () => {
      peer.producers.delete(producer.id);
      this.producers.delete(producer.id);
    });
    return { id: producer.id, kind: producer.kind };
  }

  async consume(entry: TransportEntry, request: ConsumeRequest): Promise<ConsumeResponse> {
    if (entry.direction !== "recv") {
      throw new ApiError(409, "wrong-direction", `transport ${entry.transport.id} is a send transport`);
    }
    const source = this.producers.get(request.producerId);
    if (source === undefined) throw notFound(`producer ${request.producerId} in room ${this.id}`);
    const rtpCapabilities = request.rtpCapabilities as types.RtpCapabilities;
    if (!(await mediaCall(() => this.router.canConsume({ producerId: request.producerId, rtpCapabilities })))) {
      throw new ApiError(
        409,
        "cannot-consume",
        `the given rtpCapabilities cannot receive producer ${request.producerId} (${source.producer.kind})`,
      );
    }
    const { peer } = entry;
    const consumer = await mediaCall(() =>
      entry.transport.consume({
        producerId: request.producerId,
        rtpCapabilities,
        paused: true,
        appData: { roomId: this.id, peerId: peer.id },
      }),
    );
    if (consumer.closed) throw new ApiError(409, "invalid-state", `consumer ${consumer.id} closed meanwhile`);
    peer.consumers.set(consumer.id, { consumer, transportId: entry.transport.id, peer });
    consumer.observer.once("close", () => peer.consumers.delete(consumer.id));
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

  /** Closes every transport (so every producer and consumer) of a peer; zeros when it has none. */
  closePeer(peerId: string): ClosedCounts {
    const peer = this.peers.get(peerId);
    if (peer === undefined) return { transports: 0, producers: 0, consumers: 0 };
    this.peers.delete(peerId);
    return peer.close();
  }

  /** Closes the router and with it everything in the room. */
  close(): void {
    this.#closing = true;
    for (const peer of this.peers.values()) peer.close();
    this.peers.clear();
    this.router.close();
  }

  state(): RoomState {
    return {
      roomId: this.id,
      worker: { index: this.worker.index, pid: this.worker.worker.pid },
      rtpCapabilities: this.router.rtpCapabilities as unknown as RoomState["rtpCapabilities"],
      peers: [...this.peers.values()].map((peer) => peer.state()),
      producers: [...this.producers.values()].map(({ producer, peer, appData }) => ({
        producerId: producer.id,
        peerId: peer.id,
        kind: producer.kind,
        paused: producer.paused,
        ...(appData === undefined ? {} : { appData }),
      })),
      events: this.#options.events.forRoom(this.id),
    };
  }

  /** Creates a transport for a peer (creating the peer on its first transport) and tracks it until it closes. */
  async #create(
    peerId: string,
    direction: Direction,
    type: "webrtc" | "plain",
    create: () => Promise<types.WebRtcTransport | types.PlainTransport>,
  ): Promise<TransportEntry> {
    let peer = this.peers.get(peerId);
    if (peer === undefined) {
      peer = new Peer(peerId);
      this.peers.set(peerId, peer);
    }
    peer.pending++;
    let transport: types.WebRtcTransport | types.PlainTransport;
    try {
      transport = await mediaCall(create);
    } catch (error) {
      peer.pending--;
      this.#prune(peer);
      throw error;
    }
    peer.pending--;
    if (peer.closed || transport.closed || this.closed) {
      transport.close();
      this.#prune(peer);
      throw this.closed
        ? new ApiError(410, "room-lost", `room ${this.id} closed while the transport was being created`)
        : notFound(`peer ${peerId} (closed while the transport was being created)`);
    }
    const entry: TransportEntry = { transport, type, direction, peer };
    peer.transports.set(transport.id, entry);
    let iceTimer: NodeJS.Timeout | undefined;
    (transport as types.Transport).observer.once("close", () => {
      clearTimeout(iceTimer);
      peer.transports.delete(transport.id);
      this.#prune(peer);
    });
    if (transport.type === "webrtc") {
      transport.on("dtlsstatechange", (state) => {
        if (state === "failed" || state === "closed") this.#fail(entry, `dtls-${state}`);
      });
      transport.on("icestatechange", (state) => {
        clearTimeout(iceTimer);
        if (state === "disconnected") {
          iceTimer = setTimeout(() => this.#fail(entry, "ice-disconnected"), ICE_DISCONNECTED_CLOSE_MS);
          iceTimer.unref();
        }
      });
    }
    return entry;
  }

  /** A transport that failed on its own: close it and record what went with it. */
  #fail(entry: TransportEntry, reason: FailureReason): void {
    const { transport, peer } = entry;
    if (transport.closed || this.closed) return;
    const producerIds = [...peer.producers.values()]
      .filter((p) => p.transportId === transport.id)
      .map((p) => p.producer.id);
    this.#options.log.info("transport closed by failure", {
      roomId: this.id,
      peerId: peer.id,
      transportId: transport.id,
      reason,
    });
    transport.close();
    const { events } = this.#options;
    events.push({ type: "transport-closed", roomId: this.id, peerId: peer.id, transportId: transport.id, reason });
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

  #prune(peer: Peer): void {
    if (peer.empty && this.peers.get(peer.id) === peer) this.peers.delete(peer.id);
  }
}
