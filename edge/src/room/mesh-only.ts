import { errorMessage } from "@huddle/protocol";
import { send } from "./broadcast.ts";
import type { RoomMedia } from "./room-media.ts";

/** No media node is configured (or the room is peer-to-peer): every room is peer-to-peer and every SFU message gets `media-unavailable`. */
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
  producer: () => undefined,
  tracksOf: () => [],
  // Peer-to-peer media flows between browsers: `participant-muted` and grants bind the clients.
  muteSource: async () => {},
  enforce: async () => {},
  node: () => undefined,
  // No node serves a peer-to-peer room: whatever a node says about it is not ours.
  nodeEvents: (_nodeUrl, events) => ({ applied: 0, ignored: events.length }),
  welcome: () => {},
  placementEpoch: () => undefined,
  recordingChanged: () => {},
};
