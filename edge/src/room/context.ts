import type { ClientMessage, ClientMessageType } from "@huddle/protocol";
import type { Config } from "../config.ts";
import type { RoomMedia } from "./room-media.ts";
import type { Roster } from "./roster.ts";

/** What a signaling handler may use: the room's id and settings, its participants, the media side. */
export interface RoomContext {
  /** The room's id, canonical (lower case): the name its Durable Object was created with. */
  readonly roomId: string;
  readonly config: Config;
  readonly roster: Roster;
  readonly media: RoomMedia;
  /** Whether socket `sid` has closed (its departure may still be queued). */
  readonly closing: (sid: string) => boolean;
  /** Runs the room's alarm at (or before) `at` (ms since epoch). */
  readonly wakeAt: (at: number) => Promise<void>;
}

/** The client message of one `type`. */
export type MessageOf<T extends ClientMessageType> = Extract<ClientMessage, { type: T }>;
