import { z } from "zod";
import { MAX_MEDIA_BATCH } from "./client.ts";
import { ConsumerPriority, MediaId, RoomId, SpatialLayer, TemporalLayer, TransportDirection } from "./fields.ts";
import { ObjectCounts } from "./media-counts.ts";
import { AppData, DtlsParameters, IceParameters, MediaKind, RtpCapabilities, RtpParameters } from "./mediasoup.ts";
import { serverData } from "./server.ts";

/**
 * The HTTP API of a media node, called by the edge (never by browsers).
 * JSON in and out; every request is signed (media-auth.ts). The paths are
 * built by `mediaPaths`; media-node/README.md describes each route. What a
 * node sends to the edge (announcements) is the edge registry's API, in
 * media-registry.ts.
 */

export const MEDIA_API_VERSION = "v1";

/** Largest request body a media node reads, in bytes. */
export const MEDIA_API_MAX_BODY_BYTES = 128 * 1024;

/**
 * A peer as the edge names it (one participant of a room on this node).
 * Sent percent-encoded in paths (`mediaPaths` does it).
 */
export const MediaPeerId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\p{L}\p{N}\p{M} ._~@:+=-]+$/u, "peerId may contain letters, digits, spaces and . _ ~ @ : + = -");
export type MediaPeerId = z.infer<typeof MediaPeerId>;

/** Stable codes of `{ error: { code, message } }` bodies. */
export const MEDIA_ERROR_CODES = [
  /** 401: missing, malformed, stale, wrong or replayed signature. */
  "unauthorized",
  /** 400: the body is not JSON or does not match the route's schema (message: the zod issue). */
  "invalid-body",
  /** 400: a roomId or peerId in the path is not valid, or a query parameter is wrong. */
  "invalid-param",
  /** 404: unknown route, room, transport, producer or consumer (or not owned by that peer). */
  "not-found",
  /** 405: the path exists but not with this method. */
  "method-not-allowed",
  /** 410: the room's worker died (or its router closed); PUT the room again to get a new router. */
  "room-lost",
  /** 409: produce on a recv transport or consume on a send transport. */
  "wrong-direction",
  /** 409: the router cannot consume that producer with the given rtpCapabilities. */
  "cannot-consume",
  /** 409: the object is in a state that forbids the call (e.g. connect twice). */
  "invalid-state",
  /** 400: mediasoup rejected the parameters (message: mediasoup's). */
  "rejected",
  /** 403: a recording download URL whose signature is missing or wrong. */
  "forbidden",
  /** 410: a recording download URL past its expiry. */
  "expired",
  /** 416: a recording download's Range lies outside the file. */
  "range-not-satisfiable",
  /** 413: the body is larger than MEDIA_API_MAX_BODY_BYTES. */
  "too-large",
  /** 403: plain transports are disabled on this node (MEDIA_NODE_ALLOW_PLAIN). */
  "plain-disabled",
  /** 503: the node is draining (no new rooms) or has no live worker. */
  "unavailable",
  /** 500: a bug; the request may be retried. */
  "internal",
] as const;
export const MediaErrorCode = z.enum(MEDIA_ERROR_CODES);
export type MediaErrorCode = z.infer<typeof MediaErrorCode>;

export const MediaErrorBody = z.object({ error: z.object({ code: MediaErrorCode, message: z.string() }) });
export type MediaErrorBody = z.infer<typeof MediaErrorBody>;

/** Body of routes that take none: absent, or `{}`. */
export const EmptyBody = z.strictObject({});

// ---- rooms ----------------------------------------------------------------

/** PUT /v1/rooms/:roomId — ensure the room has a router (idempotent). */
export const EnsureRoomResponse = z.object({
  roomId: RoomId,
  rtpCapabilities: RtpCapabilities,
  /** True when this call created the router (first call, or after the room was lost). */
  created: z.boolean(),
  worker: z.number().int().nonnegative(),
});
export type EnsureRoomResponse = z.infer<typeof EnsureRoomResponse>;

export const TransportKind = z.enum(["webrtc", "plain"]);

export const TransportInfo = z.object({
  id: MediaId,
  type: TransportKind,
  direction: TransportDirection,
  /** WebRTC transports: mediasoup's ICE and DTLS states. */
  iceState: z.string().optional(),
  dtlsState: z.string().optional(),
});

export const PeerProducerInfo = z.object({
  id: MediaId,
  transportId: MediaId,
  kind: MediaKind,
  paused: z.boolean(),
  appData: AppData.optional(),
});

/** A consumer's spatial and temporal layer (mediasoup's ConsumerLayers). */
export const ConsumerLayers = z.object({ spatialLayer: SpatialLayer, temporalLayer: TemporalLayer.optional() });
export type ConsumerLayers = z.infer<typeof ConsumerLayers>;

export const PeerConsumerInfo = z.object({
  id: MediaId,
  transportId: MediaId,
  producerId: MediaId,
  kind: MediaKind,
  paused: z.boolean(),
  producerPaused: z.boolean(),
  /** Simulcast and SVC consumers: the layers asked for (`consumers/layers`), and its priority (1-255). */
  preferredLayers: ConsumerLayers.optional(),
  priority: ConsumerPriority.optional(),
});

export const PeerState = z.object({
  peerId: MediaPeerId,
  transports: z.array(TransportInfo),
  producers: z.array(PeerProducerInfo),
  consumers: z.array(PeerConsumerInfo),
});
export type PeerState = z.infer<typeof PeerState>;

export const MediaEventBase = z.object({
  /** Node-wide sequence number, increasing by one per event. */
  seq: z.number().int().positive(),
  at: z.iso.datetime(),
});

/**
 * Something that happened without the edge asking for it (a worker died, DTLS failed, ...), in the
 * node's feed (GET /v1/events, and RoomState.events). The edge does not read the feed: it probes
 * GET /v1/rooms/:roomId from the room's alarm and reconciles (media-node/README.md).
 */
export const MediaEvent = z.discriminatedUnion("type", [
  MediaEventBase.extend({
    type: z.literal("room-lost"),
    roomId: RoomId,
    reason: z.enum(["worker-died", "router-closed"]),
  }),
  MediaEventBase.extend({
    type: z.literal("worker-died"),
    worker: z.number().int().nonnegative(),
    pid: z.number().int(),
    rooms: z.array(RoomId),
  }),
  MediaEventBase.extend({
    type: z.literal("transport-closed"),
    roomId: RoomId,
    peerId: MediaPeerId,
    transportId: MediaId,
    reason: z.enum(["dtls-failed", "dtls-closed", "ice-disconnected"]),
  }),
  MediaEventBase.extend({
    type: z.literal("producer-closed"),
    roomId: RoomId,
    peerId: MediaPeerId,
    producerId: MediaId,
    reason: z.literal("transport-closed"),
  }),
]);
export type MediaEvent = z.infer<typeof MediaEvent>;

/** GET /v1/rooms/:roomId — what the node holds for a room (for the edge to rebuild `joined.sfu`). */
export const RoomState = z.object({
  roomId: RoomId,
  worker: z.object({ index: z.number().int().nonnegative(), pid: z.number().int() }),
  rtpCapabilities: RtpCapabilities,
  peers: z.array(PeerState),
  /** Every producer of the room, with its owner. */
  producers: z.array(
    z.object({
      producerId: MediaId,
      peerId: MediaPeerId,
      kind: MediaKind,
      paused: z.boolean(),
      appData: AppData.optional(),
    }),
  ),
  /** Recent spontaneous closures in this room (bounded; see GET /v1/events for the full feed). */
  events: z.array(MediaEvent),
});
export type RoomState = z.infer<typeof RoomState>;

export const CloseRoomResponse = z.object({ roomId: RoomId, closed: z.literal(true) });
export type CloseRoomResponse = z.infer<typeof CloseRoomResponse>;

// ---- peers and transports -------------------------------------------------

/** POST /v1/rooms/:roomId/peers/:peerId/transports */
export const CreateTransportRequest = z.strictObject({
  direction: TransportDirection,
  /** Open an SCTP association (data channels). Default false. */
  sctp: z.boolean().optional(),
});
export type CreateTransportRequest = z.infer<typeof CreateTransportRequest>;

/** Same shape as the client-facing `webRtcTransportCreated`. */
export const CreateTransportResponse = serverData.webRtcTransportCreated;
export type CreateTransportResponse = z.infer<typeof CreateTransportResponse>;

/** POST .../transports/:transportId/connect (WebRTC transports). */
export const ConnectTransportRequest = z.strictObject({
  dtlsParameters: DtlsParameters,
});
export type ConnectTransportRequest = z.infer<typeof ConnectTransportRequest>;

export const ConnectTransportResponse = z.object({ transportId: MediaId });
export type ConnectTransportResponse = z.infer<typeof ConnectTransportResponse>;

/** POST .../transports/:transportId/restart-ice (WebRTC transports; body `{}`): new ICE parameters. */
export const RestartIceResponse = z.object({ transportId: MediaId, iceParameters: IceParameters });
export type RestartIceResponse = z.infer<typeof RestartIceResponse>;

/** DELETE .../transports/:transportId */
export const CloseTransportResponse = z.object({ transportId: MediaId, closed: z.literal(true) });

/** POST .../transports/:transportId/produce */
export const ProduceRequest = z.strictObject({
  kind: MediaKind,
  rtpParameters: RtpParameters,
  appData: AppData.optional(),
  /** Start paused. Default false. */
  paused: z.boolean().optional(),
});
export type ProduceRequest = z.infer<typeof ProduceRequest>;

export const ProduceResponse = z.object({ id: MediaId, kind: MediaKind });
export type ProduceResponse = z.infer<typeof ProduceResponse>;

/** POST .../transports/:transportId/consume — the consumer is always created paused. */
export const ConsumeRequest = z.strictObject({
  producerId: MediaId,
  rtpCapabilities: RtpCapabilities,
});
export type ConsumeRequest = z.infer<typeof ConsumeRequest>;

export const ConsumeResponse = z.object({
  id: MediaId,
  producerId: MediaId,
  /** The peer that owns the producer (the edge maps it to a username). */
  producerPeerId: MediaPeerId,
  kind: MediaKind,
  rtpParameters: RtpParameters,
  producerPaused: z.boolean(),
  /** The producer's appData. */
  appData: AppData.optional(),
});
export type ConsumeResponse = z.infer<typeof ConsumeResponse>;

/** A batch item the node could not do: the code and message a single call would have answered. */
export const MediaBatchFailure = z.object({
  id: MediaId,
  error: z.object({ code: MediaErrorCode, message: z.string() }),
});
export type MediaBatchFailure = z.infer<typeof MediaBatchFailure>;

/** Ids of one batch request, as in the client-facing batches: 1-MAX_MEDIA_BATCH, no repeats. */
const batchIds = z
  .array(MediaId)
  .min(1)
  .max(MAX_MEDIA_BATCH)
  .refine((ids) => new Set(ids).size === ids.length, "ids must not repeat");

/**
 * POST .../transports/:transportId/consume-many — `consume` of several producers with one
 * capabilities object; every consumer starts paused. Whatever fails for one producer (not
 * found, cannot-consume, rejected) is listed in `failed` and does not stop the others; a
 * failure of the transport itself (not found, wrong direction) is the usual error answer.
 */
export const ConsumeManyRequest = z.strictObject({
  producerIds: batchIds,
  rtpCapabilities: RtpCapabilities,
});
export type ConsumeManyRequest = z.infer<typeof ConsumeManyRequest>;

export const ConsumeManyResponse = z.object({
  consumers: z.array(ConsumeResponse),
  /** `id` is the producer's. */
  failed: z.array(MediaBatchFailure),
});
export type ConsumeManyResponse = z.infer<typeof ConsumeManyResponse>;

/** POST /v1/rooms/:roomId/peers/:peerId/consumers/resume — several consumer resumes; `failed` as above. */
export const ResumeConsumersRequest = z.strictObject({ consumerIds: batchIds });
export type ResumeConsumersRequest = z.infer<typeof ResumeConsumersRequest>;

/**
 * POST /v1/rooms/:roomId/peers/:peerId/consumers/layers — several consumers' preferred layers
 * (mediasoup `setPreferredLayers`) and, when given, priority (`setPriority`). A consumer that is not
 * simulcast or SVC keeps its single stream (and answers without `preferredLayers`). `failed` as above.
 */
export const SetConsumerLayersRequest = z.strictObject({
  consumers: z
    .array(
      z.strictObject({
        consumerId: MediaId,
        spatialLayer: SpatialLayer,
        temporalLayer: TemporalLayer.optional(),
        priority: ConsumerPriority.optional(),
      }),
    )
    .min(1)
    .max(MAX_MEDIA_BATCH)
    .refine((items) => new Set(items.map((c) => c.consumerId)).size === items.length, "ids must not repeat"),
});
export type SetConsumerLayersRequest = z.infer<typeof SetConsumerLayersRequest>;

export const SetConsumerLayersResponse = z.object({
  consumers: z.array(
    z.object({ consumerId: MediaId, preferredLayers: ConsumerLayers.optional(), priority: ConsumerPriority }),
  ),
  /** `id` is the consumer's. */
  failed: z.array(MediaBatchFailure),
});
export type SetConsumerLayersResponse = z.infer<typeof SetConsumerLayersResponse>;

/** POST .../consumers/:consumerId/resume */
export const ConsumerStateResponse = z.object({ consumerId: MediaId, paused: z.boolean() });
export type ConsumerStateResponse = z.infer<typeof ConsumerStateResponse>;

export const ResumeConsumersResponse = z.object({
  consumers: z.array(z.object({ consumerId: MediaId, paused: z.boolean() })),
  /** `id` is the consumer's. */
  failed: z.array(MediaBatchFailure),
});
export type ResumeConsumersResponse = z.infer<typeof ResumeConsumersResponse>;

/** Calls one `batch` request carries at most. */
export const MAX_BATCH_CALLS = 500;

/**
 * One call inside a `batch`: what a request of its own would send. `path` must be one of the
 * room's peer routes (`/v1/rooms/:roomId/peers/...`, percent-encoded as `mediaPaths` builds it,
 * no query); `body` is that route's JSON body as text (absent: empty).
 */
export const BatchCall = z.strictObject({
  method: z.enum(["POST", "DELETE"]),
  path: z.string().min(1).max(1024),
  body: z.string().max(MEDIA_API_MAX_BODY_BYTES).optional(),
});
export type BatchCall = z.infer<typeof BatchCall>;

/**
 * POST /v1/rooms/:roomId/batch — several peer calls of one room in one signed request (the edge
 * gathers what its members ask for while an earlier call is in flight). Calls of one peer run in
 * their order, one after another; calls of different peers run together. Each call is answered
 * as it would have been on its own (`status`, `body`: the JSON or `{ error }`); one call failing
 * does not stop the others.
 */
export const BatchRequest = z.strictObject({ calls: z.array(BatchCall).min(1).max(MAX_BATCH_CALLS) });
export type BatchRequest = z.infer<typeof BatchRequest>;

export const BatchResult = z.object({ status: z.number().int().min(100).max(599), body: z.unknown() });
export type BatchResult = z.infer<typeof BatchResult>;

export const BatchResponse = z.object({ results: z.array(BatchResult) });
export type BatchResponse = z.infer<typeof BatchResponse>;

/** POST .../producers/:producerId/pause|resume */
export const ProducerStateResponse = z.object({ producerId: MediaId, paused: z.boolean() });
export type ProducerStateResponse = z.infer<typeof ProducerStateResponse>;

/** DELETE .../producers/:producerId */
export const CloseProducerResponse = z.object({ producerId: MediaId, closed: z.literal(true) });

/** DELETE /v1/rooms/:roomId/peers/:peerId — idempotent: a peer with nothing open gets zeros. */
export const ClosePeerResponse = z.object({
  peerId: MediaPeerId,
  closed: z.object({
    transports: z.number().int().nonnegative(),
    producers: z.number().int().nonnegative(),
    consumers: z.number().int().nonnegative(),
  }),
});
export type ClosePeerResponse = z.infer<typeof ClosePeerResponse>;

// ---- plain transports (tests and benchmarks; MEDIA_NODE_ALLOW_PLAIN=true) ---

/** POST /v1/rooms/:roomId/peers/:peerId/plain-transports */
export const CreatePlainTransportRequest = z.strictObject({
  direction: TransportDirection,
  /** Learn the remote address from the first packet received. Default false. */
  comedia: z.boolean().optional(),
  /** RTP and RTCP on one port. Default true. */
  rtcpMux: z.boolean().optional(),
});
export type CreatePlainTransportRequest = z.infer<typeof CreatePlainTransportRequest>;

export const CreatePlainTransportResponse = z.object({
  id: MediaId,
  direction: TransportDirection,
  ip: z.string(),
  port: z.number().int(),
  rtcpPort: z.number().int().optional(),
});
export type CreatePlainTransportResponse = z.infer<typeof CreatePlainTransportResponse>;

/** POST .../transports/:transportId/connect (plain transports). */
export const ConnectPlainTransportRequest = z.strictObject({
  ip: z.union([z.ipv4(), z.ipv6()]),
  port: z.number().int().min(1).max(65535),
  rtcpPort: z.number().int().min(1).max(65535).optional(),
});
export type ConnectPlainTransportRequest = z.infer<typeof ConnectPlainTransportRequest>;

// ---- node -----------------------------------------------------------------

export const WorkerLoad = ObjectCounts.extend({
  index: z.number().int().nonnegative(),
  pid: z.number().int(),
  /** False while a dead worker is being replaced. */
  alive: z.boolean(),
  /** UDP and TCP port of this worker's WebRtcServer. */
  rtcPort: z.object({ udp: z.number().int(), tcp: z.number().int() }),
  /** CPU of the worker process since the previous sample (0-100 per core), and in total (ms). */
  cpuPercent: z.number().nonnegative(),
  cpuMs: z.number().nonnegative(),
});
export type WorkerLoad = z.infer<typeof WorkerLoad>;

/** GET /v1/load */
export const LoadResponse = z.object({
  draining: z.boolean(),
  workers: z.array(WorkerLoad),
  totals: ObjectCounts,
  /** Mean CPU of live workers (0-100). */
  cpuPercent: z.number().nonnegative(),
  /** The newest event's `seq` (0 when none); /v1/events has those after a given one. */
  eventSeq: z.number().int().nonnegative(),
});
export type LoadResponse = z.infer<typeof LoadResponse>;

/** GET /v1/events?since=N — events with `seq > N`, oldest first. */
export const EventsResponse = z.object({
  events: z.array(MediaEvent),
  /** Pass as `since` next time. */
  next: z.number().int().nonnegative(),
  /** True when events after `since` were dropped (buffer overflow): rebuild from GET /v1/rooms/:roomId. */
  gap: z.boolean(),
});
export type EventsResponse = z.infer<typeof EventsResponse>;

export const EventsQuery = z.object({
  since: z
    .string()
    .regex(/^[0-9]{1,15}$/, "since must be a non-negative integer")
    .transform(Number)
    .optional(),
});

/** GET /v1/dump — object ids as the mediasoup workers themselves report them. */
export const DumpResponse = z.object({
  workers: z.array(
    z.object({
      index: z.number().int().nonnegative(),
      pid: z.number().int(),
      webRtcServers: z.array(z.object({ id: z.string(), webRtcTransportIds: z.array(z.string()) })),
      routers: z.array(
        z.object({
          id: z.string(),
          transportIds: z.array(z.string()),
          producerIds: z.array(z.string()),
          consumerIds: z.array(z.string()),
        }),
      ),
    }),
  ),
});
export type DumpResponse = z.infer<typeof DumpResponse>;

/** POST /v1/drain (on a media node) — stop taking new rooms; existing rooms keep working. Idempotent. */
export const DrainResponse = z.object({ draining: z.literal(true) });
export type DrainResponse = z.infer<typeof DrainResponse>;

// ---- paths ----------------------------------------------------------------

const enc = encodeURIComponent;
const peerPath = (roomId: string, peerId: string) => `/v1/rooms/${enc(roomId)}/peers/${enc(peerId)}`;

/** Builds request paths (ids percent-encoded). */
export const mediaPaths = {
  health: "/healthz",
  metrics: "/metrics",
  load: "/v1/load",
  dump: "/v1/dump",
  events: (since = 0) => `/v1/events?since=${since}`,
  drain: "/v1/drain",
  room: (roomId: string) => `/v1/rooms/${enc(roomId)}`,
  batch: (roomId: string) => `/v1/rooms/${enc(roomId)}/batch`,
  peer: peerPath,
  transports: (roomId: string, peerId: string) => `${peerPath(roomId, peerId)}/transports`,
  plainTransports: (roomId: string, peerId: string) => `${peerPath(roomId, peerId)}/plain-transports`,
  transport: (roomId: string, peerId: string, transportId: string) =>
    `${peerPath(roomId, peerId)}/transports/${enc(transportId)}`,
  connect: (roomId: string, peerId: string, transportId: string) =>
    `${peerPath(roomId, peerId)}/transports/${enc(transportId)}/connect`,
  restartIce: (roomId: string, peerId: string, transportId: string) =>
    `${peerPath(roomId, peerId)}/transports/${enc(transportId)}/restart-ice`,
  produce: (roomId: string, peerId: string, transportId: string) =>
    `${peerPath(roomId, peerId)}/transports/${enc(transportId)}/produce`,
  consume: (roomId: string, peerId: string, transportId: string) =>
    `${peerPath(roomId, peerId)}/transports/${enc(transportId)}/consume`,
  consumeMany: (roomId: string, peerId: string, transportId: string) =>
    `${peerPath(roomId, peerId)}/transports/${enc(transportId)}/consume-many`,
  consumersResume: (roomId: string, peerId: string) => `${peerPath(roomId, peerId)}/consumers/resume`,
  consumersLayers: (roomId: string, peerId: string) => `${peerPath(roomId, peerId)}/consumers/layers`,
  consumerResume: (roomId: string, peerId: string, consumerId: string) =>
    `${peerPath(roomId, peerId)}/consumers/${enc(consumerId)}/resume`,
  consumerPause: (roomId: string, peerId: string, consumerId: string) =>
    `${peerPath(roomId, peerId)}/consumers/${enc(consumerId)}/pause`,
  producer: (roomId: string, peerId: string, producerId: string) =>
    `${peerPath(roomId, peerId)}/producers/${enc(producerId)}`,
  producerPause: (roomId: string, peerId: string, producerId: string) =>
    `${peerPath(roomId, peerId)}/producers/${enc(producerId)}/pause`,
  producerResume: (roomId: string, peerId: string, producerId: string) =>
    `${peerPath(roomId, peerId)}/producers/${enc(producerId)}/resume`,
} as const;
