import type { ClientMessage, ClientMessageType } from "@huddle/protocol";
import type { Config } from "../config.ts";
import type { SocketAttachment } from "./attachment.ts";
import type { Roster } from "./roster.ts";
import type { SfuHandler } from "./sfu.ts";

/** What a message handler may use: the room's settings, its participants, the media side. */
export interface RoomContext {
  readonly config: Config;
  readonly roster: Roster;
  readonly sfu: SfuHandler;
  /** Runs the room's alarm at (or before) `at` (ms since epoch). */
  readonly wakeAt: (at: number) => Promise<void>;
}

/** The socket a message came from, joined or not. */
export interface Sender {
  readonly ws: WebSocket;
  readonly attachment: SocketAttachment;
}

/** The client message of one `type`. */
export type MessageOf<T extends ClientMessageType> = Extract<ClientMessage, { type: T }>;
