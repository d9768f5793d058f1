import type { EventsResponse, MediaEvent } from "@huddle/protocol";

type Unsequenced<E> = E extends unknown ? Omit<E, "seq" | "at"> : never;
export type NewMediaEvent = Unsequenced<MediaEvent>;

/**
 * The node's feed of things that happened without the edge asking (a worker
 * died, DTLS failed, ...), numbered from 1. Keeps the newest `capacity`.
 */
export class EventLog {
  readonly capacity: number;
  #events: MediaEvent[] = [];
  #seq = 0;
  #listeners = new Set<(event: MediaEvent) => void>();

  constructor(capacity = 1000) {
    this.capacity = capacity;
  }

  get seq(): number {
    return this.#seq;
  }

  push(event: NewMediaEvent): MediaEvent {
    const full = { ...event, seq: ++this.#seq, at: new Date().toISOString() } as MediaEvent;
    this.#events.push(full);
    if (this.#events.length > this.capacity) this.#events.splice(0, this.#events.length - this.capacity);
    for (const listener of this.#listeners) listener(full);
    return full;
  }

  /** Events with `seq > since`, oldest first. */
  since(since: number): EventsResponse {
    const oldest = this.#events[0]?.seq ?? this.#seq + 1;
    const events = this.#events.filter((e) => e.seq > since);
    return { events, next: this.#seq, gap: since + 1 < oldest && since < this.#seq };
  }

  /** Recent events that concern one room. */
  forRoom(roomId: string, limit = 100): MediaEvent[] {
    const out = this.#events.filter((e) => "roomId" in e && e.roomId === roomId);
    return out.slice(-limit);
  }

  onEvent(listener: (event: MediaEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
