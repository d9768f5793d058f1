// The join storm's baseline: the same client messages answered in-process by mediasoup itself
// (one router on one worker with a WebRtcServer), no edge, no HTTP, no JSON: what the storm costs
// without our signaling and control path. Only the messages a synthetic participant sends exist.
import type {
  ClientData,
  ClientMessageType,
  ServerData,
  ServerMessage,
  ServerMessageType,
  SfuInfo,
} from "@huddle/protocol";
import type { types } from "mediasoup";
import type { ParticipantSignaling } from "../support/synthetic-participant.ts";

type Member = { username: string; signaling: LocalSignaling };
type ProducerEntry = { producer: types.Producer; user: string; appData: Record<string, unknown> | undefined };

export class LocalRoom {
  readonly #router: types.Router;
  readonly #server: types.WebRtcServer;
  readonly #members: Member[] = [];
  readonly #producers: ProducerEntry[] = [];

  constructor(router: types.Router, server: types.WebRtcServer) {
    this.#router = router;
    this.#server = server;
  }

  connect(): LocalSignaling {
    return new LocalSignaling(this);
  }

  join(member: Member): ServerData<"joined"> {
    this.#members.push(member);
    return {
      roomId: "local",
      users: this.#members.map((m) => m.username),
      sfu: {
        rtpCapabilities: this.#router.rtpCapabilities as unknown as SfuInfo["rtpCapabilities"],
        producers: this.#producers.map(({ producer, user, appData }) => ({
          producerId: producer.id,
          user,
          kind: producer.kind,
          ...(appData === undefined ? {} : { appData: appData as Record<string, string> }),
        })),
      },
    };
  }

  createTransport(): Promise<types.WebRtcTransport> {
    return this.#router.createWebRtcTransport({
      webRtcServer: this.#server,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: 1_000_000,
    });
  }

  addProducer(entry: ProducerEntry, from: LocalSignaling): void {
    this.#producers.push(entry);
    const info: ServerData<"new-producer"> = {
      producerId: entry.producer.id,
      user: entry.user,
      kind: entry.producer.kind,
      ...(entry.appData === undefined ? {} : { appData: entry.appData as Record<string, string> }),
    };
    for (const member of this.#members) if (member.signaling !== from) member.signaling.emit("new-producer", info);
  }

  producer(id: string): ProducerEntry | undefined {
    return this.#producers.find((p) => p.producer.id === id);
  }

  close(): void {
    this.#members.length = 0;
    this.#producers.length = 0;
  }
}

/** One participant's "socket" to the in-process room. */
class LocalSignaling implements ParticipantSignaling {
  sent = 0;
  readonly #room: LocalRoom;
  readonly #listeners = new Map<string, ((data: never) => void)[]>();
  readonly #transports = new Map<string, types.WebRtcTransport>();
  readonly #consumers = new Map<string, types.Consumer>();
  #username = "";

  constructor(room: LocalRoom) {
    this.#room = room;
  }

  on<T extends ServerMessageType>(type: T, listener: (data: ServerData<T>) => void): void {
    const list = this.#listeners.get(type) ?? [];
    list.push(listener as (data: never) => void);
    this.#listeners.set(type, list);
  }

  emit<T extends ServerMessageType>(type: T, data: ServerData<T>): void {
    for (const listener of this.#listeners.get(type) ?? []) (listener as (d: ServerData<T>) => void)(data);
  }

  async requestEach<T extends ClientMessageType>(
    type: T,
    data: ClientData<T>,
    _count: number,
  ): Promise<ServerMessage[]> {
    this.sent++;
    const reply = <R extends ServerMessageType>(t: R, d: ServerData<R>) => ({ type: t, data: d }) as ServerMessage;
    const fail = (message: string) => reply("error", { code: "not-found", message });
    switch (type) {
      case "join-room": {
        const { username } = data as ClientData<"join-room">;
        this.#username = username;
        return [reply("joined", this.#room.join({ username, signaling: this }))];
      }
      case "create-transport": {
        const { direction } = data as ClientData<"create-transport">;
        const t = await this.#room.createTransport();
        this.#transports.set(t.id, t);
        return [
          reply("webRtcTransportCreated", {
            id: t.id,
            direction,
            iceParameters: t.iceParameters,
            iceCandidates: t.iceCandidates as ServerData<"webRtcTransportCreated">["iceCandidates"],
            dtlsParameters: t.dtlsParameters as ServerData<"webRtcTransportCreated">["dtlsParameters"],
          }),
        ];
      }
      case "connect-transport": {
        const { transportId, dtlsParameters } = data as ClientData<"connect-transport">;
        await this.#transports.get(transportId)?.connect({ dtlsParameters: dtlsParameters as types.DtlsParameters });
        return [reply("transport-connected", { transportId })];
      }
      case "produce": {
        const { transportId, kind, rtpParameters, appData } = data as ClientData<"produce">;
        const t = this.#transports.get(transportId) as types.WebRtcTransport;
        const producer = await t.produce({ kind, rtpParameters: rtpParameters as types.RtpParameters });
        this.#room.addProducer({ producer, user: this.#username, appData }, this);
        return [reply("produced", { id: producer.id, kind })];
      }
      case "consume":
      case "consume-many": {
        const d = data as ClientData<"consume-many"> & { producerId?: string };
        const ids = type === "consume" ? [d.producerId as string] : d.producerIds;
        const t = this.#transports.get(d.transportId) as types.WebRtcTransport;
        return Promise.all(
          ids.map(async (producerId) => {
            const entry = this.#room.producer(producerId);
            if (entry === undefined) return fail(`no producer ${producerId}`);
            const c = await t.consume({
              producerId,
              rtpCapabilities: d.rtpCapabilities as types.RtpCapabilities,
              paused: true,
            });
            this.#consumers.set(c.id, c);
            return reply("consumed", {
              id: c.id,
              producerId,
              user: entry.user,
              kind: c.kind,
              rtpParameters: c.rtpParameters as ServerData<"consumed">["rtpParameters"],
              producerPaused: c.producerPaused,
              ...(entry.appData === undefined ? {} : { appData: entry.appData as Record<string, string> }),
            });
          }),
        );
      }
      case "resume-consumer":
      case "resume-consumers": {
        const d = data as ClientData<"resume-consumers"> & { consumerId?: string };
        const ids = type === "resume-consumer" ? [d.consumerId as string] : d.consumerIds;
        return Promise.all(
          ids.map(async (consumerId) => {
            const c = this.#consumers.get(consumerId);
            if (c === undefined) return fail(`no consumer ${consumerId}`);
            await c.resume();
            return reply("consumer-resumed", { consumerId });
          }),
        );
      }
      default:
        return [fail(`${type} is not part of the baseline`)];
    }
  }

  close(): void {
    for (const t of this.#transports.values()) t.close();
  }
}
