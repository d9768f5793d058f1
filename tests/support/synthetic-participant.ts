// A participant without a browser: real ICE, DTLS and SRTP (werift, a WebRTC stack in
// TypeScript) behind mediasoup-client's own Chrome handler, driven through the edge with the
// messages the web client sends (join-room, create-transport, connect-transport, produce,
// consume-many / consume, resume-consumers / resume-consumer). It sends generated media (an
// opus-shaped audio packet every 20 ms, VP8-shaped video at 30 fps with a key frame a second)
// and counts, per remote producer, the RTP packets that arrive decrypted on its consumers.
import {
  type AppData,
  type ClientData,
  type ClientMessageType,
  MAX_MEDIA_BATCH,
  type ProducerInfo,
  parseServerMessage,
  type ServerData,
  type ServerMessage,
  type ServerMessageType,
  type SfuInfo,
} from "@huddle/protocol";
import { Device } from "mediasoup-client";
import type { Consumer, Producer, RtpCapabilities, RtpParameters, Transport } from "mediasoup-client/types";
import { MediaStreamTrack, RtpHeader, RtpPacket } from "werift";
import { createEmptyRegister, installPolyfill } from "werift/polyfill";

let polyfilled = false;

/** werift's RTCPeerConnection, MediaStream and friends as globals (what mediasoup-client's handler uses). */
function installWebRtc(): void {
  if (polyfilled) return;
  installPolyfill({ mediaRegister: [createEmptyRegister()] });
  polyfilled = true;
}

/** Generous: a storm of dozens on a 2-core machine can keep the edge busy for a while. */
const REPLY_TIMEOUT_MS = 90_000;

type Pending = {
  count: number;
  replies: ServerMessage[];
  resolve: (replies: ServerMessage[]) => void;
  reject: (e: Error) => void;
};

/** What a participant needs of its signaling: the edge's WebSocket, or an in-process stand-in (benchmarks). */
export interface ParticipantSignaling {
  /** Client messages sent so far. */
  readonly sent: number;
  on<T extends ServerMessageType>(type: T, listener: (data: ServerData<T>) => void): void;
  /** Sends one message and resolves with the `count` replies that carry its requestId. */
  requestEach<T extends ClientMessageType>(type: T, data: ClientData<T>, count: number): Promise<ServerMessage[]>;
  /** How the connection ended when it ended by itself (not by close()): its close code, and when. */
  readonly ended?: { code: number; at: number };
  close(): void;
}

/** One reply of type `expect`, or a failure naming what came instead. */
async function request<T extends ClientMessageType, R extends ServerMessageType>(
  signaling: ParticipantSignaling,
  type: T,
  data: ClientData<T>,
  expect: R,
): Promise<ServerData<R>> {
  const [reply] = await signaling.requestEach(type, data, 1);
  if (reply?.type !== expect)
    throw new Error(`${type}: got ${JSON.stringify(reply).slice(0, 300)} instead of ${expect}`);
  return reply.data as ServerData<R>;
}

/** The edge's room socket: requests by requestId (single or batched), everything else to listeners. */
export class EdgeSignaling implements ParticipantSignaling {
  readonly #ws: WebSocket;
  readonly #pending = new Map<string, Pending>();
  readonly #listeners = new Map<string, ((message: ServerMessage) => void)[]>();
  #next = 0;
  /** Client messages sent (for the storm's per-join figures). */
  sent = 0;
  ended?: { code: number; at: number };
  #closing = false;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.addEventListener("message", (event) => {
      const parsed = parseServerMessage(typeof event.data === "string" ? event.data : "");
      if (!parsed.ok) return;
      const message = parsed.message;
      const pending = message.requestId === undefined ? undefined : this.#pending.get(message.requestId);
      if (pending !== undefined && message.requestId !== undefined) {
        pending.replies.push(message);
        if (pending.replies.length >= pending.count) {
          this.#pending.delete(message.requestId);
          pending.resolve(pending.replies);
        }
        return;
      }
      for (const listener of this.#listeners.get(message.type) ?? []) listener(message);
    });
    ws.addEventListener("close", (event) => {
      // The close code says who ended it: 1006 the connection broke, 1011 the room failed, 40xx the edge's choice.
      const why = `the socket closed (${event.code}${event.reason === "" ? "" : ` ${event.reason}`})`;
      if (!this.#closing) this.ended = { code: event.code, at: performance.now() };
      for (const pending of this.#pending.values()) pending.reject(new Error(why));
      this.#pending.clear();
    });
  }

  /** Opens `/rooms/:roomId/ws` on the edge (ws://...). */
  static async open(wsUrl: string, roomId: string): Promise<EdgeSignaling> {
    const url = `${wsUrl}/rooms/${roomId}/ws`;
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve(), { once: true });
      ws.addEventListener("error", () => reject(new Error(`cannot open ${url}`)), { once: true });
    });
    return new EdgeSignaling(ws);
  }

  on<T extends ServerMessageType>(type: T, listener: (data: ServerData<T>) => void): void {
    const list = this.#listeners.get(type) ?? [];
    list.push((message) => listener(message.data as ServerData<T>));
    this.#listeners.set(type, list);
  }

  /** Sends one message and resolves with the `count` replies that carry its requestId. */
  requestEach<T extends ClientMessageType>(type: T, data: ClientData<T>, count: number): Promise<ServerMessage[]> {
    const requestId = `s${++this.#next}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(new Error(`no reply to ${type} within ${REPLY_TIMEOUT_MS} ms`));
      }, REPLY_TIMEOUT_MS);
      this.#pending.set(requestId, {
        count,
        replies: [],
        resolve: (replies) => {
          clearTimeout(timer);
          resolve(replies);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.sent++;
      this.#ws.send(JSON.stringify({ type, data, requestId }));
    });
  }

  close(): void {
    this.#closing = true;
    this.#ws.close();
  }
}

// ---- generated media ------------------------------------------------------

/** An RTP packet for `track` (werift's sender rewrites SSRC, payload type and header extensions). */
function packet(payloadType: number, seq: number, timestamp: number, marker: boolean, payload: Buffer): RtpPacket {
  return new RtpPacket(
    new RtpHeader({ payloadType, sequenceNumber: seq & 0xffff, timestamp: timestamp >>> 0, marker, ssrc: 0 }),
    payload,
  );
}

/** A VP8 payload: descriptor with a picture id, then a key frame header or an inter frame byte. */
function vp8Payload(frame: number, fps: number): Buffer {
  const key = frame % fps === 0;
  const payload = Buffer.alloc(key ? 400 : 120);
  payload[0] = 0x90; // X, S, partition 0
  payload[1] = 0x80; // I: picture id present
  payload.writeUInt16BE(0x8000 | (frame & 0x7fff), 2);
  payload[4] = key ? 0x10 : 0x11; // inverse key frame bit
  if (key) payload.set([0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01], 7); // start code, 640x360
  return payload;
}

// ---- the participant -------------------------------------------------------

export interface SyntheticOptions {
  /** Send a microphone (opus) and a camera (VP8). Default both. */
  audio?: boolean;
  video?: boolean;
  /** Audio packets per second (default 50: 20 ms opus) and video frames per second (default 30, a key frame each second). */
  audioRate?: number;
  videoFps?: number;
}

/** What one participant has received from one remote producer. */
export interface Received {
  user: string;
  kind: "audio" | "video";
  packets: number;
  /** performance.now() of the first packet. */
  firstAt: number | undefined;
  /** The edge confirmed its resume (`consumer-resumed`). */
  resumed: boolean;
}

export class SyntheticParticipant {
  readonly username: string;
  readonly joinedAt: number;
  readonly #signaling: ParticipantSignaling;
  readonly #sfu: SfuInfo;
  #device!: Device;
  #send!: Transport;
  #recv!: Transport;
  readonly #producers: Producer[] = [];
  readonly #tracks: { track: MediaStreamTrack; kind: "audio" | "video" }[] = [];
  readonly #consumers = new Map<string, Consumer>();
  /** By producer id. */
  readonly received = new Map<string, Received>();
  readonly #consuming = new Set<string>();
  #timers: NodeJS.Timeout[] = [];
  #closed = false;
  readonly problems: string[] = [];
  /** Requests sent and not answered yet, by a serial: what a participant stuck in a storm waits for. */
  readonly #outstanding = new Map<number, string>();
  #serial = 0;

  private constructor(username: string, signaling: ParticipantSignaling, sfu: SfuInfo, joinedAt: number) {
    this.username = username;
    this.#signaling = signaling;
    this.#sfu = sfu;
    this.joinedAt = joinedAt;
  }

  /** Client messages this participant sent so far. */
  get messagesSent(): number {
    return this.#signaling.sent;
  }

  /** Opens a socket to the edge and joins (see `joinOver`). */
  static async join(
    wsUrl: string,
    roomId: string,
    username: string,
    options: SyntheticOptions = {},
  ): Promise<SyntheticParticipant> {
    const joinedAt = performance.now();
    return SyntheticParticipant.joinOver(await EdgeSignaling.open(wsUrl, roomId), roomId, username, options, joinedAt);
  }

  /** Joins over `signaling`, sets up both transports, produces, and consumes everyone. */
  static async joinOver(
    signaling: ParticipantSignaling,
    roomId: string,
    username: string,
    options: SyntheticOptions = {},
    joinedAt = performance.now(),
  ): Promise<SyntheticParticipant> {
    installWebRtc();
    const joined = await request(signaling, "join-room", { roomId, username }, "joined");
    if (joined.sfu === undefined) throw new Error(`${username}: the room is not an SFU room`);
    const participant = new SyntheticParticipant(username, signaling, joined.sfu, joinedAt);
    signaling.on("new-producer", (info) => participant.#consumeSoon(info));
    signaling.on("producer-closed", ({ producerId }) => participant.#consumers.get(producerId)?.close());
    await participant.#setUp(options);
    return participant;
  }

  async #setUp(options: SyntheticOptions): Promise<void> {
    this.#device = new Device({ handlerName: "Chrome111" });
    await this.#device.load({ routerRtpCapabilities: this.#sfu.rtpCapabilities as RtpCapabilities });
    this.#send = await this.#transport("send");
    this.#recv = await this.#transport("recv");
    // Consume who is there already (one batch) while producing our own.
    const consuming = this.#consumeAll(this.#sfu.producers);
    if (options.audio !== false) await this.#produce("audio");
    if (options.video !== false) await this.#produce("video");
    await consuming;
    this.#startSending(options.audioRate ?? 50, options.videoFps ?? 30);
  }

  async #transport(direction: "send" | "recv"): Promise<Transport> {
    const signaling = this.#signaling;
    const info = await request(signaling, "create-transport", { direction }, "webRtcTransportCreated");
    const options = {
      id: info.id,
      iceParameters: info.iceParameters,
      iceCandidates: info.iceCandidates.map((c) => ({ ...c, address: c.address ?? c.ip ?? "" })),
      dtlsParameters: info.dtlsParameters,
    } as Parameters<Device["createSendTransport"]>[0];
    const transport =
      direction === "send" ? this.#device.createSendTransport(options) : this.#device.createRecvTransport(options);
    transport.on("connect", ({ dtlsParameters }, done, fail) => {
      request(
        signaling,
        "connect-transport",
        { transportId: transport.id, dtlsParameters },
        "transport-connected",
      ).then(() => done(), fail);
    });
    transport.on("produce", ({ kind, rtpParameters, appData }, done, fail) => {
      request(
        signaling,
        "produce",
        {
          transportId: transport.id,
          kind,
          rtpParameters: rtpParameters as ClientData<"produce">["rtpParameters"],
          appData: appData as AppData,
        },
        "produced",
      ).then(({ id }) => done({ id }), fail);
    });
    return transport;
  }

  async #produce(kind: "audio" | "video"): Promise<void> {
    const track = new MediaStreamTrack({ kind });
    const producer = await this.#send.produce({
      track: track as unknown as NonNullable<Parameters<Transport["produce"]>[0]>["track"],
      stopTracks: false,
      appData: { source: kind === "audio" ? "microphone" : "camera" },
    });
    this.#producers.push(producer);
    this.#tracks.push({ track, kind });
  }

  /** Everyone already in the room: one consume-many, one resume-consumers. */
  async #consumeAll(producers: ProducerInfo[]): Promise<void> {
    const wanted = producers.filter((p) => p.user !== this.username && !this.#consuming.has(p.producerId));
    for (const p of wanted) this.#consuming.add(p.producerId);
    const resumed: Consumer[] = [];
    for (let at = 0; at < wanted.length; at += MAX_MEDIA_BATCH) {
      const batch = wanted.slice(at, at + MAX_MEDIA_BATCH);
      const replies = await this.#awaiting(`consume-many of ${batch.length}`, () =>
        this.#signaling.requestEach(
          "consume-many",
          {
            transportId: this.#recv.id,
            producerIds: batch.map((p) => p.producerId),
            rtpCapabilities: this.#device.recvRtpCapabilities as ClientData<"consume">["rtpCapabilities"],
          },
          batch.length,
        ),
      );
      for (const reply of replies) {
        if (reply.type !== "consumed") {
          this.problems.push(`consume-many: ${JSON.stringify(reply.data).slice(0, 200)}`);
          continue;
        }
        resumed.push(await this.#receive(reply.data));
      }
    }
    if (resumed.length === 0) return;
    const resumedBy = new Map(resumed.map((c) => [c.id, c.producerId]));
    const answers = await this.#awaiting(`resume-consumers of ${resumed.length}`, () =>
      this.#signaling.requestEach("resume-consumers", { consumerIds: resumed.map((c) => c.id) }, resumed.length),
    );
    for (const answer of answers) {
      if (answer.type === "consumer-resumed") this.#markResumed(resumedBy.get(answer.data.consumerId));
      else this.problems.push(`resume-consumers: ${JSON.stringify(answer.data)}`);
    }
  }

  #arriving: ProducerInfo[] = [];

  /**
   * Producers announced after we joined, gathered for a moment (a storm announces many at once)
   * and consumed as one batch, as the web client does; one alone goes as `consume`.
   */
  #consumeSoon(info: ProducerInfo): void {
    this.#arriving.push(info);
    if (this.#arriving.length > 1) return;
    setTimeout(() => {
      const batch = this.#arriving;
      this.#arriving = [];
      if (batch.length === 1) void this.#consumeOne(batch[0] as ProducerInfo);
      else void this.#whenReady(() => this.#consumeAll(batch));
    }, 10);
  }

  async #whenReady(then: () => Promise<void>): Promise<void> {
    // Transports first: a new-producer may arrive while we are still setting up.
    while (this.#recv === undefined && !this.#closed) await new Promise((resolve) => setTimeout(resolve, 20));
    if (this.#closed) return;
    try {
      await then();
    } catch (error) {
      if (!this.#closed) this.problems.push((error as Error).message);
    }
  }

  /** A producer that appeared after we joined: consume, resume-consumer (as the web client does). */
  async #consumeOne(info: ProducerInfo): Promise<void> {
    if (info.user === this.username || this.#consuming.has(info.producerId) || this.#closed) return;
    this.#consuming.add(info.producerId);
    try {
      // Transports first: a new-producer may arrive while we are still setting up.
      while (this.#recv === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
      const consumed = await this.#awaiting("consume", () =>
        request(
          this.#signaling,
          "consume",
          {
            transportId: this.#recv.id,
            producerId: info.producerId,
            rtpCapabilities: this.#device.recvRtpCapabilities as ClientData<"consume">["rtpCapabilities"],
          },
          "consumed",
        ),
      );
      const consumer = await this.#receive(consumed);
      await this.#awaiting("resume-consumer", () =>
        request(this.#signaling, "resume-consumer", { consumerId: consumer.id }, "consumer-resumed"),
      );
      this.#markResumed(consumer.producerId);
    } catch (error) {
      if (!this.#closed) this.problems.push(`consume ${info.producerId}: ${(error as Error).message}`);
    }
  }

  async #receive(consumed: ServerData<"consumed">): Promise<Consumer> {
    const consumer = await this.#recv.consume({
      id: consumed.id,
      producerId: consumed.producerId,
      kind: consumed.kind,
      rtpParameters: consumed.rtpParameters as RtpParameters,
    });
    this.#consumers.set(consumed.producerId, consumer);
    const entry: Received = {
      user: consumed.user,
      kind: consumed.kind,
      packets: 0,
      firstAt: undefined,
      resumed: false,
    };
    this.received.set(consumed.producerId, entry);
    const track = consumer.track as unknown as MediaStreamTrack;
    track.onReceiveRtp.subscribe(() => {
      entry.packets++;
      entry.firstAt ??= performance.now();
    });
    return consumer;
  }

  #startSending(audioRate: number, fps: number): void {
    for (const { track, kind } of this.#tracks) {
      let seq = Math.floor(Math.random() * 65536);
      let n = 0;
      const timer =
        kind === "audio"
          ? setInterval(() => {
              track.writeRtp(packet(100, seq++, n++ * (48000 / audioRate), true, Buffer.alloc(40, 0xf8)));
            }, 1000 / audioRate)
          : setInterval(() => {
              track.writeRtp(packet(101, seq++, n * (90000 / fps), true, vp8Payload(n, fps)));
              n++;
            }, 1000 / fps);
      this.#timers.push(timer);
    }
  }

  /** Runs one request, listed in `waitingFor()` until it settles. */
  async #awaiting<T>(what: string, send: () => Promise<T>): Promise<T> {
    const serial = this.#serial++;
    this.#outstanding.set(serial, what);
    try {
      return await send();
    } finally {
      this.#outstanding.delete(serial);
    }
  }

  #markResumed(producerId: string | undefined): void {
    const entry = producerId === undefined ? undefined : this.received.get(producerId);
    if (entry !== undefined) entry.resumed = true;
  }

  /** Requests this participant still waits an answer to. */
  waitingFor(): string[] {
    return [...this.#outstanding.values()];
  }

  /** How far this participant got with `user`'s media: for a storm that did not complete. */
  describeFrom(user: string): string {
    const kinds = [...this.received.values()].filter((r) => r.user === user);
    if (kinds.length === 0) return "nothing consumed";
    return kinds.map((r) => `${r.kind} ${r.packets} packets${r.resumed ? "" : " (not resumed)"}`).join(", ");
  }

  /** Producers of `users` this participant receives RTP from, by user. */
  receivingFrom(): Map<string, Set<"audio" | "video">> {
    const out = new Map<string, Set<"audio" | "video">>();
    for (const r of this.received.values()) {
      if (r.packets === 0) continue;
      const kinds = out.get(r.user) ?? new Set();
      kinds.add(r.kind);
      out.set(r.user, kinds);
    }
    return out;
  }

  /** The ids of what this participant produces. */
  get producerIds(): string[] {
    return this.#producers.map((producer) => producer.id);
  }

  /**
   * Closes the send transport here without a word to the edge, as a vanished browser would: the
   * node hears no more ICE consent on it, and closes it (and its producers) on its own.
   */
  dropSendTransport(): void {
    this.#send.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    for (const producer of this.#producers) producer.close();
    for (const consumer of this.#consumers.values()) consumer.close();
    this.#send?.close();
    this.#recv?.close();
    this.#signaling.close();
  }
}
