import { DurableObject } from "cloudflare:workers";
import {
  CLOSE_JOIN_TIMEOUT,
  type ClientMessage,
  errorMessage,
  JOIN_TIMEOUT_MS,
  PING_FRAME,
  PONG_FRAME,
  parseClientMessage,
} from "@huddle/protocol";
import { type Config, readConfig } from "../config.ts";
import type { Env } from "../env.ts";
import { jsonError } from "../http.ts";
import { REGISTRY_NAME } from "../media/registry.ts";
import { isJoined, newAttachment, readAttachment, type SocketAttachment, writeAttachment } from "./attachment.ts";
import { closeQuietly, send } from "./broadcast.ts";
import type { RoomContext } from "./context.ts";
import { meshOnly } from "./mesh-only.ts";
import { RateLimiter } from "./rate-limit.ts";
import { requestIdOf } from "./request-id.ts";
import { isSfuMessage, type RoomMedia } from "./room-media.ts";
import { type Member, Roster } from "./roster.ts";
import { SerialQueue } from "./serial-queue.ts";
import { SfuMedia } from "./sfu/sfu-media.ts";
import { chat, depart, join, leave, mediaState, relay } from "./signaling.ts";

/** Close code for a socket the room cannot serve (unreadable identity). */
const CLOSE_INTERNAL = 1011;

/** What a running instance keeps in memory; rebuilt from the sockets after every wake-up. */
interface Live extends RoomContext {
  readonly limiter: RateLimiter;
  /** Sockets whose close/error (or join timeout) was seen by this instance: close and error may both arrive. */
  readonly gone: Set<string>;
  /** Joins, leaves and departures, one at a time in arrival order (see signaling.ts). */
  readonly membership: SerialQueue;
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
    const { roster, unusable } = Roster.fromSockets(this.ctx.getWebSockets());
    for (const ws of unusable) closeQuietly(ws, CLOSE_INTERNAL, "unreadable socket state");
    const gone = new Set<string>();
    const wakeAt = (at: number) => this.wakeAt(at);
    this.live = {
      roomId,
      config,
      roster,
      media: this.mediaFor(roomId, roster, config),
      closing: (sid) => gone.has(sid),
      wakeAt,
      limiter: new RateLimiter(config.rateBurst, config.ratePerSecond),
      gone,
      membership: new SerialQueue(),
    };
    return this.live;
  }

  /** The media side: delegated to media nodes when a secret is configured, else every room is peer-to-peer. */
  private mediaFor(roomId: string, roster: Roster, config: Config): RoomMedia {
    if (config.media === undefined) return meshOnly;
    return new SfuMedia({
      roomId,
      roster,
      sql: this.ctx.storage.sql,
      registry: this.env.MEDIA_REGISTRY.get(this.env.MEDIA_REGISTRY.idFromName(REGISTRY_NAME)),
      media: config.media,
      wakeAt: (at) => this.wakeAt(at),
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
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const ws of this.ctx.getWebSockets()) {
      const attachment = readAttachment(ws);
      if (attachment === undefined || isJoined(attachment)) continue;
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
    await room.media.check();
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
        const member = memberOf(room, readAttachment(ws));
        return member === undefined ? notJoined(ws, message) : leave(room, member, message);
      });
    }
    const member = memberOf(room, attachment);
    if (member === undefined) return notJoined(ws, message);
    if (isSfuMessage(message)) return room.media.handle(member, message);
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

  override async webSocketClose(ws: WebSocket, code: number, _reason: string, _wasClean: boolean): Promise<void> {
    await this.disconnect(ws);
    // Completes the closing handshake (a no-op where the runtime already replied).
    closeQuietly(ws, code >= 3000 && code <= 4999 ? code : 1000, "closed");
  }

  override async webSocketError(ws: WebSocket, _error: unknown): Promise<void> {
    await this.disconnect(ws);
  }

  /** A socket closed or failed: it counts as leave-room, exactly once, after any membership change queued before. */
  private async disconnect(ws: WebSocket): Promise<void> {
    const room = this.room();
    const attachment = readAttachment(ws);
    if (attachment === undefined || room.gone.has(attachment.sid)) return;
    // Seen at once (a join in progress for this socket checks it), handled in turn.
    room.gone.add(attachment.sid);
    room.limiter.forget(attachment.sid);
    await room.membership.run(async () => {
      const current = readAttachment(ws);
      if (current === undefined || !isJoined(current)) return;
      const holder = room.roster.get(current.username);
      // Someone else holds the name now: this socket's membership already ended.
      if (holder !== undefined && holder.attachment.sid !== current.sid) return;
      // After a wake-up the closing socket is not among ctx.getWebSockets(), so not in the rebuilt roster.
      await depart(room, holder ?? { ws, attachment: current });
    });
  }
}

/** The roster entry of this socket, if it is joined. */
function memberOf(room: Live, attachment: SocketAttachment | undefined): Member | undefined {
  if (attachment?.username === undefined) return undefined;
  const member = room.roster.get(attachment.username);
  return member?.attachment.sid === attachment.sid ? member : undefined;
}

function notJoined(ws: WebSocket, message: ClientMessage): void {
  send(ws, errorMessage("not-joined", `${message.type}: join the room first`, message.requestId));
}
