import type {
  ConnectionQuality,
  LobbyEntry,
  Permissions,
  Reaction,
  RecordingNow,
  RoomSettings,
} from "@huddle/protocol";
import type { ConnectionStatus } from "../signaling/SignalingClient.ts";
import type { CallMode, LinkState, MediaFlags, SourceTracks, TrackSource } from "./types.ts";

export interface Participant {
  /** The identity (unique in the room). */
  username: string;
  /** What to show: the display name from their token, else the username. */
  name: string;
  /** Their grants, when the room told us (rooms with join tokens). */
  permissions: Permissions | undefined;
  isLocal: boolean;
  /** What they say they send (`media-state`); unknown senders count as sending everything. */
  media: MediaFlags;
  /** Their tracks as received here (for the local participant: what we capture). */
  tracks: SourceTracks;
  /** The media path to them; null for the local participant. */
  link: LinkState | null;
  speaking: boolean;
  /** How well their media flows, as the media node grades it (SFU calls); null when not known. */
  quality: ConnectionQuality | null;
  /** Their place among the raised hands (1: raised first); null while their hand is down. */
  hand: number | null;
}

export interface ChatEntry {
  id: number;
  /** The sender's username, as the server stamped it. */
  from: string;
  /** The sender's display name when the message arrived (their token's `name`, else `from`). */
  name: string;
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
  /** The active speaker now (null: nobody); the media node's pick in SFU calls, the loudest in mesh calls. */
  ActiveSpeakerChanged: "activeSpeakerChanged",
  /** The media node graded a participant's connection (ours too) differently (SFU calls). */
  ConnectionQualityChanged: "connectionQualityChanged",
  ChatMessage: "chatMessage",
  /** A participant's name or grants changed (a moderator, or the room API); the local one's too. */
  ParticipantUpdated: "participantUpdated",
  /** What we may do changed (our grants: `joined`, or a moderator's change). */
  PermissionsChanged: "permissionsChanged",
  /** A moderator muted one of our sources (it is muted here too now); `by` is who, when known. */
  MutedByModerator: "mutedByModerator",
  /** The room was locked or unlocked, or its lobby turned on or off. */
  RoomSettingsChanged: "roomSettingsChanged",
  /** Who waits in the lobby changed (moderators only). */
  LobbyChanged: "lobbyChanged",
  /** The room's recording started or stopped (null: not recorded now); also on every (re)join. */
  RecordingChanged: "recordingChanged",
  /** Someone's hand went up or down; the users with a raised hand, the first raised first. */
  HandsChanged: "handsChanged",
  /** Someone (we too) sent a reaction: show it over their tile for a moment. */
  Reaction: "reaction",
  /** New audio levels (0..1) per participant, a few times a second (`room.audioLevel(user)`). */
  AudioLevels: "audioLevels",
  /** News for the user (a toast): someone joined or left, the media connection was reset. */
  Notice: "notice",
  /** Something failed that the user should know about (already logged with its cause). */
  Problem: "problem",
  /** The call screen shows other tiles now (`user:source` keys; the rest are off-page). */
  VisibleTilesChanged: "visibleTilesChanged",
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
  [RoomEvent.ConnectionQualityChanged]: [Participant, ConnectionQuality];
  [RoomEvent.ChatMessage]: [ChatEntry];
  [RoomEvent.ParticipantUpdated]: [Participant];
  [RoomEvent.PermissionsChanged]: [Permissions];
  [RoomEvent.MutedByModerator]: [TrackSource, string | undefined];
  [RoomEvent.RoomSettingsChanged]: [RoomSettings];
  [RoomEvent.LobbyChanged]: [LobbyEntry[]];
  [RoomEvent.RecordingChanged]: [RecordingNow | null];
  [RoomEvent.HandsChanged]: [string[]];
  [RoomEvent.Reaction]: [string, Reaction];
  [RoomEvent.AudioLevels]: [ReadonlyMap<string, number>];
  [RoomEvent.Notice]: [string];
  [RoomEvent.Problem]: [string];
  [RoomEvent.VisibleTilesChanged]: [readonly string[]];
};

/**
 * The events after which `room.participants`, `room.mode`, `room.status`, `room.permissions`,
 * `room.settings`, `room.lobby` or `room.recording` read differently.
 */
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
  RoomEvent.ConnectionQualityChanged,
  RoomEvent.ParticipantUpdated,
  RoomEvent.PermissionsChanged,
  RoomEvent.RoomSettingsChanged,
  RoomEvent.LobbyChanged,
  RoomEvent.RecordingChanged,
  RoomEvent.HandsChanged,
];
