import { type RoomPreview, RoomPreview as RoomPreviewSchema, roomPreviewPath } from "@huddle/protocol";

/**
 * Asks the edge what the lobby should tell a person before they join room `roomId`
 * (`POST /rooms/:roomId/preview`; docs/recording.md, "Consent"): whether it is being recorded.
 * `token` is the invite's join token (rooms with join tokens answer nothing without it).
 * Resolves null when the edge cannot say (unreachable, refused, an older edge without the route).
 */
export async function fetchRoomPreview(
  edgeUrl: string,
  roomId: string,
  token: string | undefined,
  signal?: AbortSignal,
): Promise<RoomPreview | null> {
  try {
    const response = await fetch(`${edgeUrl}${roomPreviewPath(roomId)}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(token === undefined ? {} : { token }),
      ...(signal === undefined ? {} : { signal }),
    });
    if (!response.ok) return null;
    const parsed = RoomPreviewSchema.safeParse(await response.json());
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
