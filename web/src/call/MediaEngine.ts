import type { SfuInfo } from "@huddle/protocol";
import type { SignalingClient } from "../signaling/SignalingClient.ts";
import type { ReceiveWish } from "./adaptiveLayers.ts";
import type {
  CallMode,
  InboundAudioStat,
  InboundVideoStat,
  LinkState,
  OutboundVideoStat,
  TrackSource,
} from "./types.ts";

/** What an engine needs from the room that owns it. */
export interface EngineHost {
  readonly signaling: SignalingClient;
  readonly username: string;
  /** A remote participant's track for a source appeared (or went away: null). */
  onRemoteTrack(user: string, source: TrackSource, track: MediaStreamTrack | null): void;
  /** The media path to a participant changed state. */
  onLinkState(user: string, state: LinkState): void;
  /**
   * Something failed that the user should know about: the one path for every failure of an
   * engine (the room logs `cause` and shows `message`). Not called once the engine is closed.
   */
  onProblem(message: string, cause: unknown): void;
  /** How `user`'s `source` video should be received now (layer, paused, priority: adaptiveLayers.ts). */
  receiveWish(user: string, source: TrackSource): ReceiveWish;
}

/**
 * One way of moving media between the participants of a room: a peer-to-peer mesh
 * (`MeshEngine`) or the SFU through a media node (`SfuEngine`). The `Room` owns exactly one
 * and replaces it on every `joined` and `media-reset`. An engine is created with the tracks
 * to send and owns what it sends from then on (peer connections' senders, producers).
 */
export interface MediaEngine {
  readonly mode: CallMode;
  /** A participant is in the room (from `joined` or `user-joined`). */
  addPeer(user: string): void;
  /** A participant left; everything received from them is dropped. */
  removePeer(user: string): void;
  /**
   * Sends `track` for `source` from now on (null: stop sending it). Changes apply in the
   * order they are made; a failure goes to `EngineHost.onProblem`. Resolves once this one is
   * applied (never rejects), so a device switch can stop the old track only after that.
   */
  setLocalTrack(source: TrackSource, track: MediaStreamTrack | null): Promise<void>;
  /** Decoding progress of every remote video track. */
  inboundVideoStats(): Promise<InboundVideoStat[]>;
  /** Audio packets received per remote participant. */
  inboundAudioStats(): Promise<InboundAudioStat[]>;
  /** What each local video source is encoding (the mesh: as sent to its first peer). */
  outboundVideoStats(): Promise<OutboundVideoStat[]>;
  /** Our producer per source (SFU; the mesh has none). */
  producerIds(): Partial<Record<TrackSource, string>>;
  /** Some `EngineHost.receiveWish` may have changed: apply them (SFU; the mesh receives one stream per peer). */
  wishesChanged?(): void;
  /** Audio level (0..1) per participant, the local one included when known. */
  audioLevels(): Promise<Map<string, number>>;
  /**
   * Our membership was resumed (`joined.resumed`) and this engine kept: catch up with what
   * `sfu` lists now (the SFU; the mesh's links need nothing).
   */
  resumed?(sfu: SfuInfo): void;
  close(): void;
}
