import { errorMessage } from "@huddle/protocol";
import { send } from "./broadcast.ts";
import type { RoomMedia } from "./room-media.ts";

/** No media node is configured: every room is peer-to-peer and every SFU message gets `media-unavailable`. */
export const meshOnly: RoomMedia = {
  prepareJoin: async () => {},
  joinAbandoned: async () => {},
  joinInfo: () => undefined,
  handle: async (member, message) => {
    send(
      member.ws,
      errorMessage("media-unavailable", `${message.type}: no media node serves this room`, message.requestId),
    );
  },
  memberLeft: async () => {},
  check: async () => {},
};
