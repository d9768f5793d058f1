import { z } from "zod";
import { ErrorCode } from "./errors.ts";
import {
  ChatText,
  IceCandidateInit,
  IsoTimestamp,
  MediaId,
  MediaState,
  ResumeToken,
  RoomId,
  SessionDescription,
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
  }),
  "user-joined": z.object({ user: Username }),
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
  "producer-closed": producerEvent,
  "producer-paused": producerEvent,
  "producer-resumed": producerEvent,
  /**
   * The room's media node was lost (or replaced). Every transport, producer and
   * consumer of the room is gone; clients rebuild them against `sfu` (a new
   * router), or fall back to the mesh when `sfu` is absent.
   */
  "media-reset": z.object({ reason: z.string().max(256), sfu: SfuInfo.optional() }),
  /** `code` was added to the original `{ message }`; an original-style error without it reads as `internal`. */
  error: z.object({ message: z.string().max(1024), code: ErrorCode.default("internal") }),
} as const;

export type ServerMessageType = keyof typeof serverData;
export const SERVER_MESSAGE_TYPES = Object.keys(serverData) as ServerMessageType[];

export type ServerData<T extends ServerMessageType> = z.infer<(typeof serverData)[T]>;

/** One server message: `{ type, data, requestId? }`, discriminated by `type`. */
export type ServerMessage = {
  [T in ServerMessageType]: { type: T; data: ServerData<T>; requestId?: string | undefined };
}[ServerMessageType];

export type ErrorMessage = Extract<ServerMessage, { type: "error" }>;
