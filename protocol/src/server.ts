import { z } from "zod";
import { ErrorCode } from "./errors.ts";
import {
  ChatText,
  IceCandidateInit,
  IceServer,
  IsoTimestamp,
  MediaId,
  MediaState,
  ResumeToken,
  RoomId,
  SessionDescription,
  SpatialLayer,
  TemporalLayer,
  TransportDirection,
  Username,
} from "./fields.ts";
import {
  AppData,
  DtlsParameters,
  IceCandidate,
  IceParameters,
  MediaKind,
  RtpCapabilities,
  RtpParameters,
  SctpParameters,
} from "./mediasoup.ts";
import { LobbyEntry, ParticipantInfo, RoomSettings, TrackSource } from "./participants.ts";
import { RaisedHand, Reaction } from "./presence.ts";
import { RecordingNow } from "./recording.ts";

export const ProducerInfo = z.object({
  producerId: MediaId,
  user: Username,
  kind: MediaKind,
  appData: AppData.optional(),
  paused: z.boolean().optional(),
});
export type ProducerInfo = z.infer<typeof ProducerInfo>;

/** What a client needs to start an SFU call: the router's capabilities and who already sends. */
export const SfuInfo = z.object({
  rtpCapabilities: RtpCapabilities,
  producers: z.array(ProducerInfo),
});
export type SfuInfo = z.infer<typeof SfuInfo>;

/** How well a participant's media flows, from the media node's scores and transport states (_extension_). */
export const ConnectionQuality = z.enum(["excellent", "good", "poor", "lost"]);
export type ConnectionQuality = z.infer<typeof ConnectionQuality>;

export const UserMediaState = MediaState.extend({ user: Username });
export type UserMediaState = z.infer<typeof UserMediaState>;

const relay = <P extends z.ZodType>(payload: P) => z.object({ from: Username, target: Username, payload });
const producerEvent = z.object({ producerId: MediaId, user: Username });

/** The `data` of every server -> client message, by `type`. */
export const serverData = {
  joined: z.object({
    roomId: RoomId,
    /** Everyone in the room, the joiner included. */
    users: z.array(Username),
    /** Present when a media node serves this room. */
    sfu: SfuInfo.optional(),
    /** The last `media-state` of each participant that sent one. */
    media: z.array(UserMediaState).optional(),
    /** Secret for taking this name over from a stale connection (send it as `join-room.resume`). */
    resume: ResumeToken.optional(),
    /** The joiner as the room knows it: name, metadata and grants from its token (_extension_). */
    you: ParticipantInfo.optional(),
    /** Everyone in `users` with their name, metadata and grants (_extension_). */
    participants: z.array(ParticipantInfo).optional(),
    /** The room's moderation settings (_extension_). */
    room: RoomSettings.optional(),
    /** Who waits in the lobby: sent to moderators only (_extension_). */
    lobby: z.array(LobbyEntry).optional(),
    /** TURN (and STUN) servers with credentials for this participant, valid for a while (_extension_). */
    iceServers: z.array(IceServer).max(8).optional(),
    /** The recording in progress, or null when the room is not being recorded (_extension_, docs/recording.md). */
    recording: RecordingNow.nullable().optional(),
    /** Every raised hand the joiner can see, in the order they were raised (_extension_). */
    hands: z.array(RaisedHand).optional(),
    /**
     * True when this `join-room` resumed a membership the edge still kept (its reconnect grace,
     * _extension_): the others saw nothing, and the media node still holds this participant's
     * transports, producers and consumers (restart ICE on them instead of rebuilding).
     */
    resumed: z.boolean().optional(),
  }),
  /** `user` as in the original; name, metadata and grants come from the joiner's token (_extension_). */
  "user-joined": ParticipantInfo,
  "user-left": z.object({ user: Username }),
  "chat-message": z.object({ from: Username, text: ChatText, timestamp: IsoTimestamp }),
  "webrtc-offer": relay(SessionDescription),
  "webrtc-answer": relay(SessionDescription),
  "webrtc-ice-candidate": relay(IceCandidateInit),
  "media-state": UserMediaState,
  webRtcTransportCreated: z.object({
    id: MediaId,
    direction: TransportDirection,
    iceParameters: IceParameters,
    iceCandidates: z.array(IceCandidate),
    dtlsParameters: DtlsParameters,
    sctpParameters: SctpParameters.optional(),
  }),
  "transport-connected": z.object({ transportId: MediaId }),
  produced: z.object({ id: MediaId, kind: MediaKind }),
  "new-producer": ProducerInfo,
  consumed: z.object({
    id: MediaId,
    producerId: MediaId,
    user: Username,
    kind: MediaKind,
    rtpParameters: RtpParameters,
    producerPaused: z.boolean(),
    appData: AppData.optional(),
  }),
  "consumer-resumed": z.object({ consumerId: MediaId }),
  /** Reply to `pause-consumer` (_extension_). */
  "consumer-paused": z.object({ consumerId: MediaId }),
  /** Reply to `set-consumer-layers` (_extension_): what the media node now prefers for that consumer. */
  "consumer-layers-set": z.object({
    consumerId: MediaId,
    spatialLayer: SpatialLayer,
    temporalLayer: TemporalLayer.optional(),
  }),
  /**
   * Dynacast (_extension_), to a publisher: the highest spatial layer of its simulcast producer
   * anyone receives now; encodings above it may stop (`RTCRtpSender.setParameters`), those up to
   * it must be on. Never below 0: a producer nobody receives keeps its lowest layer.
   */
  "producer-layers": z.object({ producerId: MediaId, maxSpatialLayer: SpatialLayer }),
  /** Reply to `restart-ice` (_extension_): the transport's new ICE parameters (mediasoup-client `restartIce`). */
  "ice-restarted": z.object({ transportId: MediaId, iceParameters: IceParameters }),
  "producer-closed": producerEvent,
  "producer-paused": producerEvent,
  "producer-resumed": producerEvent,
  /**
   * The room's media node was lost (or replaced). Every transport, producer and
   * consumer of the room is gone; clients rebuild them against `sfu` (a new
   * router), or fall back to the mesh when `sfu` is absent.
   */
  "media-reset": z.object({ reason: z.string().max(256), sfu: SfuInfo.optional() }),
  // Access and moderation (_extension_).
  /** A participant's grants, name or metadata changed (a moderator, or the room API). */
  "participant-updated": ParticipantInfo.extend({ by: Username.optional() }),
  /** A moderator muted `user`'s `source`: their producers of it are paused on the media node. */
  "participant-muted": z.object({ user: Username, source: TrackSource, by: Username.optional() }),
  /** The room is being recorded from now on (to everyone; _extension_, docs/recording.md). */
  "recording-started": z.object({ recordingId: z.string(), startedAt: z.string(), by: Username.optional() }),
  /** The room's recording stopped (to everyone). */
  "recording-stopped": z.object({ recordingId: z.string(), by: Username.optional() }),
  /** To the removed participant, just before its socket closes (CLOSE_REMOVED); the moderator gets it as the reply. */
  "participant-removed": z.object({ user: Username, by: Username.optional(), reason: z.string().max(256).optional() }),
  /** The room's settings changed. */
  "room-updated": RoomSettings.extend({ by: Username.optional() }),
  /** The room was ended; every socket closes next (CLOSE_ROOM_ENDED). */
  "room-ended": z.object({ by: Username.optional(), reason: z.string().max(256) }),
  /** The reply to `join-room` in a room with a lobby: wait until a moderator admits (`joined`) or denies (`join-denied`). */
  "lobby-waiting": z.object({ roomId: RoomId }),
  /** Who waits in the lobby now: sent to moderators whenever it changes. */
  "lobby-updated": z.object({ waiting: z.array(LobbyEntry) }),
  // Presence (_extension_).
  /** `user` raised their hand at `raisedAt` (the edge's time; also sent again after their `resume`). */
  "hand-raised": RaisedHand,
  /** `user`'s hand is down; `by` is the moderator who lowered it, absent when it was `user`. */
  "hand-lowered": z.object({ user: Username, by: Username.optional() }),
  /** `user` reacted (to everyone, the sender included); shown for a moment, never stored. */
  reaction: z.object({ user: Username, reaction: Reaction }),
  // Media node events (_extension_; SFU rooms only).
  /** The media node's active speaker is `user` now; `level` in dBov (-127 silence .. 0 loudest) when known. */
  "active-speaker": z.object({ user: Username, level: z.number().min(-127).max(0).optional() }),
  /** `user`'s media connection is this good now (sent when it changes). */
  "connection-quality": z.object({ user: Username, quality: ConnectionQuality }),
  /** `code` was added to the original `{ message }`; an original-style error without it reads as `internal`. */
  error: z.object({
    message: z.string().max(1024),
    code: ErrorCode.default("internal"),
    /**
     * Why, more precisely, for codes with several causes (_extension_): for `unauthorized` at
     * join, the token's fault (`expired`, `not-yet-valid`, `wrong-room`, `bad-signature`, ...).
     */
    reason: z.string().max(64).optional(),
  }),
} as const;

export type ServerMessageType = keyof typeof serverData;
export const SERVER_MESSAGE_TYPES = Object.keys(serverData) as ServerMessageType[];

export type ServerData<T extends ServerMessageType> = z.infer<(typeof serverData)[T]>;

/** One server message: `{ type, data, requestId? }`, discriminated by `type`. */
export type ServerMessage = {
  [T in ServerMessageType]: { type: T; data: ServerData<T>; requestId?: string | undefined };
}[ServerMessageType];

export type ErrorMessage = Extract<ServerMessage, { type: "error" }>;
