import type { RoomEvent, RoomEvents } from "./room-events.ts";

/**
 * Keeps the room directory's count of this room current without ever making the room wait:
 * a change marks the count dirty, and one report at a time sends the count as it is then (so a
 * burst of joins costs one or two calls, and reports cannot arrive out of order).
 */
export class DirectoryReport implements RoomEvents {
  readonly #send: (count: number) => Promise<void>;
  readonly #count: () => number;
  #dirty = false;
  #sending = false;

  constructor(count: () => number, send: (count: number) => Promise<void>) {
    this.#count = count;
    this.#send = send;
  }

  emit(event: RoomEvent): void {
    if (event.kind === "participant-joined" || event.kind === "participant-left" || event.kind === "room-finished") {
      this.changed();
    }
  }

  changed(): void {
    this.#dirty = true;
    if (!this.#sending) void this.#flush();
  }

  async #flush(): Promise<void> {
    this.#sending = true;
    try {
      while (this.#dirty) {
        this.#dirty = false;
        try {
          await this.#send(this.#count());
        } catch (error) {
          console.warn(`room: reporting to the room directory failed: ${String(error)}`);
        }
      }
    } finally {
      this.#sending = false;
    }
  }
}
