/** HTTP error codes of the edge (HTTP only; WebSocket errors use the protocol's ErrorCode). */
export type HttpErrorCode =
  | "invalid-room-id"
  | "upgrade-required"
  | "forbidden-origin"
  | "room-full"
  | "not-found"
  | "config-invalid"
  | "internal";

/** `{ "error": { "code", "message" } }` with the given status. */
export function jsonError(status: number, code: HttpErrorCode, message: string, headers?: HeadersInit): Response {
  return Response.json({ error: { code, message } }, { status, headers });
}
