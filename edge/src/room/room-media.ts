import {
  type AppData,
  type ClientMessage,
  type MediaKind,
  type NodeEvent,
  type NodeEventsOutcome,
  type Permissions,
  SFU_MESSAGE_TYPES,
  type SfuInfo,
  type TrackSource,
} from "@huddle/protocol";
import type { MediaNodeClient } from "../media/node-client.ts";
import type { TrackSnapshot } from "./room-events.ts";
import type { Member } from "./roster.ts";

/** A producer as the room's grant checks see it. */
export interface ProducerOwner {
  sid: string;
  kind: MediaKind;
  appData: AppData | undefined;
}

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
  /** Who owns producer `id`, and what it sends. */
  producer(id: string): ProducerOwner | undefined;
  /** What socket `sid` publishes now. */
  tracksOf(sid: string): TrackSnapshot[];
  /**
   * A moderator muted `member`'s `source`: its producers of it are paused on the node, and
   * everyone (the member included) gets `producer-paused`.
   */
  muteSource(member: Member, source: TrackSource): Promise<void>;
  /**
   * `member`'s grants changed: producers of sources it may no longer publish are closed
   * (everyone gets `producer-closed`), and without canSubscribe its consumers are paused.
   */
  enforce(member: Member, permissions: Permissions): Promise<void>;
  /** The media node serving the room now (recording), or undefined when none does. */
  node(): MediaNodeClient | undefined;
  /**
   * Events pushed by the media node at `nodeUrl` (edge/src/media/node-events-route.ts): acted on
   * only when that node serves the room now and each event names objects the room holds.
   */
  nodeEvents(nodeUrl: string, events: readonly NodeEvent[]): NodeEventsOutcome;
  /** `member` was just sent `joined`: it is told what the others learnt from the node (speaker, qualities). */
  welcome(member: Member): void;
  /** The current placement's epoch (random per placement), or undefined when no node serves the room. */
  placementEpoch(): string | undefined;
  /** The room's copy of its recording changed (started or stopped): what publishers send may change. */
  recordingChanged(): void;
}
