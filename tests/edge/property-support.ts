// What the property tests (room-properties, access/moderation-properties) share: settling a
// client and reading the room as it saw it.

import type { ServerMessage } from "@huddle/protocol";
import { expect } from "vitest";
import type { TestClient } from "./client.ts";

/** Resolves once everything the room sent `client` before a marker has arrived, or the room closed it. */
export async function settle(client: TestClient): Promise<void> {
  const closed = client.closedByServer().then(
    () => "closed",
    () => "timeout",
  );
  const synced = client.sync().then(
    () => "synced",
    () => "timeout",
  );
  if ((await Promise.race([closed, synced])) === "timeout") throw new Error("a socket neither answered nor closed");
}

/**
 * The room as a client sees it since its last `joined`, checking on the way that user-joined is
 * never sent for someone already present and user-left never for someone absent (so each happens
 * exactly once per arrival and departure).
 */
export function viewSinceLastJoined(
  inbox: ServerMessage[],
  where: string,
): { users: Set<string>; resume: string } | undefined {
  let view: { users: Set<string>; resume: string } | undefined;
  for (const m of inbox) {
    if (m.type === "joined") view = { users: new Set(m.data.users), resume: m.data.resume ?? "" };
    else if (m.type === "user-joined" && view !== undefined) {
      expect(view.users.has(m.data.user), `user-joined twice for ${m.data.user}: ${where}`).toBe(false);
      view.users.add(m.data.user);
    } else if (m.type === "user-left" && view !== undefined) {
      expect(view.users.has(m.data.user), `user-left for absent ${m.data.user}: ${where}`).toBe(true);
      view.users.delete(m.data.user);
    }
  }
  return view;
}
