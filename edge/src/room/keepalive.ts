/**
 * Keepalive answered by the runtime itself (`setWebSocketAutoResponse`), so it
 * never wakes a hibernated room and never counts against the rate limit. The
 * match is on these exact bytes; any other spelling reaches the room and is an
 * unknown message type.
 */
export const PING_FRAME = '{"type":"ping","data":{}}';
export const PONG_FRAME = '{"type":"pong","data":{}}';
