import { SignalingError } from "./errors.ts";

/** What to tell the person when joining fails, per error code. */
export function joinErrorText(error: unknown, roomId: string, username: string, edgeUrl: string): string {
  if (!(error instanceof SignalingError)) return "Something went wrong while joining. Please try again.";
  switch (error.code) {
    case "username-taken":
      return `Someone in “${roomId}” is already called “${username}”. Choose another name.`;
    case "room-full":
      return `The room “${roomId}” is full. Try again later or use another room.`;
    case "unauthorized":
      return "You are not allowed to join this room.";
    case "rate-limited":
      return "Too many attempts. Wait a moment and try again.";
    case "invalid-message":
    case "too-large":
    case "room-mismatch":
      return `The server did not accept this room or name: ${error.message}`;
    case "connection-failed":
    case "timeout":
      return `Could not reach the server (${edgeUrl}). Check your connection and try again.`;
    default:
      return `Could not join: ${error.message}`;
  }
}
