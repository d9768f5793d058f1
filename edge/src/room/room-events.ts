import type { Permissions, RecordingManifest, TrackSource } from "@huddle/protocol";

/** A participant as a room event describes it. */
export interface ParticipantSnapshot {
  /** The username: the token's identity (`sub`) when there is one. */
  user: string;
  name?: string | undefined;
  metadata?: string | undefined;
  /** When it joined (ms since epoch). */
  joinedAt: number;
  permissions: Permissions;
}

/** A published track as a room event describes it. */
export interface TrackSnapshot {
  /** The producer's id on the media node. */
  id: string;
  kind: "audio" | "video";
  source: TrackSource;
  paused: boolean;
}

/** What happened in a room, for the deployer's backend (webhooks). Hidden participants are included. */
export type RoomEvent =
  | { kind: "room-started" }
  | { kind: "room-finished" }
  | { kind: "participant-joined"; participant: ParticipantSnapshot }
  | { kind: "participant-left"; participant: ParticipantSnapshot }
  | { kind: "track-published"; participant: ParticipantSnapshot; track: TrackSnapshot }
  | { kind: "track-unpublished"; participant: ParticipantSnapshot; track: TrackSnapshot }
  /** A recording is composed (and uploaded when configured): its final manifest, from the media node. */
  | { kind: "recording-finished"; manifest: RecordingManifest };

/**
 * Where a room reports its events. `emit` returns at once and never throws: delivery (webhooks,
 * with retries through the room's alarm) must never delay or break the room.
 */
export interface RoomEvents {
  emit(event: RoomEvent): void;
}

/** No webhooks configured: events go nowhere. */
export const noRoomEvents: RoomEvents = { emit: () => {} };

/** Every event to each sink, in order; one sink's failure does not keep it from the others. */
export function allRoomEvents(...sinks: RoomEvents[]): RoomEvents {
  return {
    emit(event) {
      for (const sink of sinks) {
        try {
          sink.emit(event);
        } catch (error) {
          console.error(`room: an event sink failed on ${event.kind}:`, error);
        }
      }
    },
  };
}
