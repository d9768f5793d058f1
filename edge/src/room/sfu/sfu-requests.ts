import { type ConsumeResponse, type ErrorCode, errorMessage, type ServerMessage } from "@huddle/protocol";
import { asMediaCallError, type MediaNodeClient } from "../../media/node-client.ts";
import { fanOut, send } from "../broadcast.ts";
import type { SfuMessage } from "../room-media.ts";
import type { Member, Roster } from "../roster.ts";
import { type MediaStore, type Placement, producerInfo, type StoredProducer } from "./media-store.ts";

/** What translating one client message needs. */
export interface SfuRequestContext {
  roster: Roster;
  store: MediaStore;
  node: MediaNodeClient;
  placement: Placement;
  /** Whether `placement` is still the room's (it may change while a node call is in flight). */
  isCurrent: () => boolean;
  /** Reports a track published or closed (webhooks). */
  trackEvent: (kind: "track-published" | "track-unpublished", producer: StoredProducer) => void;
  /** What some receiver wants changed (a consumer came, paused, resumed or changed layers): dynacast looks again. */
  wantsChanged: () => void;
  /** Everyone was just told of `producer` (`new-producer`): their consumes of it can be expected. */
  announced: (producer: StoredProducer) => void;
}

/**
 * Translates one SFU message of a joined member into a call on the room's node, after checking
 * that every id it names belongs to that member (ownership lives in the MediaStore). The reply
 * and the broadcasts happen only if, once the node answered, the placement is unchanged and the
 * member is still in the room: every await lets other events in.
 * Throws MediaCallError when the node fails; the caller decides what that means for the room.
 */
export async function forwardSfuRequest(context: SfuRequestContext, member: Member, message: SfuMessage) {
  const { roster, store, node, placement } = context;
  const { sid, username } = member.attachment;
  const { roomId } = placement;
  const fail = (code: ErrorCode, text: string) =>
    void send(member.ws, errorMessage(code, `${message.type}: ${text}`, message.requestId));
  const notFound = (what: string, id: string) => fail("not-found", `no ${what} '${id}' of yours in this room`);
  /** Sends `out` unless the world changed during the node call; says whether it did. */
  const reply = (out: ServerMessage): boolean => {
    if (!context.isCurrent()) {
      fail("media-unavailable", "the room's media was reset while this was in progress");
      return false;
    }
    if (!roster.holds(member)) return false;
    send(member.ws, message.requestId === undefined ? out : { ...out, requestId: message.requestId });
    return true;
  };

  switch (message.type) {
    case "create-transport": {
      const created = await node.createTransport(roomId, sid, message.data.direction);
      if (reply({ type: "webRtcTransportCreated", data: created })) {
        store.addTransport(created.id, sid, created.direction);
      }
      return;
    }
    case "connect-transport": {
      const { transportId, dtlsParameters } = message.data;
      if (!store.ownsTransport(transportId, sid)) return notFound("transport", transportId);
      await node.connectTransport(roomId, sid, transportId, dtlsParameters);
      reply({ type: "transport-connected", data: { transportId } });
      return;
    }
    case "restart-ice": {
      const { transportId } = message.data;
      if (!store.ownsTransport(transportId, sid)) return notFound("transport", transportId);
      let restarted: Awaited<ReturnType<MediaNodeClient["restartIce"]>>;
      try {
        restarted = await node.restartIce(roomId, sid, transportId);
      } catch (thrown) {
        // The node closed it (ICE or DTLS failed for too long): the client builds a new one.
        if (asMediaCallError(thrown).code !== "not-found") throw thrown;
        if (context.isCurrent()) store.removeTransport(transportId);
        return fail("transport-closed", `the media node closed transport '${transportId}'; create a new one`);
      }
      reply({ type: "ice-restarted", data: restarted });
      return;
    }
    case "produce": {
      const { transportId, kind, rtpParameters, appData } = message.data;
      if (!store.ownsTransport(transportId, sid)) return notFound("transport", transportId);
      const body = appData === undefined ? { kind, rtpParameters } : { kind, rtpParameters, appData };
      const produced = await node.produce(roomId, sid, transportId, body);
      if (!reply({ type: "produced", data: { id: produced.id, kind: produced.kind } })) return;
      const producer: StoredProducer = { id: produced.id, sid, user: username, kind, appData, paused: false };
      store.addProducer(producer);
      const layers = rtpParameters.encodings?.length ?? 1;
      if (kind === "video" && layers > 1) store.setProducerLayers(producer.id, layers);
      fanOut(roster.all(), { type: "new-producer", data: producerInfo(producer) }, sid);
      context.announced(producer);
      context.trackEvent("track-published", producer);
      return;
    }
    case "consume": {
      const { transportId, producerId, rtpCapabilities } = message.data;
      if (!store.ownsTransport(transportId, sid)) return notFound("transport", transportId);
      const producer = store.producer(producerId);
      if (producer === undefined) return void fail("not-found", `no producer '${producerId}' in this room`);
      const consumer = await node.consume(roomId, sid, transportId, producerId, rtpCapabilities);
      const out = consumedReply(store, producer, consumer);
      if (typeof out === "string") return void fail("not-found", out);
      if (reply(out)) store.addConsumer(consumer.id, sid, producerId);
      context.wantsChanged();
      return;
    }
    case "consume-many": {
      // One call to the node for every producer; each gets the reply a `consume` of it would have.
      const { transportId, producerIds, rtpCapabilities } = message.data;
      if (!store.ownsTransport(transportId, sid)) return notFound("transport", transportId);
      const known = producerIds.filter((id) => store.producer(id) !== undefined);
      const answer =
        known.length === 0 ? undefined : await node.consumeMany(roomId, sid, transportId, known, rtpCapabilities);
      if (!context.isCurrent())
        return void fail("media-unavailable", "the room's media was reset while this was in progress");
      const consumers = new Map(answer?.consumers.map((c) => [c.producerId, c]));
      const failures = new Map(answer?.failed.map((f) => [f.id, f.error]));
      for (const producerId of producerIds) {
        const producer = store.producer(producerId);
        const consumer = consumers.get(producerId);
        const failure = failures.get(producerId);
        if (consumer !== undefined && producer !== undefined) {
          const out = consumedReply(store, producer, consumer);
          if (typeof out === "string") fail("not-found", out);
          else if (reply(out)) store.addConsumer(consumer.id, sid, producerId);
        } else if (failure !== undefined) {
          fail(nodeErrorCode(failure.code), `producer '${producerId}': ${failure.message}`);
        } else {
          fail("not-found", `no producer '${producerId}' in this room`);
        }
      }
      context.wantsChanged();
      return;
    }
    case "resume-consumer": {
      const { consumerId } = message.data;
      if (!store.ownsConsumer(consumerId, sid)) return notFound("consumer", consumerId);
      await node.resumeConsumer(roomId, sid, consumerId);
      if (reply({ type: "consumer-resumed", data: { consumerId } }))
        store.setConsumerWant(consumerId, sid, { paused: false });
      context.wantsChanged();
      return;
    }
    case "pause-consumer": {
      const { consumerId } = message.data;
      if (!store.ownsConsumer(consumerId, sid)) return notFound("consumer", consumerId);
      await node.pauseConsumer(roomId, sid, consumerId);
      if (reply({ type: "consumer-paused", data: { consumerId } }))
        store.setConsumerWant(consumerId, sid, { paused: true });
      context.wantsChanged();
      return;
    }
    case "set-consumer-layers": {
      const { consumerId, spatialLayer, temporalLayer, priority } = message.data;
      const producerId = store.producerOfConsumer(consumerId, sid);
      if (producerId === undefined) return notFound("consumer", consumerId);
      if (store.producer(producerId)?.kind !== "video")
        return void fail("invalid-message", `consumer '${consumerId}' is audio: it has no layers`);
      const wanted = {
        consumerId,
        spatialLayer,
        ...(temporalLayer === undefined ? {} : { temporalLayer }),
        ...(priority === undefined ? {} : { priority }),
      };
      const answer = await node.setConsumerLayers(roomId, sid, [wanted]);
      const failure = answer.failed[0];
      if (failure !== undefined) return void fail(nodeErrorCode(failure.error.code), failure.error.message);
      const layers = answer.consumers[0]?.preferredLayers ?? { spatialLayer, temporalLayer };
      const data = {
        consumerId,
        spatialLayer: layers.spatialLayer,
        ...(layers.temporalLayer === undefined ? {} : { temporalLayer: layers.temporalLayer }),
      };
      if (reply({ type: "consumer-layers-set", data }))
        store.setConsumerWant(consumerId, sid, { spatial: spatialLayer });
      context.wantsChanged();
      return;
    }
    case "resume-consumers": {
      const { consumerIds } = message.data;
      const owned = consumerIds.filter((id) => store.ownsConsumer(id, sid));
      const answer = owned.length === 0 ? undefined : await node.resumeConsumers(roomId, sid, owned);
      if (!context.isCurrent())
        return void fail("media-unavailable", "the room's media was reset while this was in progress");
      const resumed = new Set(answer?.consumers.map((c) => c.consumerId));
      const failures = new Map(answer?.failed.map((f) => [f.id, f.error]));
      for (const consumerId of consumerIds) {
        const failure = failures.get(consumerId);
        if (resumed.has(consumerId)) {
          if (reply({ type: "consumer-resumed", data: { consumerId } }))
            store.setConsumerWant(consumerId, sid, { paused: false });
        } else if (failure !== undefined)
          fail(nodeErrorCode(failure.code), `consumer '${consumerId}': ${failure.message}`);
        else notFound("consumer", consumerId);
      }
      context.wantsChanged();
      return;
    }
    case "close-producer":
    case "pause-producer":
    case "resume-producer": {
      const { producerId } = message.data;
      const producer = store.producer(producerId);
      if (producer === undefined || producer.sid !== sid) return notFound("producer", producerId);
      const event: ServerMessage = { type: PRODUCER_EVENTS[message.type], data: { producerId, user: username } };
      if (message.type === "close-producer") await node.closeProducer(roomId, sid, producerId);
      else if (message.type === "pause-producer") await node.pauseProducer(roomId, sid, producerId);
      else await node.resumeProducer(roomId, sid, producerId);
      // Closed meanwhile (by the member leaving, or by a concurrent close): its producer-closed went out already.
      if (store.producer(producerId) === undefined) return;
      if (!reply(event)) return;
      if (message.type === "close-producer") {
        store.removeProducer(producerId);
        context.trackEvent("track-unpublished", producer);
      } else store.setProducerPaused(producerId, message.type === "pause-producer");
      fanOut(roster.all(), event, sid);
      return;
    }
  }
}

/**
 * The `consumed` reply for a consumer the node made, or why there is none: the producer may have
 * closed while the node answered, and then there is nothing to consume.
 */
function consumedReply(store: MediaStore, producer: StoredProducer, consumer: ConsumeResponse): ServerMessage | string {
  if (store.producer(producer.id) === undefined) return `producer '${producer.id}' closed meanwhile`;
  return {
    type: "consumed",
    data: {
      id: consumer.id,
      producerId: producer.id,
      user: producer.user,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters,
      producerPaused: consumer.producerPaused,
      ...(producer.appData === undefined ? {} : { appData: producer.appData }),
    },
  };
}

const PRODUCER_EVENTS = {
  "close-producer": "producer-closed",
  "pause-producer": "producer-paused",
  "resume-producer": "producer-resumed",
} as const;

/** The client-facing code for a node's refusal of a client's request. */
export function nodeErrorCode(code: string | undefined): ErrorCode {
  switch (code) {
    case "not-found":
      return "not-found";
    case "invalid-body":
    case "invalid-param":
    case "rejected":
    case "wrong-direction":
    case "cannot-consume":
    case "invalid-state":
      return "invalid-message";
    case "too-large":
      return "too-large";
    default:
      return "internal";
  }
}
