import type { UserMediaState } from "@huddle/protocol";

/** What a participant sends: one microphone, one camera, one screen share at most. */
export type TrackSource = "microphone" | "camera" | "screen";
export const TRACK_SOURCES: readonly TrackSource[] = ["microphone", "camera", "screen"];

/** The `media-state` flags: what a participant currently sends (for badges, in any call mode). */
export type MediaFlags = Omit<UserMediaState, "user">;

export type SourceTracks = Record<TrackSource, MediaStreamTrack | null>;

export function noTracks(): SourceTracks {
  return { microphone: null, camera: null, screen: null };
}

/** The state of the media path to one participant (mesh: their peer connection; SFU: ours). */
export type LinkState = "connecting" | "connected" | "failed";

/** Video decoding progress of one remote track (the tests watch `framesDecoded`). */
export interface InboundVideoStat {
  user: string;
  source: TrackSource;
  framesDecoded: number;
  /** The height of the frames decoded now (the SFU's layer we receive; 0 before the first). */
  frameHeight?: number;
}

/** Audio arriving from one remote participant: the tests watch `packetsReceived` stop when muted. */
export interface InboundAudioStat {
  user: string;
  packetsReceived: number;
  /** Our consumer is paused (the producer was paused on the media node; never in the mesh). */
  paused: boolean;
}

/** What one local video source is sending: how many encodings (simulcast layers) carry frames, how tall. */
export interface OutboundVideoStat {
  source: TrackSource;
  layers: number;
  /** The tallest frame being encoded now (0 before the first). */
  frameHeight: number;
  /** The height of the frames the capture delivers to the encoder (`media-source`; 0 unknown). */
  sourceHeight: number;
  /** SFU: whether each encoding (simulcast layer, lowest first) is on (dynacast turns unwanted ones off). */
  active?: boolean[];
}

export type CallMode = "mesh" | "sfu";
