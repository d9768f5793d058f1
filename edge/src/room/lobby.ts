import type { LobbyEntry } from "@huddle/protocol";
import type { WaitingAttachment } from "./attachment.ts";
import { usernameKey } from "./username-key.ts";

/** A socket waiting for a moderator to let it in. */
export interface Waiter {
  readonly ws: WebSocket;
  attachment: WaitingAttachment;
}

/**
 * The sockets waiting in a room's lobby, in arrival order, found by the name they asked for (a
 * waiting name is reserved: look-alikes are one name). Like the Roster, an index over the
 * sockets' attachments, rebuilt after every wake-up.
 */
export class Lobby {
  readonly #waiters = new Map<string, Waiter>();

  constructor(waiters: readonly Waiter[] = []) {
    const sorted = [...waiters].sort((a, b) => a.attachment.waiting.since - b.attachment.waiting.since);
    for (const waiter of sorted) {
      if (!this.#waiters.has(usernameKey(waiter.attachment.waiting.username))) this.add(waiter);
    }
  }

  get size(): number {
    return this.#waiters.size;
  }

  get(username: string): Waiter | undefined {
    return this.#waiters.get(usernameKey(username));
  }

  /** The waiter of socket `sid`. */
  bySocket(sid: string): Waiter | undefined {
    for (const waiter of this.#waiters.values()) if (waiter.attachment.sid === sid) return waiter;
    return undefined;
  }

  add(waiter: Waiter): void {
    this.#waiters.set(usernameKey(waiter.attachment.waiting.username), waiter);
  }

  /** Removes `waiter` if that socket still holds its place. */
  remove(waiter: Waiter): boolean {
    const key = usernameKey(waiter.attachment.waiting.username);
    if (this.#waiters.get(key) !== waiter) return false;
    return this.#waiters.delete(key);
  }

  all(): Waiter[] {
    return [...this.#waiters.values()];
  }

  entries(): LobbyEntry[] {
    return this.all().map(({ attachment }) => {
      const entry: LobbyEntry = {
        user: attachment.waiting.username,
        since: new Date(attachment.waiting.since).toISOString(),
      };
      if (attachment.name !== undefined) entry.name = attachment.name;
      return entry;
    });
  }
}
