import { type NodeEvent, type NodeEventsBatch, nodeEventsPath, signedFetch } from "@huddle/protocol";
import type { Logger } from "../log.ts";
import { EventBatcher } from "./event-batcher.ts";

export type EdgeEventsOptions = {
  /** MEDIA_NODE_EDGE_URL. */
  edgeUrl: string;
  secret: string;
  /** The URL this node announces (the edge acts only on rooms placed there); known once it listens. */
  nodeUrl: () => string | undefined;
  /** MEDIA_NODE_EVENTS_FLUSH_MS: how long an event waits for others to share its batch. */
  flushMs: number;
  log: Logger;
  /** Per batch; a slower edge loses the batch. */
  timeoutMs?: number;
};

/**
 * Pushes the node's events to the edge: batched (EventBatcher), signed POST
 * {edge}/v1/media-nodes/events. Delivery is best effort by design: a batch that fails is logged
 * (once per outage) and dropped, never retried, since a score or a speaker is stale by then and
 * the edge's periodic probe of the room finds closed producers anyway.
 */
export class EdgeEvents {
  readonly #options: EdgeEventsOptions;
  readonly #url: URL;
  readonly #batcher: EventBatcher;
  readonly #abort = new AbortController();
  #failing = false;

  constructor(options: EdgeEventsOptions) {
    this.#options = options;
    this.#url = new URL(nodeEventsPath, options.edgeUrl);
    this.#batcher = new EventBatcher({
      flushMs: options.flushMs,
      send: (events) => this.#send(events),
      onDropped: (count) => options.log.warn("node events dropped: too many waiting for the edge", { count }),
    });
  }

  push(event: NodeEvent): void {
    this.#batcher.push(event);
  }

  /** Sends what waits now; resolves once it was sent or given up. */
  flush(): Promise<void> {
    return this.#batcher.flush();
  }

  /** Sends what waits (bounded by the timeout), then stops. */
  async close(): Promise<void> {
    await this.#batcher.close();
    this.#abort.abort();
  }

  async #send(events: NodeEvent[]): Promise<void> {
    const { log } = this.#options;
    const nodeUrl = this.#options.nodeUrl();
    if (nodeUrl === undefined) return;
    let failure: string | undefined;
    try {
      const body: NodeEventsBatch = { nodeUrl, events };
      const response = await signedFetch(this.#options.secret, this.#url, {
        method: "POST",
        json: body,
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#options.timeoutMs ?? 5000)]),
      });
      const text = await response.text();
      if (!response.ok) failure = `HTTP ${response.status} ${text.slice(0, 200)}`;
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    if (failure === undefined) {
      if (this.#failing) log.info("node events reach the edge again");
      this.#failing = false;
      return;
    }
    if (!this.#failing)
      log.warn("node events could not be delivered; dropping them", { failure, events: events.length });
    this.#failing = true;
  }
}
