import type { SignalingClient } from "../signaling/SignalingClient.ts";
import type { CallMode, InboundVideoStat, LinkState, OutboundVideoStat, TrackSource } from "./types.ts";

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
   * order they are made; a failure goes to `EngineHost.onProblem`.
   */
  setLocalTrack(source: TrackSource, track: MediaStreamTrack | null): void;
  /** Decoding progress of every remote video track. */
  inboundVideoStats(): Promise<InboundVideoStat[]>;
  /** Layers being encoded per local video source (the mesh sends one per peer and reports none). */
  outboundVideoStats(): Promise<OutboundVideoStat[]>;
  /** Audio level (0..1) per participant, the local one included when known. */
  audioLevels(): Promise<Map<string, number>>;
  close(): void;
}
