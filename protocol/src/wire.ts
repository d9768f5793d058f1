/**
 * Constants of the WebSocket transport itself, shared by the edge and every
 * client: where a room's socket lives and the keepalive frames.
 */

/** The route of a room's socket on the edge (Hono path syntax). */
export const ROOM_SOCKET_ROUTE = "/rooms/:roomId/ws";

/** The path of room `roomId`'s socket (the id percent-encoded). */
export function roomSocketPath(roomId: string): string {
  return `/rooms/${encodeURIComponent(roomId)}/ws`;
}

/** The room id in a socket path, still percent-encoded; undefined when `pathname` is no room socket. */
export function roomIdOfSocketPath(pathname: string): string | undefined {
  return /^\/rooms\/([^/]+)\/ws$/.exec(pathname)?.[1];
}

/**
 * Keepalive answered by the edge's runtime itself (`setWebSocketAutoResponse`), so it never
 * wakes a hibernated room and never counts against the rate limit. The match is on these exact
 * bytes; any other spelling reaches the room and is an unknown message type.
 */
export const PING_FRAME = '{"type":"ping","data":{}}';
export const PONG_FRAME = '{"type":"pong","data":{}}';
