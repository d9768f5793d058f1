import type { AppData, ClientData, ProducerInfo, ServerData, SfuInfo } from "@huddle/protocol";
import type {
  Consumer,
  Device,
  Producer,
  RtpCapabilities,
  RtpParameters,
  Transport,
  TransportOptions,
} from "mediasoup-client/types";
import type { EngineHost, MediaEngine } from "./MediaEngine.ts";
import type { InboundVideoStat, LinkState, OutboundVideoStat, SourceTracks, TrackSource } from "./types.ts";

interface Received {
  consumer: Consumer;
  user: string;
  source: TrackSource;
}

/**
 * Camera simulcast for the 640x360 capture (LocalMedia): a half-size layer for receivers on
 * weak links or small tiles, and the full one. Browsers send two layers at this size at most.
 */
const CAMERA_SIMULCAST: RTCRtpEncodingParameters[] = [
  { scaleResolutionDownBy: 2, maxBitrate: 200_000 },
  { scaleResolutionDownBy: 1, maxBitrate: 900_000 },
];

/**
 * The protocol's (validated, loose) shapes and mediasoup-client's types describe the same JSON;
 * these casts are the only place where one is seen as the other.
 */
type WireRtpParameters = ClientData<"produce">["rtpParameters"];
type WireRtpCapabilities = ClientData<"consume">["rtpCapabilities"];

function transportOptions(info: ServerData<"webRtcTransportCreated">): TransportOptions {
  return {
    id: info.id,
    iceParameters: info.iceParameters,
    iceCandidates: info.iceCandidates.map((candidate) => {
      const address = candidate.address ?? candidate.ip ?? "";
      return { ...candidate, address, ip: address };
    }),
    dtlsParameters: info.dtlsParameters as TransportOptions["dtlsParameters"],
    // No data channels: SCTP parameters are not used.
  };
}

function sourceOf(kind: "audio" | "video", appData: AppData | undefined): TrackSource {
  if (kind === "audio") return "microphone";
  return appData?.source === "screen" ? "screen" : "camera";
}

/**
 * The SFU path through a media node, with mediasoup-client: one send and one receive
 * transport (`create-transport` -> `webRtcTransportCreated`, `connect-transport` ->
 * `transport-connected`), a producer per local source (`produce` -> `produced`, with
 * `appData.source`), and a consumer per remote producer (`consume` -> `consumed`, created
 * paused, then `resume-consumer`). A muted source pauses its producer; a stopped screen
 * share closes it (`pause-producer`, `resume-producer`, `close-producer`: requests, since
 * the edge may refuse them). `media-reset` is handled by the room, which replaces this engine.
 *
 * It listens for producers from the moment it exists: mediasoup-client is loaded inside its
 * own setup (a mesh-only page never downloads it), and a `new-producer` that arrives
 * meanwhile waits for that setup like the ones listed in `joined`.
 */
export class SfuEngine implements MediaEngine {
  readonly mode = "sfu";
  #host: EngineHost;
  #sfu: SfuInfo;
  #device: Device | null = null;
  #sendTransport: Transport | null = null;
  #recvTransport: Transport | null = null;
  #producers = new Map<TrackSource, Producer>();
  #received = new Map<string, Received>();
  #consuming = new Set<string>();
  #peers = new Set<string>();
  #transportStates = new Map<"send" | "recv", string>();
  #linkState: LinkState = "connecting";
  /** Device and transports; false once their failure has been reported. */
  #ready: Promise<boolean>;
  /** Local track changes are applied one at a time, in order (the first: what we send at start). */
  #localOps: Promise<void> = Promise.resolve();
  #unsubscribe: (() => void)[];
  #closed = false;

  constructor(host: EngineHost, sfu: SfuInfo, sending: SourceTracks) {
    this.#host = host;
    this.#sfu = sfu;
    const signaling = host.signaling;
    this.#unsubscribe = [
      signaling.onMessage("new-producer", (info) => void this.#consume(info)),
      signaling.onMessage("producer-closed", ({ producerId }) => this.#dropConsumer(producerId)),
      signaling.onMessage("producer-paused", ({ producerId }) => this.#received.get(producerId)?.consumer.pause()),
      signaling.onMessage("producer-resumed", ({ producerId }) => this.#received.get(producerId)?.consumer.resume()),
    ];
    // Device and transports first; then what we send (first in the queue of local changes)
    // and what the others already send (`joined.sfu.producers`), side by side.
    this.#ready = this.#setUp().then(
      () => !this.#closed,
      (error: unknown) => {
        this.#problem("Could not connect to the media server", error);
        return false;
      },
    );
    for (const source of ["microphone", "camera", "screen"] as const) {
      const track = sending[source];
      if (track !== null) this.setLocalTrack(source, track);
    }
    for (const info of sfu.producers) void this.#consume(info);
  }

  addPeer(user: string): void {
    if (user === this.#host.username) return;
    this.#peers.add(user);
    this.#host.onLinkState(user, this.#linkState);
  }

  removePeer(user: string): void {
    this.#peers.delete(user);
    for (const [producerId, received] of this.#received) {
      if (received.user === user) this.#dropConsumer(producerId);
    }
  }

  setLocalTrack(source: TrackSource, track: MediaStreamTrack | null): void {
    this.#localOps = this.#localOps.then(async () => {
      if (!(await this.#ready)) return;
      try {
        await this.#applyLocalTrack(source, track);
      } catch (error) {
        this.#problem(`Could not ${track === null ? "stop sending" : "send"} your ${source}`, error);
      }
    });
  }

  async inboundVideoStats(): Promise<InboundVideoStat[]> {
    const out: InboundVideoStat[] = [];
    for (const { consumer, user, source } of this.#received.values()) {
      if (consumer.kind !== "video" || consumer.closed) continue;
      let framesDecoded = 0;
      (await consumer.getStats()).forEach((report: RTCStats & { framesDecoded?: number }) => {
        if (report.type === "inbound-rtp") framesDecoded = report.framesDecoded ?? 0;
      });
      out.push({ user, source, framesDecoded });
    }
    return out;
  }

  async outboundVideoStats(): Promise<OutboundVideoStat[]> {
    const out: OutboundVideoStat[] = [];
    for (const [source, producer] of this.#producers) {
      if (producer.kind !== "video" || producer.closed) continue;
      let layers = 0;
      (await producer.getStats()).forEach((report: RTCStats & { framesEncoded?: number }) => {
        if (report.type === "outbound-rtp" && (report.framesEncoded ?? 0) > 0) layers++;
      });
      out.push({ source, layers });
    }
    return out;
  }

  async audioLevels(): Promise<Map<string, number>> {
    const levels = new Map<string, number>();
    for (const { consumer, user } of this.#received.values()) {
      if (consumer.kind !== "audio" || consumer.closed || consumer.paused) continue;
      (await consumer.getStats()).forEach((report: RTCStats & { audioLevel?: number }) => {
        if (report.type === "inbound-rtp" && typeof report.audioLevel === "number") levels.set(user, report.audioLevel);
      });
    }
    const microphone = this.#producers.get("microphone");
    if (microphone !== undefined && !microphone.closed && !microphone.paused) {
      (await microphone.getStats()).forEach((report: RTCStats & { audioLevel?: number }) => {
        if (report.type === "media-source" && typeof report.audioLevel === "number") {
          levels.set(this.#host.username, report.audioLevel);
        }
      });
    }
    return levels;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    for (const producerId of [...this.#received.keys()]) this.#dropConsumer(producerId);
    for (const producer of this.#producers.values()) producer.close();
    this.#producers.clear();
    this.#sendTransport?.close();
    this.#recvTransport?.close();
  }

  async #setUp(): Promise<void> {
    const { Device } = await import("mediasoup-client").catch((error: unknown) => {
      throw new Error("the media client did not load; reload the page to try again", { cause: error });
    });
    if (this.#closed) return;
    const device = await Device.factory();
    await device.load({ routerRtpCapabilities: this.#sfu.rtpCapabilities as RtpCapabilities });
    if (this.#closed) return;
    this.#device = device;
    this.#sendTransport = await this.#createTransport("send");
    this.#recvTransport = await this.#createTransport("recv");
    this.#updateLinkState(); // transports exist; nothing failed so far
  }

  async #createTransport(direction: "send" | "recv"): Promise<Transport> {
    const { signaling } = this.#host;
    const info = await signaling.request("create-transport", { direction }, "webRtcTransportCreated");
    const device = this.#device;
    if (device === null || this.#closed) throw new Error("the SFU call was closed");
    const transport =
      direction === "send"
        ? device.createSendTransport(transportOptions(info))
        : device.createRecvTransport(transportOptions(info));
    transport.on("connect", ({ dtlsParameters }, done, fail) => {
      signaling
        .request("connect-transport", { transportId: transport.id, dtlsParameters }, "transport-connected")
        .then(() => done(), fail);
    });
    if (direction === "send") {
      transport.on("produce", ({ kind, rtpParameters, appData }, done, fail) => {
        signaling
          .request(
            "produce",
            {
              transportId: transport.id,
              kind,
              rtpParameters: rtpParameters as WireRtpParameters,
              appData: appData as AppData,
            },
            "produced",
          )
          .then(({ id }) => done({ id }), fail);
      });
    }
    transport.on("connectionstatechange", (state) => {
      this.#transportStates.set(direction, state);
      this.#updateLinkState();
    });
    return transport;
  }

  async #applyLocalTrack(source: TrackSource, track: MediaStreamTrack | null): Promise<void> {
    const transport = this.#sendTransport;
    if (this.#closed || transport === null) return;
    const signaling = this.#host.signaling;
    const producer = this.#producers.get(source);
    if (track === null) {
      if (producer === undefined || producer.closed) return;
      if (source === "screen") {
        // A share that ended is gone: others drop its tile on `producer-closed`.
        this.#producers.delete(source);
        producer.close();
        await signaling.request("close-producer", { producerId: producer.id }, "producer-closed");
        return;
      }
      if (source === "camera") await producer.replaceTrack({ track: null });
      if (!producer.paused) {
        producer.pause();
        await signaling.request("pause-producer", { producerId: producer.id }, "producer-paused");
      }
      return;
    }
    if (producer !== undefined && !producer.closed) {
      await producer.replaceTrack({ track });
      if (producer.paused) {
        producer.resume();
        await signaling.request("resume-producer", { producerId: producer.id }, "producer-resumed");
      }
      return;
    }
    const kind = track.kind === "audio" ? "audio" : "video";
    if (this.#device?.canProduce(kind) !== true) {
      throw new Error(`this browser cannot send ${kind} to the media server`);
    }
    const created = await transport.produce({
      track,
      stopTracks: false,
      appData: { source },
      ...(source === "screen" ? { codecOptions: { videoGoogleStartBitrate: 1000 } } : {}),
      // The camera goes out as simulcast: the media node forwards each receiver the layer its link can carry.
      ...(source === "camera" ? { encodings: CAMERA_SIMULCAST } : {}),
    });
    if (this.#closed) {
      created.close();
      return;
    }
    this.#producers.set(source, created);
  }

  async #consume(info: ProducerInfo): Promise<void> {
    if (info.user === this.#host.username || this.#consuming.has(info.producerId)) return;
    this.#consuming.add(info.producerId);
    try {
      await this.#ready;
      const device = this.#device;
      const transport = this.#recvTransport;
      if (this.#closed || device === null || transport === null) return;
      const { signaling } = this.#host;
      const consumed = await signaling.request(
        "consume",
        {
          transportId: transport.id,
          producerId: info.producerId,
          rtpCapabilities: device.recvRtpCapabilities as WireRtpCapabilities,
        },
        "consumed",
      );
      if (this.#closed || !this.#consuming.has(info.producerId)) return;
      const consumer = await transport.consume({
        id: consumed.id,
        producerId: consumed.producerId,
        kind: consumed.kind,
        rtpParameters: consumed.rtpParameters as RtpParameters,
      });
      if (this.#closed || !this.#consuming.has(info.producerId)) {
        consumer.close();
        return;
      }
      const source = sourceOf(consumed.kind, consumed.appData ?? info.appData);
      this.#received.set(info.producerId, { consumer, user: consumed.user, source });
      this.#host.onRemoteTrack(consumed.user, source, consumer.track);
      await signaling.request("resume-consumer", { consumerId: consumer.id }, "consumer-resumed");
      if (consumed.producerPaused) consumer.pause();
    } catch (error) {
      this.#consuming.delete(info.producerId);
      this.#problem(`Could not receive ${info.kind === "audio" ? "audio" : "video"} from ${info.user}`, error);
    }
  }

  /** The one way a failure leaves this engine (none once it is closed: a reset replaced it). */
  #problem(what: string, error: unknown): void {
    if (this.#closed) return;
    this.#host.onProblem(`${what}: ${error instanceof Error ? error.message : String(error)}`, error);
  }

  /**
   * Everyone's media goes through our two transports, so one state stands for all peers:
   * failed when either transport failed, connecting while one (re)connects, else connected
   * (a transport that never needed to connect, e.g. nothing to receive yet, is no problem).
   */
  #updateLinkState(): void {
    const states = [...this.#transportStates.values()];
    const next: LinkState = states.includes("failed")
      ? "failed"
      : states.includes("connecting") || states.includes("disconnected")
        ? "connecting"
        : "connected";
    if (next === this.#linkState) return;
    this.#linkState = next;
    for (const user of this.#peers) this.#host.onLinkState(user, next);
  }

  #dropConsumer(producerId: string): void {
    this.#consuming.delete(producerId);
    const received = this.#received.get(producerId);
    if (received === undefined) return;
    this.#received.delete(producerId);
    received.consumer.close();
    this.#host.onRemoteTrack(received.user, received.source, null);
  }
}
