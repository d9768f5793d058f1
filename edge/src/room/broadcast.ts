import { encode, type ServerMessage } from "@huddle/protocol";
import type { Member } from "./roster.ts";

/** Sends one frame; a socket that is already closing is skipped (its close event does the cleanup). */
export function sendFrame(ws: WebSocket, frame: string): boolean {
  try {
    ws.send(frame);
    return true;
  } catch {
    return false;
  }
}

export function send(ws: WebSocket, message: ServerMessage): boolean {
  return sendFrame(ws, encode(message));
}

/** Sends `message` to every member but the socket `exceptSid`; encodes once. Returns the number of deliveries. */
export function fanOut(members: Iterable<Member>, message: ServerMessage, exceptSid?: string): number {
  const frame = encode(message);
  let delivered = 0;
  for (const member of members) {
    if (member.attachment.sid === exceptSid) continue;
    if (sendFrame(member.ws, frame)) delivered++;
  }
  return delivered;
}

/** Closes a socket; one that is already closed is fine. */
export function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // already closed
  }
}
