// Baseline for tests/bench/edge-relay.ts: the least a Durable Object room can do in workerd —
// the wire messages of tests/bench/raw-ws-relay.ts (join-room, chat fan-out with a server-stamped
// `from`, webrtc-* relay to a target), hibernatable sockets like the Room, JSON in and out, no
// validation, no limits, no storage. Members are kept in memory and rebuilt from the sockets'
// attachments after a wake-up, so it measures the runtime's own cost per message and per send.
import { DurableObject } from "cloudflare:workers";

interface Env {
  ROOM: DurableObjectNamespace<MinimalRoom>;
}

interface Envelope {
  type?: string;
  data?: Record<string, unknown>;
  requestId?: string;
}

export class MinimalRoom extends DurableObject<Env> {
  private members: Map<string, WebSocket> | undefined;

  private roster(): Map<string, WebSocket> {
    if (this.members !== undefined) return this.members;
    const members = new Map<string, WebSocket>();
    for (const ws of this.ctx.getWebSockets()) {
      const name = ws.deserializeAttachment() as string | null;
      if (name !== null) members.set(name, ws);
    }
    this.members = members;
    return members;
  }

  override fetch(_request: Request): Response {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  override webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): void {
    const message = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw)) as Envelope;
    const data = message.data ?? {};
    const members = this.roster();
    const name = ws.deserializeAttachment() as string | null;
    if (message.type === "join-room") {
      const user = String(data.username);
      ws.serializeAttachment(user);
      members.set(user, ws);
      ws.send(JSON.stringify({ type: "joined", data: { users: [...members.keys()] }, requestId: message.requestId }));
      const announce = JSON.stringify({ type: "user-joined", data: { user } });
      for (const other of members.values()) if (other !== ws) other.send(announce);
    } else if (message.type === "chat-message" && name !== null) {
      const out = { type: "chat-message", data: { from: name, text: data.text, timestamp: new Date().toISOString() } };
      const frame = JSON.stringify(out);
      for (const other of members.values()) if (other !== ws) other.send(frame);
      ws.send(JSON.stringify({ ...out, requestId: message.requestId }));
    } else if (message.type?.startsWith("webrtc-") && name !== null) {
      const target = members.get(String(data.target));
      target?.send(
        JSON.stringify({ type: message.type, data: { from: name, target: data.target, payload: data.payload } }),
      );
    }
  }

  override webSocketClose(ws: WebSocket): void {
    const name = ws.deserializeAttachment() as string | null;
    if (name === null) return;
    const members = this.roster();
    if (members.get(name) === ws) members.delete(name);
    const frame = JSON.stringify({ type: "user-left", data: { user: name } });
    for (const other of members.values()) other.send(frame);
  }
}

export default {
  fetch(request: Request, env: Env): Response | Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/healthz") return Response.json({ ok: true });
    const room = /^\/rooms\/([^/]+)\/ws$/.exec(url.pathname)?.[1];
    if (room === undefined || request.headers.get("upgrade") !== "websocket")
      return new Response(null, { status: 404 });
    return env.ROOM.getByName(room).fetch(request);
  },
} satisfies ExportedHandler<Env>;
