import type { Permissions, TrackSource } from "@huddle/protocol";
import type { WebhookEvent, WebhookEventName, WebhookTrackSource } from "@huddle/protocol/access";
import type { ParticipantSnapshot, RoomEvent, TrackSnapshot } from "./room-events.ts";

/** The room as a webhook names it: one `sid` per session, from room_started to room_finished. */
export interface RoomSession {
  sid: string;
  name: string;
  /** When the session started (ms since epoch). */
  createdAt: number;
  numParticipants: number;
}

const NAMES: Record<RoomEvent["kind"], WebhookEventName> = {
  "room-started": "room_started",
  "room-finished": "room_finished",
  "participant-joined": "participant_joined",
  "participant-left": "participant_left",
  "track-published": "track_published",
  "track-unpublished": "track_unpublished",
  "recording-finished": "recording_finished",
};

const SOURCES: Record<TrackSource, WebhookTrackSource> = {
  camera: "CAMERA",
  microphone: "MICROPHONE",
  screen_share: "SCREEN_SHARE",
  screen_share_audio: "SCREEN_SHARE_AUDIO",
};

const seconds = (ms: number) => String(Math.floor(ms / 1000));

/** A room event as LiveKit's WebhookEvent (its JSON form), with a fresh `id`. */
export function webhookEventOf(event: RoomEvent, room: RoomSession, now: number): WebhookEvent {
  const out: WebhookEvent = {
    event: NAMES[event.kind],
    id: `EV_${crypto.randomUUID().replaceAll("-", "")}`,
    createdAt: seconds(now),
    room: {
      sid: room.sid,
      name: room.name,
      numParticipants: room.numParticipants,
      creationTime: seconds(room.createdAt),
      creationTimeMs: String(room.createdAt),
      metadata: "",
    },
  };
  if ("participant" in event) {
    out.participant = participantOf(event.participant, event.kind === "participant-left" ? "DISCONNECTED" : "ACTIVE");
  }
  if ("track" in event) out.track = trackOf(event.track);
  if ("manifest" in event) out.recording = { manifest: event.manifest };
  return out;
}

function participantOf(
  participant: ParticipantSnapshot,
  state: "ACTIVE" | "DISCONNECTED",
): NonNullable<WebhookEvent["participant"]> {
  return {
    sid: participantSid(participant),
    identity: participant.user,
    state,
    name: participant.name ?? "",
    metadata: participant.metadata ?? "",
    joinedAt: seconds(participant.joinedAt),
    joinedAtMs: String(participant.joinedAt),
    permission: permissionOf(participant.permissions),
  };
}

function permissionOf(permissions: Permissions): NonNullable<WebhookEvent["participant"]>["permission"] {
  return {
    canSubscribe: permissions.canSubscribe,
    canPublish: permissions.canPublish,
    canPublishData: permissions.canPublishData,
    // LiveKit: an empty list means every source.
    canPublishSources: (permissions.canPublishSources ?? []).map((source) => SOURCES[source]),
    hidden: permissions.hidden,
    recorder: false,
    canUpdateMetadata: false,
  };
}

function trackOf(track: TrackSnapshot): NonNullable<WebhookEvent["track"]> {
  return {
    sid: track.id,
    type: track.kind === "audio" ? "AUDIO" : "VIDEO",
    source: SOURCES[track.source],
    muted: track.paused,
  };
}

/**
 * A participant's `sid`: the same for its joined and left events, different for each membership
 * (the snapshot has no socket id; a name and a join time in ms make one membership).
 */
export function participantSid(participant: ParticipantSnapshot): string {
  return `PA_${participant.joinedAt.toString(36)}${fnv1a(participant.user)}`;
}

/** 32-bit FNV-1a of a string, as 7 base-36 digits. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36).padStart(7, "0");
}
