import { DurableObject } from "cloudflare:workers";
import {
  CLOSE_JOIN_TIMEOUT,
  type ClientMessage,
  DROPPED_CLOSE_CODES,
  errorMessage,
  JOIN_TIMEOUT_MS,
  MODERATION_MESSAGE_TYPES,
  type NodeEvent,
  type NodeEventsOutcome,
  PING_FRAME,
  PONG_FRAME,
  parseClientMessage,
  type RecordingFinishedNotice,
  type RoomDetails,
  type RoomPreview,
} from "@huddle/protocol";
import { DIRECTORY_NAME } from "../api/room-directory.ts";
import { type Config, readConfig } from "../config.ts";
import type { Env } from "../env.ts";
import { jsonError } from "../http.ts";
import { REGISTRY_NAME } from "../media/registry.ts";
import { AccessStore } from "./access-store.ts";
import {
  isJoined,
  isWaiting,
  newAttachment,
  permissionsOf,
  readAttachment,
  type SocketAttachment,
  writeAttachment,
} from "./attachment.ts";
import { AwayMembers, awayMember } from "./away-members.ts";
import { closeQuietly, send } from "./broadcast.ts";
import type { RoomContext } from "./context.ts";
import { DirectoryReport } from "./directory-report.ts";
import { Lobby } from "./lobby.ts";
import { meshOnly } from "./mesh-only.ts";
import { type ModerationRequest, type ModerationType, moderate, type Outcome } from "./moderation.ts";
import { refusal } from "./permissions-check.ts";
import { handlePresence, isPresenceMessage, PresenceBuckets } from "./presence.ts";
import { RateLimiter } from "./rate-limit.ts";
import {
  changeRecording,
  checkRecording,
  isRecordingMessage,
  type RecordingAction,
  type RecordingOutcome,
  recordingRequest,
} from "./recording.ts";
import { RecordingState } from "./recording-state.ts";
import { RecordingStore, recordingFinished, roomRecordings, type StoredRecording } from "./recording-store.ts";
import { requestIdOf } from "./request-id.ts";
import { allRoomEvents, type ParticipantSnapshot, type RoomEvents } from "./room-events.ts";
import { isSfuMessage, type RoomMedia } from "./room-media.ts";
import { type Member, Roster } from "./roster.ts";
import { SerialQueue } from "./serial-queue.ts";
import { SfuMedia } from "./sfu/sfu-media.ts";
import {
  chat,
  depart,
  expireAway,
  join,
  keepAway,
  leave,
  mediaState,
  relay,
  snapshotOf,
  stopWaiting,
} from "./signaling.ts";
import { WebhookOutbox } from "./webhooks.ts";

/** Close code for a socket the room cannot serve (unreadable identity). */
const CLOSE_INTERNAL = 1011;

/** What a running instance keeps in memory; rebuilt from the sockets after every wake-up. */
interface Live extends RoomContext {
  readonly limiter: RateLimiter;
  /** Per-participant buckets of hands and reactions (presence.ts). */
  readonly presence: PresenceBuckets;
  /** Sockets whose close/error (or join timeout) was seen by this instance: close and error may both arrive. */
  readonly gone: Set<string>;
  /** Joins, leaves and departures, one at a time in arrival order (see signaling.ts). */
  readonly membership: SerialQueue;
  /** The webhooks' outbox (WEBHOOK_URLS set): `events` feeds it, the alarm delivers it. */
  readonly webhooks: WebhookOutbox | undefined;
}

/**
 * One room: its sockets are hibernatable, and each socket's attachment says
 * who it is. Nothing lives only in memory: after eviction the first event
 * rebuilds the roster from `ctx.getWebSockets()`.
 *
 * The Worker validated the room id and upgrade before forwarding here, and the
 * object is created by that id (`idFromName`), so `ctx.id.name` is the room's id.
 */
export class Room extends DurableObject<Env> {
  private live: Live | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
  }

  private room(): Live {
    if (this.live !== undefined) return this.live;
    const roomId = this.ctx.id.name;
    if (roomId === undefined) throw new Error("a Room is always created by name (idFromName)");
    const config: Config = readConfig(this.env);
    const away = new AwayMembers(this.ctx.storage.sql);
    const { roster, waiting, unusable } = Roster.fromSockets(this.ctx.getWebSockets(), away.all().map(awayMember));
    for (const ws of unusable) closeQuietly(ws, CLOSE_INTERNAL, "unreadable socket state");
    const gone = new Set<string>();
    const wakeAt = (at: number) => this.wakeAt(at);
    const access = new AccessStore(this.ctx.storage.sql);
    const directory = this.env.ROOM_DIRECTORY.getByName(DIRECTORY_NAME);
    const sql = this.ctx.storage.sql;
    const webhooks =
      config.webhooks &&
      new WebhookOutbox({ roomId, config: config.webhooks, sql, wakeAt, participants: () => roster.size });
    const events: RoomEvents = allRoomEvents(
      new DirectoryReport(
        () => roster.size,
        (count) => directory.report(roomId, count),
      ),
      ...(webhooks ? [webhooks] : []),
    );
    const snapshot = (member: Member) => snapshotOf({ access }, member);
    const limiter = new RateLimiter(config.rateBurst, config.ratePerSecond);
    const recording = new RecordingState(sql);
    this.live = {
      roomId,
      config,
      roster,
      lobby: new Lobby(waiting),
      access,
      recording,
      events,
      media: this.mediaFor(roomId, roster, config, events, snapshot, recording),
      away,
      closing: (sid) => gone.has(sid),
      adopt: (socketSid, memberSid) => {
        gone.delete(memberSid);
        limiter.forget(socketSid);
      },
      wakeAt,
      limiter,
      presence: new PresenceBuckets(roster),
      gone,
      membership: new SerialQueue(),
      webhooks,
    };
    return this.live;
  }

  /** The media side: delegated to media nodes when a secret is configured, else every room is peer-to-peer. */
  private mediaFor(
    roomId: string,
    roster: Roster,
    config: Config,
    events: RoomEvents,
    snapshot: (member: Member) => ParticipantSnapshot,
    recording: RecordingState,
  ): RoomMedia {
    if (config.media === undefined) return meshOnly;
    return new SfuMedia({
      roomId,
      roster,
      sql: this.ctx.storage.sql,
      registry: this.env.MEDIA_REGISTRY.get(this.env.MEDIA_REGISTRY.idFromName(REGISTRY_NAME)),
      media: config.media,
      wakeAt: (at) => this.wakeAt(at),
      events,
      snapshot,
      recording,
    });
  }

  /** Sets the room's alarm for `at`, unless it is already due sooner (one alarm serves every timer). */
  private async wakeAt(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  /** Closes sockets that never joined in time, then lets the media side probe its node. */
  override async alarm(): Promise<void> {
    const room = this.room();
    // Not awaited: a slow receiver must not hold up the rest of the alarm (the outbox re-arms it).
    void room.webhooks?.deliverDue();
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const ws of this.ctx.getWebSockets()) {
      const attachment = readAttachment(ws);
      // Members stay; so do sockets waiting in the lobby, until a moderator decides or they leave.
      if (attachment === undefined || isJoined(attachment) || isWaiting(attachment)) continue;
      const deadline = attachment.openedAt + JOIN_TIMEOUT_MS;
      if (deadline > now) {
        next = Math.min(next, deadline);
        continue;
      }
      room.gone.add(attachment.sid);
      room.limiter.forget(attachment.sid);
      closeQuietly(ws, CLOSE_JOIN_TIMEOUT, "no join-room in time");
    }
    if (next !== Number.POSITIVE_INFINITY) await this.wakeAt(next);
    await room.membership.run(() => expireAway(room, now));
    await room.media.check();
    await checkRecording(room);
  }

  /** A WebSocket upgrade for this room, already validated by the Worker (edge/src/index.ts). */
  override async fetch(_request: Request): Promise<Response> {
    const room = this.room();
    if (this.ctx.getWebSockets().length >= room.config.maxSockets) {
      return jsonError(503, "room-full", "the room has too many open connections");
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    const attachment = newAttachment();
    writeAttachment(server, attachment);
    await this.wakeAt(attachment.openedAt + JOIN_TIMEOUT_MS);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, frame: string | ArrayBuffer): Promise<void> {
    const room = this.room();
    const attachment = readAttachment(ws);
    if (attachment === undefined) return closeQuietly(ws, CLOSE_INTERNAL, "unreadable socket state");
    if (!room.limiter.allow(attachment.sid)) {
      const limit = `${room.config.rateBurst} messages, refilled at ${room.config.ratePerSecond}/s`;
      send(ws, errorMessage("rate-limited", `too many messages (limit: ${limit}); slow down`, requestIdOf(frame)));
      return;
    }
    const parsed = parseClientMessage(frame);
    if (!parsed.ok) return void send(ws, parsed.error);
    try {
      await this.dispatch(room, ws, attachment, parsed.message);
    } catch (error) {
      console.error(`room: ${parsed.message.type} failed:`, error);
      send(ws, errorMessage("internal", `${parsed.message.type} failed on the server`, parsed.message.requestId));
    }
  }

  private async dispatch(room: Live, ws: WebSocket, attachment: SocketAttachment, message: ClientMessage) {
    if (message.type === "join-room") return room.membership.run(() => join(room, ws, message));
    if (message.type === "leave-room") {
      return room.membership.run(() => {
        // Looked up in turn: a departure queued before this one may have removed the member.
        const current = readAttachment(ws);
        const waiter = current === undefined ? undefined : room.lobby.bySocket(current.sid);
        if (waiter !== undefined) return stopWaiting(room, waiter);
        const member = memberOf(room, current);
        return member === undefined ? notJoined(ws, message) : leave(room, member, message);
      });
    }
    const member = memberOf(room, attachment);
    if (member === undefined) return notJoined(ws, message);
    // Grants come before anything else, on every message.
    const refused = refusal(room, member, message);
    if (refused !== undefined) return void send(ws, errorMessage("unauthorized", refused, message.requestId));
    if (isModeration(message)) {
      return room.membership.run(async () => {
        // In turn: the moderator may have left (or lost the grant) while this waited.
        const current = memberOf(room, readAttachment(ws));
        if (current === undefined) return notJoined(ws, message);
        if (refusal(room, current, message) !== undefined) {
          return void send(
            ws,
            errorMessage("unauthorized", `${message.type}: you are no longer a moderator`, message.requestId),
          );
        }
        const outcome = await moderate(room, { member: current, requestId: message.requestId }, message);
        if (!outcome.ok) send(ws, errorMessage(outcome.code, outcome.message, message.requestId));
      });
    }
    if (isSfuMessage(message)) return room.media.handle(member, message);
    if (isRecordingMessage(message)) return recordingRequest(room, member, message);
    if (isPresenceMessage(message)) return handlePresence(room, room.presence, member, message);
    switch (message.type) {
      case "chat-message":
        return chat(room, member, message);
      case "webrtc-offer":
      case "webrtc-answer":
      case "webrtc-ice-candidate":
        return relay(room, member, message);
      case "media-state":
        return mediaState(room, member, message);
    }
  }

  /** The room API (edge/src/api/room-api.ts): who is in the room, what they send and may do. */
  details(): RoomDetails {
    const room = this.room();
    return {
      room: room.roomId,
      participants: [...room.roster.all()].map((member) => {
        const { attachment } = member;
        const metadata = room.access.metadata(attachment.sid);
        return {
          user: attachment.username,
          ...(attachment.name === undefined ? {} : { name: attachment.name }),
          ...(metadata === undefined ? {} : { metadata }),
          permissions: permissionsOf(attachment),
          joinedAt: new Date(attachment.joinedAt).toISOString(),
          tracks: room.media.tracksOf(attachment.sid),
        };
      }),
      settings: room.access.settings(),
      lobby: room.lobby.entries(),
    };
  }

  /** The room API's moderation: the same requests as a moderator's, in the same queue, by nobody in the room. */
  moderateByApi(request: ModerationRequest): Promise<Outcome> {
    const room = this.room();
    return room.membership.run(() => moderate(room, { member: undefined }, request));
  }

  /** The room API's recording start/stop (docs/recording.md), by nobody in the room. */
  recordingByApi(action: RecordingAction): Promise<RecordingOutcome> {
    return changeRecording(this.room(), action, undefined);
  }

  /** The room API's list of the room's recordings (stored finished ones and the node's), with the node of each. */
  recordingsByApi(): Promise<StoredRecording[]> {
    return roomRecordings(this.room(), this.recordingStore());
  }

  /** A media node's recording-finished notice (docs/recording.md): stored, the webhook sent the first time. */
  recordingFinished(notice: RecordingFinishedNotice): boolean {
    return recordingFinished(this.room(), this.recordingStore(), notice);
  }

  /** Events the media node at `nodeUrl` pushed about this room (edge/src/media/node-events-route.ts). */
  nodeEvents(nodeUrl: string, events: NodeEvent[]): NodeEventsOutcome {
    return this.room().media.nodeEvents(nodeUrl, events);
  }

  private recordings: RecordingStore | undefined;
  private recordingStore(): RecordingStore {
    this.recordings ??= new RecordingStore(this.ctx.storage.sql);
    return this.recordings;
  }

  /**
   * The lobby's room preview (edge/src/api/room-preview.ts): whether the room is being recorded
   * now, and the router's capabilities while a media node serves the room.
   */
  preview(): RoomPreview {
    const room = this.room();
    const recording = room.recording.current(room.media.placementEpoch());
    const sfu = room.media.joinInfo();
    return { roomId: room.roomId, recording, ...(sfu === undefined ? {} : { rtpCapabilities: sfu.rtpCapabilities }) };
  }

  override async webSocketClose(ws: WebSocket, code: number, _reason: string, _wasClean: boolean): Promise<void> {
    await this.disconnect(ws, DROPPED_CLOSE_CODES.includes(code));
    // Completes the closing handshake (a no-op where the runtime already replied).
    closeQuietly(ws, code >= 3000 && code <= 4999 ? code : 1000, "closed");
  }

  override async webSocketError(ws: WebSocket, _error: unknown): Promise<void> {
    await this.disconnect(ws, true);
  }

  /**
   * A socket closed or failed: it counts as leave-room, exactly once, after any membership change
   * queued before; one that `dropped` (DROPPED_CLOSE_CODES, an error) keeps its membership for
   * the reconnect grace first (`keepAway`).
   */
  private async disconnect(ws: WebSocket, dropped: boolean): Promise<void> {
    const room = this.room();
    const attachment = readAttachment(ws);
    if (attachment === undefined || room.gone.has(attachment.sid)) return;
    // Seen at once (a join in progress for this socket checks it), handled in turn.
    room.gone.add(attachment.sid);
    room.limiter.forget(attachment.sid);
    await room.membership.run(async () => {
      const current = readAttachment(ws);
      const waiter = current === undefined ? undefined : room.lobby.bySocket(current.sid);
      if (waiter !== undefined) return stopWaiting(room, waiter);
      if (current === undefined || !isJoined(current)) return;
      const holder = room.roster.get(current.username);
      // Someone else holds the name now: this socket's membership already ended.
      if (holder !== undefined && holder.attachment.sid !== current.sid) return;
      // After a wake-up the closing socket is not among ctx.getWebSockets(), so not in the rebuilt roster.
      const member = holder ?? { ws, attachment: current };
      await (dropped ? keepAway(room, member) : depart(room, member));
    });
  }
}

/** The roster entry of this socket, if it is joined. */
function memberOf(room: Live, attachment: SocketAttachment | undefined): Member | undefined {
  if (attachment?.username === undefined) return undefined;
  const member = room.roster.get(attachment.username);
  return member?.attachment.sid === attachment.sid ? member : undefined;
}

const moderationTypes: ReadonlySet<string> = new Set(MODERATION_MESSAGE_TYPES);

function isModeration(message: ClientMessage): message is Extract<ClientMessage, { type: ModerationType }> {
  return moderationTypes.has(message.type);
}

function notJoined(ws: WebSocket, message: ClientMessage): void {
  send(ws, errorMessage("not-joined", `${message.type}: join the room first`, message.requestId));
}
