import { z } from "zod";
import { MediaId, RoomId } from "./fields.ts";
import { MediaPeerId } from "./media-api.ts";

/**
 * What a media node pushes to the edge without being asked (docs/protocol.md, "Media node
 * events"): signed like every node -> edge request (media-auth.ts), batched, best effort. The
 * edge hands each room's events to that room's Durable Object, which ignores events of a node
 * that does not serve the room and of objects it does not know.
 */

/** POST {edge}/v1/media-nodes/events: a NodeEventsBatch -> NodeEventsResponse. */
export const nodeEventsPath = "/v1/media-nodes/events";

/** Most events in one batch (a node sends several batches rather than one larger). */
export const MAX_NODE_EVENTS = 256;

/** Largest batch body the edge reads, in bytes (256 events of ~300 bytes fit). */
export const NODE_EVENTS_MAX_BODY_BYTES = 128 * 1024;

/** mediasoup's score of an RTP stream: 10 is perfect, 0 is nothing arriving. */
export const MediaScore = z.number().int().min(0).max(10);

/** mediasoup's audio level, in dBov (-127 silence .. 0 loudest). */
export const AudioLevelDbov = z.number().min(-127).max(0);

const roomEvent = { roomId: RoomId, peerId: MediaPeerId };

export const NodeEvent = z.discriminatedUnion("type", [
  /** The router's ActiveSpeakerObserver picked a new dominant speaker (its audio producer). */
  z.strictObject({
    type: z.literal("active-speaker"),
    ...roomEvent,
    producerId: MediaId,
    level: AudioLevelDbov.optional(),
  }),
  /** A producer's score changed: the lowest of its encodings' (what the node receives from the peer). */
  z.strictObject({ type: z.literal("producer-score"), ...roomEvent, producerId: MediaId, score: MediaScore }),
  /** A consumer's score changed (what the peer receives of it); `producerScore` is the source's. */
  z.strictObject({
    type: z.literal("consumer-score"),
    ...roomEvent,
    consumerId: MediaId,
    score: MediaScore,
    producerScore: MediaScore,
  }),
  /** A WebRTC transport's ICE or DTLS state changed (mediasoup's state names). */
  z.strictObject({
    type: z.literal("transport-state"),
    ...roomEvent,
    transportId: MediaId,
    ice: z.enum(["new", "connected", "completed", "disconnected", "closed"]),
    dtls: z.enum(["new", "connecting", "connected", "failed", "closed"]),
  }),
  /** The node closed a transport on its own (DTLS failed or closed, ICE disconnected too long). */
  z.strictObject({
    type: z.literal("transport-closed"),
    ...roomEvent,
    transportId: MediaId,
    reason: z.enum(["dtls-failed", "dtls-closed", "ice-disconnected"]),
  }),
  /** A producer closed on the node without the edge asking (its transport closed or died). */
  z.strictObject({
    type: z.literal("producer-closed"),
    ...roomEvent,
    producerId: MediaId,
    reason: z.enum(["transport-closed"]),
  }),
]);
export type NodeEvent = z.infer<typeof NodeEvent>;
export type NodeEventType = NodeEvent["type"];

/** The body of POST /v1/media-nodes/events. */
export const NodeEventsBatch = z.strictObject({
  /** The URL the node announces: the edge acts only on rooms placed on this node. */
  nodeUrl: z.url(),
  events: z.array(NodeEvent).min(1).max(MAX_NODE_EVENTS),
});
export type NodeEventsBatch = z.infer<typeof NodeEventsBatch>;

/** What the edge did with a batch: events acted on, and events ignored (wrong node, unknown object). */
export const NodeEventsResponse = z.object({
  ok: z.literal(true),
  applied: z.number().int().nonnegative(),
  ignored: z.number().int().nonnegative(),
});
export type NodeEventsResponse = z.infer<typeof NodeEventsResponse>;

/** What one room's Durable Object did with its events. */
export type NodeEventsOutcome = { applied: number; ignored: number };
