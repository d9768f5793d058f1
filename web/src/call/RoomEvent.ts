import type { ConnectionStatus } from "../signaling/SignalingClient.ts";
import type { CallMode, LinkState, MediaFlags, SourceTracks, TrackSource } from "./types.ts";

export interface Participant {
  username: string;
  isLocal: boolean;
  /** What they say they send (`media-state`); unknown senders count as sending everything. */
  media: MediaFlags;
  /** Their tracks as received here (for the local participant: what we capture). */
  tracks: SourceTracks;
  /** The media path to them; null for the local participant. */
  link: LinkState | null;
  speaking: boolean;
}

export interface ChatEntry {
  id: number;
  from: string;
  text: string;
  /** ISO 8601, stamped by the server. */
  timestamp: string;
  isLocal: boolean;
}

/**
 * Everything a `Room` tells its user, each with what changed (the shape of LiveKit's
 * `RoomEvent`): `room.on(RoomEvent.TrackSubscribed, (participant, source, track) => ...)`.
 * A `Participant` passed along is a snapshot as of the event.
 */
export const RoomEvent = {
  /** The signaling connection changed state (connecting, connected, reconnecting, closed). */
  ConnectionStatusChanged: "connectionStatusChanged",
  /** The room was (re)joined and the media path for this join is known. */
  MediaModeChanged: "mediaModeChanged",
  ParticipantConnected: "participantConnected",
  ParticipantDisconnected: "participantDisconnected",
  /** A participant's `media-state` flags changed (the local one's too). */
  ParticipantMediaChanged: "participantMediaChanged",
  /** The media path to a remote participant changed state. */
  LinkStateChanged: "linkStateChanged",
  /** A remote participant's track arrived here. */
  TrackSubscribed: "trackSubscribed",
  /** A remote participant's track went away. */
  TrackUnsubscribed: "trackUnsubscribed",
  /** What we send for a source changed (null: nothing). */
  LocalTrackChanged: "localTrackChanged",
  /** The loudest participant now (null: nobody is speaking). */
  ActiveSpeakerChanged: "activeSpeakerChanged",
  ChatMessage: "chatMessage",
  /** News for the user (a toast): someone joined or left, the media connection was reset. */
  Notice: "notice",
  /** Something failed that the user should know about (already logged with its cause). */
  Problem: "problem",
} as const;

export type RoomEvents = {
  [RoomEvent.ConnectionStatusChanged]: [ConnectionStatus];
  [RoomEvent.MediaModeChanged]: [CallMode];
  [RoomEvent.ParticipantConnected]: [Participant];
  [RoomEvent.ParticipantDisconnected]: [Participant];
  [RoomEvent.ParticipantMediaChanged]: [Participant];
  [RoomEvent.LinkStateChanged]: [Participant, LinkState];
  [RoomEvent.TrackSubscribed]: [Participant, TrackSource, MediaStreamTrack];
  [RoomEvent.TrackUnsubscribed]: [Participant, TrackSource];
  [RoomEvent.LocalTrackChanged]: [TrackSource, MediaStreamTrack | null];
  [RoomEvent.ActiveSpeakerChanged]: [string | null];
  [RoomEvent.ChatMessage]: [ChatEntry];
  [RoomEvent.Notice]: [string];
  [RoomEvent.Problem]: [string];
};

/** The events after which `room.participants`, `room.mode` or `room.status` read differently. */
export const ROOM_STATE_EVENTS: readonly (keyof RoomEvents)[] = [
  RoomEvent.ConnectionStatusChanged,
  RoomEvent.MediaModeChanged,
  RoomEvent.ParticipantConnected,
  RoomEvent.ParticipantDisconnected,
  RoomEvent.ParticipantMediaChanged,
  RoomEvent.LinkStateChanged,
  RoomEvent.TrackSubscribed,
  RoomEvent.TrackUnsubscribed,
  RoomEvent.LocalTrackChanged,
  RoomEvent.ActiveSpeakerChanged,
];
