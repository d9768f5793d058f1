import { z } from "zod";
import {
  ChatText,
  ConsumerPriority,
  IceCandidateInit,
  IsoTimestamp,
  MediaId,
  MediaState,
  ResumeToken,
  RoomId,
  SessionDescription,
  SpatialLayer,
  TemporalLayer,
  Token,
  TransportDirection,
  Username,
} from "./fields.ts";
import { AppData, DtlsParameters, MediaKind, RtpCapabilities, RtpParameters } from "./mediasoup.ts";
import { DisplayName, Metadata, PermissionsChange, TrackSource } from "./participants.ts";
import { Reaction } from "./presence.ts";

const aboutUser = z.object({ user: Username });

/**
 * Most producers (consume-many) or consumers (resume-consumers) one batch may name: every
 * producer of a full room (DEFAULT_MAX_PARTICIPANTS with microphone, camera and screen) fits.
 */
export const MAX_MEDIA_BATCH = 300;

/** Ids of one batch: 1-MAX_MEDIA_BATCH, no repeats. */
const mediaIdBatch = z
  .array(MediaId)
  .min(1)
  .max(MAX_MEDIA_BATCH)
  .refine((ids) => new Set(ids).size === ids.length, "ids must not repeat");

/** The `data` of every client -> server message, by `type`. */
export const clientData = {
  "join-room": z.object({
    roomId: RoomId,
    username: Username,
    token: Token.optional(),
    /** The `resume` of this username's previous `joined`: replaces that connection if it is still open. */
    resume: ResumeToken.optional(),
  }),
  "leave-room": z.object({ roomId: RoomId, username: Username }),
  /** `from` and `timestamp` are the client's claim; the server replaces both. */
  "chat-message": z.object({ from: z.string().max(256), text: ChatText, timestamp: IsoTimestamp }),
  "webrtc-offer": z.object({ target: Username, payload: SessionDescription }),
  "webrtc-answer": z.object({ target: Username, payload: SessionDescription }),
  "webrtc-ice-candidate": z.object({ target: Username, payload: IceCandidateInit }),
  "media-state": MediaState,
  "create-transport": z.object({ direction: TransportDirection }),
  "connect-transport": z.object({ transportId: MediaId, dtlsParameters: DtlsParameters }),
  produce: z.object({
    transportId: MediaId,
    kind: MediaKind,
    rtpParameters: RtpParameters,
    appData: AppData.optional(),
  }),
  consume: z.object({ transportId: MediaId, producerId: MediaId, rtpCapabilities: RtpCapabilities }),
  "resume-consumer": z.object({ consumerId: MediaId }),
  /**
   * Extension: `consume` of several producers at once (one call to the media node). Answered, in
   * the order of `producerIds`, with one `consumed` or one `error` per producer, each carrying the
   * request's `requestId`.
   */
  "consume-many": z.object({ transportId: MediaId, producerIds: mediaIdBatch, rtpCapabilities: RtpCapabilities }),
  /** Extension: `resume-consumer` of several consumers; one `consumer-resumed` or `error` each, in order. */
  "resume-consumers": z.object({ consumerIds: mediaIdBatch }),
  /**
   * Extension (receiver-driven layers): the highest layers one of the sender's video consumers
   * should receive (the node forwards the nearest it has, lower when the link cannot carry it);
   * `priority` (1-255) shares the sender's downlink among its consumers. Reply `consumer-layers-set`.
   */
  "set-consumer-layers": z.object({
    consumerId: MediaId,
    spatialLayer: SpatialLayer,
    temporalLayer: TemporalLayer.optional(),
    priority: ConsumerPriority.optional(),
  }),
  /** Extension: stop receiving one of the sender's consumers (its tile is not seen); `resume-consumer` undoes it. */
  "pause-consumer": z.object({ consumerId: MediaId }),
  "close-producer": z.object({ producerId: MediaId }),
  "pause-producer": z.object({ producerId: MediaId }),
  "resume-producer": z.object({ producerId: MediaId }),
  /**
   * Extension: restart ICE on one of the sender's own transports (its connection went
   * `disconnected` or `failed`). Answered `ice-restarted`; `transport-closed` when the media
   * node already closed it (rebuild that transport).
   */
  "restart-ice": z.object({ transportId: MediaId }),
  // Moderation (_extension_): each needs the `roomAdmin` grant.
  /** Pauses the participant's producers of `source`; they may unmute as their grants allow. */
  "mute-participant": z.object({ user: Username, source: TrackSource }),
  /** Closes the participant's socket (CLOSE_REMOVED); the same token cannot join again until it expires. */
  "remove-participant": z.object({ user: Username, reason: z.string().max(256).optional() }),
  /** Changes a participant's grants, display name or metadata, at once. */
  "update-participant": z.object({
    user: Username,
    permissions: PermissionsChange.optional(),
    name: DisplayName.optional(),
    metadata: Metadata.optional(),
  }),
  /** Locks the room (only moderators join) and turns the lobby on or off. */
  "update-room": z.object({ locked: z.boolean().optional(), lobby: z.boolean().optional() }),
  /** Lets someone waiting in the lobby in. */
  "admit-participant": aboutUser,
  /** Turns someone waiting in the lobby away (their socket is closed, CLOSE_DENIED). */
  "deny-participant": aboutUser,
  /** Ends the call for everyone (every socket is closed, CLOSE_ROOM_ENDED). */
  "end-room": z.object({}),
  /** Starts recording the room on its media node (docs/recording.md); needs `roomAdmin` or `roomRecord`. */
  "start-recording": z.object({}),
  /** Stops the room's recording; needs `roomAdmin` or `roomRecord`. */
  "stop-recording": z.object({}),
  // Presence (_extension_): only about the sender, whose identity the edge knows.
  /** Raises the sender's hand; everyone gets `hand-raised`. Raising a raised hand keeps its time. */
  "raise-hand": z.object({}),
  /** Lowers the sender's hand, or (`roomAdmin` only) `user`'s; everyone gets `hand-lowered`. */
  "lower-hand": z.object({ user: Username.optional() }),
  /** A reaction from the sender, shown to everyone for a moment (`reaction`); never stored. */
  "send-reaction": z.object({ reaction: Reaction }),
} as const;

export type ClientMessageType = keyof typeof clientData;
export const CLIENT_MESSAGE_TYPES = Object.keys(clientData) as ClientMessageType[];

/** Client messages that only make sense with a media node (the SFU half). */
export const SFU_MESSAGE_TYPES = [
  "create-transport",
  "connect-transport",
  "produce",
  "consume",
  "resume-consumer",
  "consume-many",
  "resume-consumers",
  "set-consumer-layers",
  "pause-consumer",
  "close-producer",
  "pause-producer",
  "resume-producer",
  "restart-ice",
] as const satisfies readonly ClientMessageType[];

/** Client messages that need the `roomAdmin` grant. */
export const MODERATION_MESSAGE_TYPES = [
  "mute-participant",
  "remove-participant",
  "update-participant",
  "update-room",
  "admit-participant",
  "deny-participant",
  "end-room",
] as const satisfies readonly ClientMessageType[];

/** Client messages that need the `roomAdmin` or the `roomRecord` grant. */
export const RECORDING_MESSAGE_TYPES = [
  "start-recording",
  "stop-recording",
] as const satisfies readonly ClientMessageType[];

export type ClientData<T extends ClientMessageType> = z.infer<(typeof clientData)[T]>;

/** One client message: `{ type, data, requestId? }`, discriminated by `type`. */
export type ClientMessage = {
  [T in ClientMessageType]: { type: T; data: ClientData<T>; requestId?: string | undefined };
}[ClientMessageType];
