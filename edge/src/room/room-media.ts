import { type ClientMessage, SFU_MESSAGE_TYPES, type SfuInfo } from "@huddle/protocol";
import type { Member } from "./roster.ts";

export type SfuMessageType = (typeof SFU_MESSAGE_TYPES)[number];
export type SfuMessage = Extract<ClientMessage, { type: SfuMessageType }>;

const sfuTypes: ReadonlySet<string> = new Set(SFU_MESSAGE_TYPES);

export function isSfuMessage(message: ClientMessage): message is SfuMessage {
  return sfuTypes.has(message.type);
}

/**
 * The media side of a room, as the Room uses it: either peer-to-peer only (`meshOnly`, when no
 * media node is configured) or delegated to a media node (`SfuMedia`).
 */
export interface RoomMedia {
  /**
   * Readies the media side for a member about to join. `opensCall` is true for the first member
   * of an empty room: that member decides for everyone whether the call goes through a media
   * node (SFU) or stays peer-to-peer (mesh), so a room never mixes the two. Resolves once no
   * placement change is in progress.
   */
  prepareJoin(opensCall: boolean): Promise<void>;
  /** A join that `prepareJoin` readied did not happen (its socket closed): frees what it made if nobody is left. */
  joinAbandoned(): Promise<void>;
  /** `joined.data.sfu` as of now; undefined when the room is peer-to-peer. */
  joinInfo(): SfuInfo | undefined;
  /** One SFU message from a joined member; replies and broadcasts are its own. */
  handle(member: Member, message: SfuMessage): Promise<void>;
  /** The member left the roster (leave-room or its socket closed): close its media. */
  memberLeft(member: Member): Promise<void>;
  /** The room's alarm fired: probe the media side. */
  check(): Promise<void>;
}
