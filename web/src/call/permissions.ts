import { type TrackSource as GrantSource, mayPublish, OPEN_ROOM_PERMISSIONS, type Permissions } from "@huddle/protocol";
import type { MediaFlags, TrackSource } from "./types.ts";

export { OPEN_ROOM_PERMISSIONS, type Permissions };

/** The grant (LiveKit's source name) that covers each of our sources. */
export const GRANT_SOURCE: Record<TrackSource, GrantSource> = {
  microphone: "microphone",
  camera: "camera",
  screen: "screen_share",
};

/** Our source for a grant's source; null for screen-share audio, which this client never sends. */
export function sourceOfGrant(source: GrantSource): TrackSource | null {
  switch (source) {
    case "microphone":
      return "microphone";
    case "camera":
      return "camera";
    case "screen_share":
      return "screen";
    default:
      return null;
  }
}

export function mayPublishSource(permissions: Permissions, source: TrackSource): boolean {
  return mayPublish(permissions, GRANT_SOURCE[source]);
}

/** What the call's controls offer under `permissions`: a control that is false is disabled. */
export interface ControlsState {
  microphone: boolean;
  camera: boolean;
  screen: boolean;
  chat: boolean;
  /** Moderator controls in the participant list (mute, remove, lobby, lock, end). */
  moderate: boolean;
  /** Start and stop recording (`roomAdmin` or `roomRecord`). */
  record: boolean;
}

export function controlsState(permissions: Permissions): ControlsState {
  return {
    microphone: mayPublishSource(permissions, "microphone"),
    camera: mayPublishSource(permissions, "camera"),
    screen: mayPublishSource(permissions, "screen"),
    chat: permissions.canPublishData && !permissions.hidden,
    moderate: permissions.roomAdmin,
    record: permissions.roomAdmin || permissions.roomRecord,
  };
}

/** `flags` with every source the grants do not allow turned off (what `media-state` may claim). */
export function allowedFlags(permissions: Permissions, flags: MediaFlags): MediaFlags {
  return {
    microphone: flags.microphone && mayPublishSource(permissions, "microphone"),
    camera: flags.camera && mayPublishSource(permissions, "camera"),
    screen: flags.screen && mayPublishSource(permissions, "screen"),
  };
}
