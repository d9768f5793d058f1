import type { NodeEvent } from "@huddle/protocol";
import type { types } from "mediasoup";
import type { Logger } from "../log.ts";

/** How often the ActiveSpeakerObserver decides (mediasoup's default). */
export const SPEAKER_INTERVAL_MS = 300;
/** How often the AudioLevelObserver reports the loudest producers' levels (for `level`). */
const LEVEL_INTERVAL_MS = 500;
/** A level older than this is not attached to an active-speaker event. */
const LEVEL_FRESH_MS = 1500;

export type RoomWatchOptions = {
  roomId: string;
  router: types.Router;
  /** Where the room's events go (the batcher). */
  emit: (event: NodeEvent) => void;
  log: Logger;
};

/**
 * Turns what mediasoup tells about one room into node events: the router's active speaker (an
 * ActiveSpeakerObserver fed every audio producer, with the level from an AudioLevelObserver),
 * every producer's and consumer's score when it changes, and every WebRTC transport's ICE and
 * DTLS state. Peers are named by the `peerId` in each object's appData (set by MediaRoom).
 * Everything it creates lives on the router and closes with it.
 */
export function watchRoom(options: RoomWatchOptions): void {
  const { roomId, router, emit, log } = options;
  const levels = new Map<string, { dbov: number; at: number }>();
  const observers = Promise.all([
    router.createActiveSpeakerObserver({ interval: SPEAKER_INTERVAL_MS }),
    router.createAudioLevelObserver({ interval: LEVEL_INTERVAL_MS, maxEntries: 8, threshold: -70 }),
  ]).then(
    ([speaker, level]) => {
      speaker.on("dominantspeaker", ({ producer }) => {
        const peerId = peerOf(producer.appData);
        if (peerId === undefined) return;
        const heard = levels.get(producer.id);
        const event: NodeEvent = { type: "active-speaker", roomId, peerId, producerId: producer.id };
        if (heard !== undefined && Date.now() - heard.at < LEVEL_FRESH_MS) event.level = heard.dbov;
        emit(event);
      });
      level.on("volumes", (volumes) => {
        const at = Date.now();
        for (const { producer, volume } of volumes) levels.set(producer.id, { dbov: clampDbov(volume), at });
      });
      return [speaker, level] as const;
    },
    (error: unknown) => {
      if (!router.closed) log.warn("cannot watch the room's speakers", { roomId, error });
      return undefined;
    },
  );

  const watchProducer = (producer: types.Producer) => {
    const peerId = peerOf(producer.appData);
    if (peerId === undefined) return;
    if (producer.kind === "audio") {
      void observers
        .then(async (pair) => {
          if (pair === undefined || producer.closed) return;
          await Promise.all(pair.map((observer) => observer.addProducer({ producerId: producer.id })));
        })
        .catch(() => undefined); // closed meanwhile
      producer.observer.once("close", () => levels.delete(producer.id));
    }
    let last: number | undefined;
    producer.observer.on("score", (scores) => {
      // The best encoding: a simulcast layer the sender turned off scores 0 without anything being wrong.
      const score = scores.reduce((best, s) => Math.max(best, s.score), 0);
      if (score === last) return;
      last = score;
      emit({ type: "producer-score", roomId, peerId, producerId: producer.id, score });
    });
  };

  const watchConsumer = (consumer: types.Consumer) => {
    const peerId = peerOf(consumer.appData);
    if (peerId === undefined) return;
    let last: number | undefined;
    consumer.observer.on("score", ({ score, producerScore }) => {
      if (score === last) return;
      last = score;
      emit({ type: "consumer-score", roomId, peerId, consumerId: consumer.id, score, producerScore });
    });
  };

  router.observer.on("newtransport", (transport) => {
    transport.observer.on("newproducer", watchProducer);
    transport.observer.on("newconsumer", watchConsumer);
    if (transport.type !== "webrtc") return;
    const webrtc = transport as types.WebRtcTransport;
    const peerId = peerOf(webrtc.appData);
    if (peerId === undefined) return;
    const state = () =>
      emit({
        type: "transport-state",
        roomId,
        peerId,
        transportId: webrtc.id,
        ice: webrtc.iceState,
        dtls: webrtc.dtlsState,
      });
    webrtc.observer.on("icestatechange", state);
    webrtc.observer.on("dtlsstatechange", state);
  });
}

function peerOf(appData: types.AppData): string | undefined {
  const peerId = appData.peerId;
  return typeof peerId === "string" ? peerId : undefined;
}

function clampDbov(volume: number): number {
  return Math.max(-127, Math.min(0, Math.round(volume)));
}
