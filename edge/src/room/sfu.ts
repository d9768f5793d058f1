import { type ClientMessage, errorMessage, SFU_MESSAGE_TYPES, type SfuInfo } from "@huddle/protocol";
import { send } from "./broadcast.ts";
import type { RoomContext } from "./context.ts";
import type { Member } from "./roster.ts";

export type SfuMessageType = (typeof SFU_MESSAGE_TYPES)[number];
export type SfuMessage = Extract<ClientMessage, { type: SfuMessageType }>;

const sfuTypes: ReadonlySet<string> = new Set(SFU_MESSAGE_TYPES);

export function isSfuMessage(message: ClientMessage): message is SfuMessage {
  return sfuTypes.has(message.type);
}

/**
 * The media (SFU) half of a room. The Room calls it for every SFU message of a
 * joined member, for the `sfu` part of `joined`, and when a member leaves.
 */
export interface SfuHandler {
  /** `joined.data.sfu` for a new member, or undefined when no media node serves the room. */
  joinInfo(room: RoomContext, member: Member): Promise<SfuInfo | undefined>;
  /** One SFU message from a joined member; replies and broadcasts are its own. */
  handle(room: RoomContext, member: Member, message: SfuMessage): Promise<void>;
  /** The member left (or its socket closed): close its media. */
  memberLeft(room: RoomContext, member: Member): Promise<void>;
  /** The room's alarm fired: probe the media side. */
  check(room: RoomContext): Promise<void>;
}

/** No media node configured: every SFU message gets `media-unavailable`. */
export const noSfu: SfuHandler = {
  joinInfo: async () => undefined,
  handle: async (_room, member, message) => {
    send(
      member.ws,
      errorMessage("media-unavailable", `${message.type}: no media node serves this room`, message.requestId),
    );
  },
  memberLeft: async () => {},
  check: async () => {},
};
