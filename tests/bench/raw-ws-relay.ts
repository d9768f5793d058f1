// Baseline for tests/bench/edge-relay.ts: the least a WebSocket relay can do in
// Node with `ws` — the same wire messages as the edge (join-room, chat fan-out
// with a server-stamped `from`, webrtc-* relay to a target), JSON in and out,
// no validation, no limits, no persistence.
//   node tests/bench/raw-ws-relay.ts <port>     (prints "ready <port>" when listening)
import { type WebSocket, WebSocketServer } from "ws";

interface Peer {
  ws: WebSocket;
  room: string;
  name: string | undefined;
}

interface Envelope {
  type?: string;
  data?: Record<string, unknown>;
  requestId?: string;
}

export function startRawRelay(port: number, host = "127.0.0.1"): Promise<WebSocketServer> {
  const rooms = new Map<string, Map<string, Peer>>();
  const server = new WebSocketServer({ host, port, perMessageDeflate: false });
  server.on("connection", (ws, request) => {
    const room = /^\/rooms\/([^/]+)\/ws$/.exec(request.url ?? "")?.[1] ?? "default";
    const peer: Peer = { ws, room, name: undefined };
    ws.on("message", (raw) => {
      const message = JSON.parse(String(raw)) as Envelope;
      const data = message.data ?? {};
      const members = rooms.get(room) ?? new Map<string, Peer>();
      rooms.set(room, members);
      if (message.type === "join-room") {
        peer.name = String(data.username);
        members.set(peer.name, peer);
        const joined = {
          type: "joined",
          data: { roomId: room, users: [...members.keys()] },
          requestId: message.requestId,
        };
        ws.send(JSON.stringify(joined));
        const announce = JSON.stringify({ type: "user-joined", data: { user: peer.name } });
        for (const other of members.values()) if (other !== peer) other.ws.send(announce);
      } else if (message.type === "chat-message" && peer.name !== undefined) {
        const out = {
          type: "chat-message",
          data: { from: peer.name, text: data.text, timestamp: new Date().toISOString() },
        };
        const frame = JSON.stringify(out);
        for (const other of members.values()) if (other !== peer) other.ws.send(frame);
        ws.send(JSON.stringify({ ...out, requestId: message.requestId }));
      } else if (message.type?.startsWith("webrtc-") && peer.name !== undefined) {
        const target = members.get(String(data.target));
        const out = { type: message.type, data: { from: peer.name, target: data.target, payload: data.payload } };
        target?.ws.send(JSON.stringify(out));
      }
    });
    ws.on("close", () => {
      if (peer.name === undefined) return;
      const members = rooms.get(room);
      members?.delete(peer.name);
      const frame = JSON.stringify({ type: "user-left", data: { user: peer.name } });
      for (const other of members?.values() ?? []) other.ws.send(frame);
    });
  });
  return new Promise((resolve, reject) => {
    server.once("listening", () => resolve(server));
    server.once("error", reject);
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] ?? "0");
  if (!Number.isInteger(port) || port < 0) {
    console.error("usage: node tests/bench/raw-ws-relay.ts [port] (0 or none: any free port)");
    process.exit(2);
  }
  const server = await startRawRelay(port);
  const address = server.address();
  console.log(`ready ${typeof address === "object" && address !== null ? address.port : port}`);
}
