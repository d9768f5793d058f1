import { z } from "zod";
import {
  ChatText,
  IceCandidateInit,
  IsoTimestamp,
  MediaId,
  MediaState,
  ResumeToken,
  RoomId,
  SessionDescription,
  Token,
  TransportDirection,
  Username,
} from "./fields.ts";
import { AppData, DtlsParameters, MediaKind, RtpCapabilities, RtpParameters } from "./mediasoup.ts";

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
  "close-producer": z.object({ producerId: MediaId }),
  "pause-producer": z.object({ producerId: MediaId }),
  "resume-producer": z.object({ producerId: MediaId }),
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
  "close-producer",
  "pause-producer",
  "resume-producer",
] as const satisfies readonly ClientMessageType[];

export type ClientData<T extends ClientMessageType> = z.infer<(typeof clientData)[T]>;

/** One client message: `{ type, data, requestId? }`, discriminated by `type`. */
export type ClientMessage = {
  [T in ClientMessageType]: { type: T; data: ClientData<T>; requestId?: string | undefined };
}[ClientMessageType];
