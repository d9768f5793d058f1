import { z } from "zod";

/**
 * What a participant may publish, by LiveKit's names (`canPublishSources`): a join token minted
 * by LiveKit's tools restricts sources with exactly these strings.
 */
export const TRACK_SOURCES = ["camera", "microphone", "screen_share", "screen_share_audio"] as const;
export const TrackSource = z.enum(TRACK_SOURCES);
export type TrackSource = z.infer<typeof TrackSource>;

/**
 * The `video` claim of a join token, as LiveKit's `VideoGrant`: the fields this server reads
 * (any other field is ignored). Absent booleans take LiveKit's defaults (see `permissionsOf`).
 */
export const VideoGrant = z.object({
  room: z.string().max(256).optional(),
  roomJoin: z.boolean().optional(),
  roomList: z.boolean().optional(),
  roomCreate: z.boolean().optional(),
  roomAdmin: z.boolean().optional(),
  roomRecord: z.boolean().optional(),
  canPublish: z.boolean().optional(),
  canSubscribe: z.boolean().optional(),
  canPublishData: z.boolean().optional(),
  canPublishSources: z.array(z.string().max(64)).max(16).optional(),
  canUpdateOwnMetadata: z.boolean().optional(),
  hidden: z.boolean().optional(),
  recorder: z.boolean().optional(),
});
export type VideoGrant = z.infer<typeof VideoGrant>;

/**
 * What a participant may do in a room, resolved from its token (or the open-room defaults) and
 * changed live by a moderator (`update-participant`). The server checks every message against it.
 */
export const Permissions = z.object({
  canPublish: z.boolean(),
  canSubscribe: z.boolean(),
  canPublishData: z.boolean(),
  /** The sources `canPublish` covers; absent: every source. */
  canPublishSources: z.array(TrackSource).max(TRACK_SOURCES.length).optional(),
  roomAdmin: z.boolean(),
  /** Not listed to others and cannot publish (recorders, bots). */
  hidden: z.boolean(),
  /** May start and stop a recording (LiveKit's `roomRecord`). */
  roomRecord: z.boolean(),
});
export type Permissions = z.infer<typeof Permissions>;

/** A room without API keys (local development): everyone publishes, subscribes and chats; nobody moderates. */
export const OPEN_ROOM_PERMISSIONS: Permissions = Object.freeze({
  canPublish: true,
  canSubscribe: true,
  canPublishData: true,
  roomAdmin: false,
  hidden: false,
  roomRecord: false,
});

/** A token's grant with LiveKit's defaults: publish, subscribe and data are allowed unless set false. */
export function permissionsOf(grant: VideoGrant): Permissions {
  const sources = grant.canPublishSources?.filter((source): source is TrackSource =>
    (TRACK_SOURCES as readonly string[]).includes(source),
  );
  const permissions: Permissions = {
    canPublish: grant.canPublish ?? true,
    canSubscribe: grant.canSubscribe ?? true,
    canPublishData: grant.canPublishData ?? true,
    roomAdmin: grant.roomAdmin ?? false,
    hidden: grant.hidden ?? false,
    roomRecord: grant.roomRecord ?? false,
  };
  // LiveKit: an empty or absent list means every source.
  if (sources !== undefined && sources.length > 0) permissions.canPublishSources = [...new Set(sources)];
  return permissions;
}

/**
 * The source of a track, from its kind and `appData.source`: LiveKit's names are taken as they
 * are, this project's web client says "screen" for a screen share (video, or its audio); anything
 * else counts as the camera (video) or the microphone (audio), so no label escapes a grant.
 */
export function trackSourceOf(kind: "audio" | "video", appDataSource: unknown): TrackSource {
  if (kind === "video") {
    return appDataSource === "screen" || appDataSource === "screen_share" ? "screen_share" : "camera";
  }
  return appDataSource === "screen" || appDataSource === "screen_share_audio" ? "screen_share_audio" : "microphone";
}

/** Whether `permissions` allow publishing `source`. */
export function mayPublish(permissions: Permissions, source: TrackSource): boolean {
  if (!permissions.canPublish || permissions.hidden) return false;
  return permissions.canPublishSources === undefined || permissions.canPublishSources.includes(source);
}
