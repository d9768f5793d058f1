import type { SignalingClient } from "../signaling/SignalingClient.ts";
import type { CallMode, InboundVideoStat, LinkState, OutboundVideoStat, SourceTracks, TrackSource } from "./types.ts";

/** What an engine needs from the room that owns it. */
export interface EngineHost {
  readonly signaling: SignalingClient;
  readonly username: string;
  /** The tracks to send right now (null: nothing for that source). */
  sending(): SourceTracks;
  /** A remote participant's track for a source appeared (or went away: null). */
  onRemoteTrack(user: string, source: TrackSource, track: MediaStreamTrack | null): void;
  /** The media path to a participant changed state. */
  onLinkState(user: string, state: LinkState): void;
  /** Something went wrong that the user should know about. */
  onProblem(message: string): void;
}

/**
 * One way of moving media between the participants of a room: a peer-to-peer mesh
 * (`MeshEngine`) or the SFU through a media node (`SfuEngine`). The `Room` owns exactly one
 * and replaces it on every `joined` and `media-reset`.
 */
export interface MediaEngine {
  readonly mode: CallMode;
  /** A participant is in the room (from `joined` or `user-joined`). */
  addPeer(user: string): void;
  /** A participant left; everything received from them is dropped. */
  removePeer(user: string): void;
  /** The local track for a source changed (null: stop sending it). */
  setLocalTrack(source: TrackSource, track: MediaStreamTrack | null): Promise<void>;
  /** Decoding progress of every remote video track. */
  inboundVideoStats(): Promise<InboundVideoStat[]>;
  /** Layers being encoded per local video source (the mesh sends one per peer and reports none). */
  outboundVideoStats(): Promise<OutboundVideoStat[]>;
  /** Audio level (0..1) per participant, the local one included when known. */
  audioLevels(): Promise<Map<string, number>>;
  close(): void;
}
