import { type ErrorCode, errorMessage, type ServerMessage } from "@huddle/protocol";
import type { MediaNodeClient } from "../../media/node-client.ts";
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
    case "produce": {
      const { transportId, kind, rtpParameters, appData } = message.data;
      if (!store.ownsTransport(transportId, sid)) return notFound("transport", transportId);
      const body = appData === undefined ? { kind, rtpParameters } : { kind, rtpParameters, appData };
      const produced = await node.produce(roomId, sid, transportId, body);
      if (!reply({ type: "produced", data: { id: produced.id, kind: produced.kind } })) return;
      const producer: StoredProducer = { id: produced.id, sid, user: username, kind, appData, paused: false };
      store.addProducer(producer);
      fanOut(roster.all(), { type: "new-producer", data: producerInfo(producer) }, sid);
      return;
    }
    case "consume": {
      const { transportId, producerId, rtpCapabilities } = message.data;
      if (!store.ownsTransport(transportId, sid)) return notFound("transport", transportId);
      const producer = store.producer(producerId);
      if (producer === undefined) return void fail("not-found", `no producer '${producerId}' in this room`);
      const consumer = await node.consume(roomId, sid, transportId, producerId, rtpCapabilities);
      // The producer may have closed while the node answered: then there is nothing to consume.
      if (store.producer(producerId) === undefined) {
        return void fail("not-found", `producer '${producerId}' closed meanwhile`);
      }
      const data = {
        id: consumer.id,
        producerId,
        user: producer.user,
        kind: consumer.kind,
        rtpParameters: consumer.rtpParameters,
        producerPaused: consumer.producerPaused,
        ...(producer.appData === undefined ? {} : { appData: producer.appData }),
      };
      if (reply({ type: "consumed", data })) store.addConsumer(consumer.id, sid, producerId);
      return;
    }
    case "resume-consumer": {
      const { consumerId } = message.data;
      if (!store.ownsConsumer(consumerId, sid)) return notFound("consumer", consumerId);
      await node.resumeConsumer(roomId, sid, consumerId);
      reply({ type: "consumer-resumed", data: { consumerId } });
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
      if (message.type === "close-producer") store.removeProducer(producerId);
      else store.setProducerPaused(producerId, message.type === "pause-producer");
      fanOut(roster.all(), event, sid);
      return;
    }
  }
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
