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
}

/** What one local video source is sending: how many encodings (simulcast layers) carry frames. */
export interface OutboundVideoStat {
  source: TrackSource;
  layers: number;
}

export type CallMode = "mesh" | "sfu";
