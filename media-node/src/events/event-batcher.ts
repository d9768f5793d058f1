import { MAX_NODE_EVENTS, type NodeEvent } from "@huddle/protocol";

/** Events kept waiting at most (the oldest go first when a slow edge lets more pile up). */
export const MAX_PENDING_EVENTS = 4 * MAX_NODE_EVENTS;

export type EventBatcherOptions = {
  /** How long the first event of a batch waits for company. */
  flushMs: number;
  /** Sends one batch; resolves when done (its failures are the sender's to log). */
  send: (events: NodeEvent[]) => Promise<void>;
  /** Told how many events were dropped because too many waited. */
  onDropped?: (count: number) => void;
};

/**
 * Collects node events into batches: a batch leaves `flushMs` after its first event, or at once
 * when MAX_NODE_EVENTS wait. Events that only report a current state (a score, a transport's
 * state, the active speaker) replace the one waiting for the same object, so a flapping score
 * costs one event per batch. Batches are sent one at a time, in order; what cannot be sent is
 * dropped by the sender (the edge's periodic probe still covers correctness).
 */
export class EventBatcher {
  readonly #options: EventBatcherOptions;
  /** Waiting events by coalescing key (insertion order is send order). */
  #pending = new Map<string, NodeEvent>();
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> = Promise.resolve();
  #unique = 0;
  #closed = false;

  constructor(options: EventBatcherOptions) {
    this.#options = options;
  }

  get pending(): number {
    return this.#pending.size;
  }

  push(event: NodeEvent): void {
    if (this.#closed) return;
    const key = coalescingKey(event) ?? `#${++this.#unique}`;
    this.#pending.delete(key);
    this.#pending.set(key, event);
    if (this.#pending.size > MAX_PENDING_EVENTS) {
      const excess = this.#pending.size - MAX_PENDING_EVENTS;
      const keys = [...this.#pending.keys()].slice(0, excess);
      for (const old of keys) this.#pending.delete(old);
      this.#options.onDropped?.(excess);
    }
    if (this.#pending.size >= MAX_NODE_EVENTS) void this.flush();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => void this.flush(), this.#options.flushMs);
      this.#timer.unref();
    }
  }

  /** Sends what waits now (after the batches already on their way); resolves when it was sent. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#pending.size > 0) {
      const batch = [...this.#pending.values()].slice(0, MAX_NODE_EVENTS);
      const keys = [...this.#pending.keys()].slice(0, batch.length);
      for (const key of keys) this.#pending.delete(key);
      this.#sending = this.#sending.then(() => this.#options.send(batch)).catch(() => undefined);
    }
    return this.#sending;
  }

  /** Sends what waits, then takes no more events. */
  close(): Promise<void> {
    const done = this.flush();
    this.#closed = true;
    return done;
  }
}

/** Events that only say "the state of X is now Y" share a key per X; others are all kept. */
function coalescingKey(event: NodeEvent): string | undefined {
  switch (event.type) {
    case "active-speaker":
      return `speaker:${event.roomId}`;
    case "producer-score":
      return `producer:${event.producerId}`;
    case "consumer-score":
      return `consumer:${event.consumerId}`;
    case "transport-state":
      return `transport:${event.transportId}`;
    default:
      return undefined;
  }
}
