import type { ClientMessage, ClientMessageType } from "@huddle/protocol";
import type { Config } from "../config.ts";
import type { AccessStore } from "./access-store.ts";
import type { AwayMembers } from "./away-members.ts";
import type { Lobby } from "./lobby.ts";
import type { RecordingState } from "./recording-state.ts";
import type { RoomEvents } from "./room-events.ts";
import type { RoomMedia } from "./room-media.ts";
import type { Roster } from "./roster.ts";

/** What a signaling handler may use: the room's id and settings, its participants and lobby, the media side. */
export interface RoomContext {
  /** The room's id, canonical (lower case): the name its Durable Object was created with. */
  readonly roomId: string;
  readonly config: Config;
  readonly roster: Roster;
  readonly media: RoomMedia;
  /** Who waits for a moderator to let them in. */
  readonly lobby: Lobby;
  /** The room's settings, removed tokens and members' metadata. */
  readonly access: AccessStore;
  /** The room's copy of whether its media node records it (docs/recording.md, "Consent"). */
  readonly recording: RecordingState;
  /** Where the room reports what happens (webhooks). */
  readonly events: RoomEvents;
  /** Members whose socket dropped, kept for the reconnect grace (away-members.ts). */
  readonly away: AwayMembers;
  /** Whether socket `sid` has closed (its departure may still be queued). */
  readonly closing: (sid: string) => boolean;
  /**
   * A new socket (`socketSid`, the id it opened with) took over membership `memberSid` (resume):
   * the socket-level bookkeeping of both ids starts afresh under `memberSid`.
   */
  readonly adopt: (socketSid: string, memberSid: string) => void;
  /** Runs the room's alarm at (or before) `at` (ms since epoch). */
  readonly wakeAt: (at: number) => Promise<void>;
}

/** The client message of one `type`. */
export type MessageOf<T extends ClientMessageType> = Extract<ClientMessage, { type: T }>;
