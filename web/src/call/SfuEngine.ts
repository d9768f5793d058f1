import {
  type AppData,
  type ClientData,
  MAX_MEDIA_BATCH,
  type ProducerInfo,
  type ServerData,
  type SfuInfo,
} from "@huddle/protocol";
import type {
  Consumer,
  Device,
  Producer,
  RtpCapabilities,
  RtpParameters,
  Transport,
  TransportOptions,
} from "mediasoup-client/types";
import { t } from "../i18n/index.ts";
import { CAMERA_PRIORITY, type ReceiveWish, TOP_LAYER } from "./adaptiveLayers.ts";
import { askForLostAudio } from "./audioRepairs.ts";
import { IceRestarter } from "./iceRestart.ts";
import type { EngineHost, MediaEngine } from "./MediaEngine.ts";
import { loadDevice } from "./mediaDevice.ts";
import { RepairDelay } from "./repairDelay.ts";
import { sentVideo } from "./sentVideo.ts";
import type {
  InboundAudioStat,
  InboundVideoStat,
  LinkState,
  OutboundVideoStat,
  SourceTracks,
  TrackSource,
} from "./types.ts";

interface Received {
  consumer: Consumer;
  user: string;
  source: TrackSource;
  /** What the media node was last told of this consumer (a video's layers, paused, priority). */
  applied: ReceiveWish;
}

/**
 * Camera simulcast: three layers (180p / 360p / 720p of a 720p capture) so each receiver gets
 * what its tile shows (`set-consumer-layers`) and its link carries; the publisher stops the
 * layers nobody receives (`producer-layers`). A capture below 540p (the 360p setting) goes out
 * as two layers, half and full size: browsers send no more at that size.
 */
const CAMERA_SIMULCAST: RTCRtpEncodingParameters[] = [
  { scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
];
const SMALL_CAMERA_SIMULCAST: RTCRtpEncodingParameters[] = [
  { scaleResolutionDownBy: 2, maxBitrate: 200_000 },
  { scaleResolutionDownBy: 1, maxBitrate: 900_000 },
];

/** The camera's encodings for a capture of this height. */
function cameraEncodings(track: MediaStreamTrack): RTCRtpEncodingParameters[] {
  return (track.getSettings().height ?? 0) >= 540 ? CAMERA_SIMULCAST : SMALL_CAMERA_SIMULCAST;
}

/**
 * A screen share is one full-resolution encoding tuned for detail (the track's contentHint is
 * "detail", LocalMedia): text stays sharp, at the 15 fps it is captured at.
 */
const SCREEN_ENCODINGS: RTCRtpEncodingParameters[] = [{ maxBitrate: 2_500_000, maxFramerate: 15 }];

/** What the media node does with a new consumer: forwards the top layer, resumed, at priority 1. */
const NODE_DEFAULT: ReceiveWish = { paused: false, spatialLayer: TOP_LAYER, priority: CAMERA_PRIORITY };

/** How long `new-producer` announcements are gathered into one `consume-many`. */
const NEW_PRODUCER_GATHER_MS = 10;

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
 * The SFU path through a media node, with mediasoup-client: one receive and (from the first
 * track to send, so a viewer never asks for it) one send transport
 * (`create-transport` -> `webRtcTransportCreated`, `connect-transport` ->
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
  /** Per transport: restarts its ICE while it is down (iceRestart.ts). */
  #restarters = new Map<"send" | "recv", IceRestarter>();
  /** Holds remote video back for retransmissions while the network loses packets (repairDelay.ts). */
  #repairDelay = new RepairDelay(() => this.#videoReceivers());
  /** Every remote producer we know of (to consume again on a rebuilt receive transport). */
  #known = new Map<string, ProducerInfo>();
  /** The last track asked for per source (to produce again on a rebuilt send transport). */
  #wanted = new Map<TrackSource, MediaStreamTrack | null>();
  #linkState: LinkState = "connecting";
  #subscribe: boolean;
  /** Device and transports; false once their failure has been reported. */
  #ready: Promise<boolean>;
  /** Local track changes are applied one at a time, in order (the first: what we send at start). */
  #localOps: Promise<void> = Promise.resolve();
  #unsubscribe: (() => void)[];
  #closed = false;

  /** `subscribe` false (no canSubscribe grant): no receive transport, nothing is consumed. */
  constructor(host: EngineHost, sfu: SfuInfo, sending: SourceTracks, subscribe = true) {
    this.#host = host;
    this.#sfu = sfu;
    this.#subscribe = subscribe;
    const signaling = host.signaling;
    this.#unsubscribe = [
      signaling.onMessage("new-producer", (info) => this.#consumeSoon(info)),
      signaling.onMessage("producer-closed", ({ producerId }) => {
        this.#known.delete(producerId);
        this.#dropConsumer(producerId);
        this.#forgetProducer(producerId);
      }),
      signaling.onMessage("producer-paused", ({ producerId }) => this.#received.get(producerId)?.consumer.pause()),
      signaling.onMessage("producer-resumed", ({ producerId }) => this.#received.get(producerId)?.consumer.resume()),
      signaling.onMessage("producer-layers", ({ producerId, maxSpatialLayer }) =>
        this.#sendLayersUpTo(producerId, maxSpatialLayer),
      ),
    ];
    // Device and transports first; then what we send (first in the queue of local changes)
    // and what the others already send (`joined.sfu.producers`), side by side.
    this.#ready = this.#setUp().then(
      () => !this.#closed,
      (error: unknown) => {
        this.#problem(t("problem.mediaServer"), error);
        return false;
      },
    );
    for (const source of ["microphone", "camera", "screen"] as const) {
      const track = sending[source];
      if (track !== null) void this.setLocalTrack(source, track);
    }
    void this.#consumeAll(sfu.producers);
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

  setLocalTrack(source: TrackSource, track: MediaStreamTrack | null): Promise<void> {
    this.#wanted.set(source, track);
    this.#localOps = this.#localOps.then(async () => {
      if (!(await this.#ready)) return;
      try {
        await this.#applyLocalTrack(source, track);
      } catch (error) {
        this.#problem(t(track === null ? `problem.stopSending.${source}` : `problem.send.${source}`), error);
      }
    });
    return this.#localOps;
  }

  *#videoReceivers(): Iterable<RTCRtpReceiver> {
    for (const { consumer } of this.#received.values()) {
      if (consumer.kind === "video" && !consumer.closed && consumer.rtpReceiver !== undefined)
        yield consumer.rtpReceiver;
    }
  }

  async inboundVideoStats(): Promise<InboundVideoStat[]> {
    const out: InboundVideoStat[] = [];
    for (const { consumer, user, source } of this.#received.values()) {
      if (consumer.kind !== "video" || consumer.closed) continue;
      let framesDecoded = 0;
      let frameHeight = 0;
      (await consumer.getStats()).forEach((report: RTCStats & { framesDecoded?: number; frameHeight?: number }) => {
        if (report.type !== "inbound-rtp") return;
        framesDecoded = report.framesDecoded ?? 0;
        frameHeight = report.frameHeight ?? 0;
      });
      out.push({ user, source, framesDecoded, frameHeight });
    }
    return out;
  }

  async inboundAudioStats(): Promise<InboundAudioStat[]> {
    const out: InboundAudioStat[] = [];
    for (const { consumer, user } of this.#received.values()) {
      if (consumer.kind !== "audio" || consumer.closed) continue;
      let packetsReceived = 0;
      (await consumer.getStats()).forEach((report: RTCStats & { packetsReceived?: number }) => {
        if (report.type === "inbound-rtp") packetsReceived = report.packetsReceived ?? 0;
      });
      out.push({ user, packetsReceived, paused: consumer.paused });
    }
    return out;
  }

  async outboundVideoStats(): Promise<OutboundVideoStat[]> {
    const out: OutboundVideoStat[] = [];
    for (const [source, producer] of this.#producers) {
      if (producer.kind !== "video" || producer.closed) continue;
      const active = producer.rtpSender?.getParameters().encodings.map((encoding) => encoding.active !== false);
      out.push({ source, ...sentVideo(await producer.getStats()), ...(active === undefined ? {} : { active }) });
    }
    return out;
  }

  producerIds(): Partial<Record<TrackSource, string>> {
    const ids: Partial<Record<TrackSource, string>> = {};
    for (const [source, producer] of this.#producers) if (!producer.closed) ids[source] = producer.id;
    return ids;
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

  #wishOps: Promise<void> = Promise.resolve();

  /**
   * Tells the media node what each remote video should be received as now (the host's
   * `receiveWish`: paused when its tile is not seen, the layer its tile's size needs, a screen
   * share first): only what changed since it was last told, one change at a time.
   */
  wishesChanged(): void {
    this.#wishOps = this.#wishOps.then(async () => {
      for (const received of [...this.#received.values()]) {
        if (this.#closed) return;
        if (received.consumer.kind !== "video" || received.consumer.closed) continue;
        try {
          await this.#applyWish(received, this.#host.receiveWish(received.user, received.source));
        } catch (error) {
          // A consumer closed meanwhile (its producer left) needs nothing any more; otherwise the
          // video still arrives, only not at the size asked for: worth a log, not the person's attention.
          if (!received.consumer.closed) console.warn("huddle: could not change what we receive", error);
        }
      }
    });
  }

  async #applyWish(received: Received, wish: ReceiveWish): Promise<void> {
    const { signaling } = this.#host;
    const { consumer, applied } = received;
    if (wish.paused) {
      if (applied.paused) return;
      await signaling.request("pause-consumer", { consumerId: consumer.id }, "consumer-paused");
      applied.paused = true;
      return;
    }
    if (wish.spatialLayer !== applied.spatialLayer || wish.priority !== applied.priority) {
      const { spatialLayer, priority } = wish;
      await signaling.request(
        "set-consumer-layers",
        { consumerId: consumer.id, spatialLayer, priority },
        "consumer-layers-set",
      );
      applied.spatialLayer = spatialLayer;
      applied.priority = priority;
    }
    if (applied.paused) {
      await signaling.request("resume-consumer", { consumerId: consumer.id }, "consumer-resumed");
      applied.paused = false;
    }
  }

  /** Dynacast (`producer-layers`): our encodings above `maxSpatialLayer` stop, those up to it run. */
  #sendLayersUpTo(producerId: string, maxSpatialLayer: number): void {
    for (const producer of this.#producers.values()) {
      if (producer.id !== producerId || producer.closed || producer.kind !== "video") continue;
      producer.setMaxSpatialLayer(maxSpatialLayer).catch((error: unknown) => {
        if (!producer.closed) console.warn("huddle: could not change the layers we send", error);
      });
    }
  }

  /**
   * Our membership was resumed (a `joined` with `resumed`): the media node kept our transports,
   * producers and consumers. Catch up with the producers that came and went while signaling
   * was down, and restart ICE at once on a transport that is still down.
   */
  resumed(sfu: SfuInfo): void {
    const listed = new Set(sfu.producers.map((info) => info.producerId));
    for (const producerId of [...this.#known.keys()]) {
      if (listed.has(producerId)) continue;
      this.#known.delete(producerId);
      this.#dropConsumer(producerId);
    }
    void this.#consumeAll(sfu.producers);
    for (const restarter of this.#restarters.values()) restarter.kick();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#repairDelay.close();
    for (const restarter of this.#restarters.values()) restarter.close();
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    for (const producerId of [...this.#received.keys()]) this.#dropConsumer(producerId);
    for (const producer of this.#producers.values()) producer.close();
    this.#producers.clear();
    this.#sendTransport?.close();
    this.#recvTransport?.close();
  }

  async #setUp(): Promise<void> {
    const device = await loadDevice(this.#sfu.rtpCapabilities as RtpCapabilities);
    if (this.#closed) return;
    this.#device = device;
    // The send transport waits for the first track to send: a viewer (no canPublish) never asks for one.
    if (this.#subscribe) this.#recvTransport = await this.#createTransport("recv");
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
    if (direction === "recv") askForLostAudio(transport);
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
    this.#restarters.get(direction)?.close();
    this.#restarters.set(
      direction,
      new IceRestarter(transport, {
        restartIce: async (transportId) =>
          (await signaling.request("restart-ice", { transportId }, "ice-restarted")).iceParameters,
        canSignal: () => signaling.status.state === "connected",
        onGone: () => void this.#rebuild(direction),
      }),
    );
    return transport;
  }

  /**
   * The media node closed one of our transports (its ICE was down too long): a new one takes
   * its place, with what the old one carried (our tracks, or everyone's producers).
   */
  async #rebuild(direction: "send" | "recv"): Promise<void> {
    if (this.#closed) return;
    this.#transportStates.delete(direction);
    if (direction === "recv") {
      for (const producerId of [...this.#received.keys()]) this.#dropConsumer(producerId);
      this.#recvTransport?.close();
      this.#recvTransport = null;
      try {
        this.#recvTransport = await this.#createTransport("recv");
      } catch (error) {
        this.#problem(t("problem.mediaServer"), error);
        return;
      }
      await this.#consumeAll([...this.#known.values()]);
      return;
    }
    for (const producer of this.#producers.values()) producer.close();
    this.#producers.clear();
    this.#sendTransport?.close();
    this.#sendTransport = null;
    // The next local change creates the send transport again and produces each track anew.
    for (const [source, track] of this.#wanted) if (track !== null) void this.setLocalTrack(source, track);
  }

  async #applyLocalTrack(source: TrackSource, track: MediaStreamTrack | null): Promise<void> {
    if (this.#closed) return;
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
    this.#sendTransport ??= await this.#createTransport("send");
    const transport = this.#sendTransport;
    const created = await transport.produce({
      track,
      stopTracks: false,
      appData: { source },
      // Opus NACK kept in the answer: the browser resends lost audio when the media node asks.
      ...(source === "microphone" ? { codecOptions: { opusNack: true } } : {}),
      ...(source === "screen" ? { codecOptions: { videoGoogleStartBitrate: 1000 }, encodings: SCREEN_ENCODINGS } : {}),
      // The camera goes out as simulcast: the media node forwards each receiver the layer its link can carry.
      ...(source === "camera" ? { encodings: cameraEncodings(track) } : {}),
    });
    if (this.#closed) {
      created.close();
      return;
    }
    this.#producers.set(source, created);
  }

  #arriving: ProducerInfo[] = [];

  /**
   * Producers announced after we joined, gathered for a moment (several people joining at once
   * announce many) and consumed as one batch; a single one goes as `consume`.
   */
  #consumeSoon(info: ProducerInfo): void {
    this.#arriving.push(info);
    if (this.#arriving.length > 1) return;
    setTimeout(() => {
      const arrived = this.#arriving;
      this.#arriving = [];
      if (arrived.length === 1) void this.#consume(arrived[0] as ProducerInfo);
      else void this.#consumeAll(arrived);
    }, NEW_PRODUCER_GATHER_MS);
  }

  /** One producer that appeared after we joined (`new-producer`): `consume`, then `resume-consumer`. */
  async #consume(info: ProducerInfo): Promise<void> {
    if (info.user === this.#host.username || this.#consuming.has(info.producerId)) return;
    this.#known.set(info.producerId, info);
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
      const consumer = await this.#receive(info, consumed);
      if (consumer === null) return;
      await signaling.request("resume-consumer", { consumerId: consumer.id }, "consumer-resumed");
      if (consumed.producerPaused) consumer.pause();
      this.wishesChanged();
    } catch (error) {
      this.#failedToReceive(info, error);
    }
  }

  /**
   * Everyone already in the room (`joined.sfu.producers`): one `consume-many` and one
   * `resume-consumers` for all of them, so joining a room of N costs two requests, not 2N.
   */
  async #consumeAll(producers: ProducerInfo[]): Promise<void> {
    for (const info of producers) if (info.user !== this.#host.username) this.#known.set(info.producerId, info);
    const wanted = producers.filter((p) => p.user !== this.#host.username && !this.#consuming.has(p.producerId));
    if (wanted.length === 0) return;
    for (const info of wanted) this.#consuming.add(info.producerId);
    try {
      await this.#ready;
      const device = this.#device;
      const transport = this.#recvTransport;
      if (this.#closed || device === null || transport === null) return;
      const { signaling } = this.#host;
      const later: { consumer: Consumer; paused: boolean }[] = [];
      for (let at = 0; at < wanted.length; at += MAX_MEDIA_BATCH) {
        const batch = wanted.slice(at, at + MAX_MEDIA_BATCH);
        const replies = await signaling.requestEach(
          "consume-many",
          {
            transportId: transport.id,
            producerIds: batch.map((p) => p.producerId),
            rtpCapabilities: device.recvRtpCapabilities as WireRtpCapabilities,
          },
          "consumed",
          batch.length,
        );
        // A receive transport that never connected carries nothing before its DTLS is up, and the
        // node asks for a key frame then: its consumers can be resumed while they are made here
        // (one round trip less for a joiner). On a connected one the key frame could come before
        // the local consumer exists and be lost, so those are resumed once made.
        const made = replies.flatMap((reply) => (reply === undefined || reply instanceof Error ? [] : [reply.id]));
        const early = transport.connectionState === "new" && made.length > 0 ? this.#resumeConsumers(made) : null;
        early?.catch(() => {}); // awaited below; not an unhandled rejection while the consumers are made
        const received = await this.#receiveBatch(batch, replies);
        if (early === null) {
          later.push(...received);
          continue;
        }
        const answers = await early;
        this.#applyResumed(received, answers);
        const kept = new Set(received.map(({ consumer }) => consumer.id));
        for (const consumerId of made) {
          // Resumed for a consumer that could not be made here: paused again, so nothing is sent for it.
          if (!kept.has(consumerId))
            void signaling.request("pause-consumer", { consumerId }, "consumer-paused").catch(() => {});
        }
      }
      if (later.length > 0 && !this.#closed) {
        this.#applyResumed(later, await this.#resumeConsumers(later.map(({ consumer }) => consumer.id)));
      }
      this.wishesChanged();
    } catch (error) {
      for (const info of wanted) {
        if (!this.#received.has(info.producerId)) this.#failedToReceive(info, error);
      }
    }
  }

  /** One `resume-consumers` for `consumerIds`: each one's answer (an error, or undefined when resumed). */
  async #resumeConsumers(consumerIds: string[]): Promise<Map<string, Error | undefined>> {
    const answers = await this.#host.signaling.requestEach(
      "resume-consumers",
      { consumerIds },
      "consumer-resumed",
      consumerIds.length,
    );
    return new Map(consumerIds.map((id, i) => [id, answers[i] instanceof Error ? answers[i] : undefined]));
  }

  /** After `resume-consumers`: a consumer the node could not resume is a problem; one whose producer is paused pauses here. */
  #applyResumed(received: { consumer: Consumer; paused: boolean }[], answers: Map<string, Error | undefined>): void {
    if (this.#closed) return;
    for (const { consumer, paused } of received) {
      const answer = answers.get(consumer.id);
      if (answer !== undefined) this.#problem(t("problem.startReceiving"), answer);
      else if (paused) consumer.pause();
    }
  }

  /**
   * The local consumers of one `consume-many`'s replies, started together so mediasoup-client
   * makes them in one renegotiation of the receive transport instead of one each (~20 ms apiece
   * here). One bad consumer fails the whole renegotiation, so those that failed try again alone.
   */
  async #receiveBatch(
    batch: ProducerInfo[],
    replies: (ServerData<"consumed"> | Error | undefined)[],
  ): Promise<{ consumer: Consumer; paused: boolean }[]> {
    const made = batch.flatMap((info, i) => {
      const reply = replies[i];
      if (reply === undefined || reply instanceof Error) {
        this.#failedToReceive(info, reply ?? new Error("no reply"));
        return [];
      }
      return [{ info, reply, consumer: this.#receive(info, reply) }];
    });
    await Promise.allSettled(made.map(({ consumer }) => consumer));
    const received: { consumer: Consumer; paused: boolean }[] = [];
    for (const { info, reply, consumer } of made) {
      try {
        const ready = await consumer.catch(() => this.#receive(info, reply));
        if (ready !== null) received.push({ consumer: ready, paused: reply.producerPaused });
      } catch (error) {
        this.#failedToReceive(info, error);
      }
    }
    return received;
  }

  /** The local consumer of a `consumed` reply, shown as the remote track; null when no longer wanted. */
  async #receive(info: ProducerInfo, consumed: ServerData<"consumed">): Promise<Consumer | null> {
    const transport = this.#recvTransport;
    if (this.#closed || transport === null || !this.#consuming.has(info.producerId)) return null;
    const consumer = await transport.consume({
      id: consumed.id,
      producerId: consumed.producerId,
      kind: consumed.kind,
      rtpParameters: consumed.rtpParameters as RtpParameters,
    });
    if (this.#closed || !this.#consuming.has(info.producerId)) {
      consumer.close();
      return null;
    }
    const source = sourceOf(consumed.kind, consumed.appData ?? info.appData);
    this.#received.set(info.producerId, { consumer, user: consumed.user, source, applied: { ...NODE_DEFAULT } });
    this.#host.onRemoteTrack(consumed.user, source, consumer.track);
    return consumer;
  }

  #failedToReceive(info: ProducerInfo, error: unknown): void {
    this.#consuming.delete(info.producerId);
    this.#problem(
      t(info.kind === "audio" ? "problem.receiveAudio" : "problem.receiveVideo", { name: info.user }),
      error,
    );
  }

  /** The one way a failure leaves this engine (none once it is closed: a reset replaced it). */
  #problem(what: string, error: unknown): void {
    if (this.#closed) return;
    this.#host.onProblem(
      t("problem.withDetail", { problem: what, detail: error instanceof Error ? error.message : String(error) }),
      error,
    );
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

  /** One of ours closed by the server (a moderator revoked its source): the next track makes a new one. */
  #forgetProducer(producerId: string): void {
    for (const [source, producer] of this.#producers) {
      if (producer.id !== producerId) continue;
      this.#producers.delete(source);
      producer.close();
    }
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
