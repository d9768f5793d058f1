import { type BatchCall, type BatchResult, MAX_BATCH_CALLS, MEDIA_API_MAX_BODY_BYTES } from "@huddle/protocol";
import type { CallBatcher } from "../../media/node-client.ts";

/** How one batch goes to the node, and how a call goes alone. */
export interface BatchSender {
  batch(calls: BatchCall[]): Promise<BatchResult[]>;
  single(call: BatchCall): Promise<BatchResult>;
}

export interface NodeCallBatcherOptions {
  /** Requests to the node in flight at once (default 1). */
  maxInFlight?: number;
  /** Calls per batch (default MAX_BATCH_CALLS). */
  maxCalls?: number;
  /** JSON bytes per batch body (default: a margin below the node's body limit). */
  maxBytes?: number;
  /**
   * Least time between two requests (default 0: none). Calls that come while the room's
   * requests are in flight already wait and go together; a gap would only delay the next call
   * of a client that asks one thing after another (a 10 ms gap made each of a joiner's
   * sequential calls wait about 8 ms, and a lone `consume` took 9 ms instead of 2.4).
   */
  minGapMs?: number;
}

type Queued = { call: BatchCall; size: number; resolve: (result: BatchResult) => void; reject: (e: unknown) => void };

/** Room for the envelope `{"calls":[...]}` and the commas between calls. */
const ENVELOPE_BYTES = 64;

/**
 * Every peer call of one room to its node goes through here: while `maxInFlight` requests are
 * out (or less than `minGapMs` after the last one left, when a gap is set), new calls wait, and
 * the next request carries all that waited (one `batch`; a lone call goes as itself). So however
 * many members ask at once — a storm of joins, each consuming everyone — the room's node sees a
 * number of requests bounded by its answers, not one per member per producer. An idle room's
 * call leaves at once.
 *
 * A batch that fails as a whole (unreachable, refused) fails each of its calls with that error;
 * the callers decide, as they would for a call of their own.
 */
export class NodeCallBatcher implements CallBatcher {
  readonly #send: BatchSender;
  readonly #maxInFlight: number;
  readonly #maxCalls: number;
  readonly #maxBytes: number;
  readonly #minGapMs: number;
  #queue: Queued[] = [];
  #inFlight = 0;
  #lastSentAt = Number.NEGATIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pumpQueued = false;
  /** Requests sent (batches and lone calls), and calls they carried. */
  requests = 0;
  calls = 0;

  constructor(send: BatchSender, options: NodeCallBatcherOptions = {}) {
    this.#send = send;
    this.#maxInFlight = options.maxInFlight ?? 1;
    this.#maxCalls = options.maxCalls ?? MAX_BATCH_CALLS;
    this.#maxBytes = options.maxBytes ?? Math.floor(MEDIA_API_MAX_BODY_BYTES * 0.9);
    this.#minGapMs = options.minGapMs ?? 0;
  }

  /**
   * Queues `call`; with `hold`, only once it settles. Calls whose holds settle together (the
   * room's ExpectedCalls releases a group at once) are queued in the same turn and go in one
   * request.
   */
  call(call: BatchCall, hold?: Promise<void>): Promise<BatchResult> {
    return new Promise((resolve, reject) => {
      const queued = { call, size: JSON.stringify(call).length + 1, resolve, reject };
      if (hold === undefined) {
        this.#queue.push(queued);
        this.#pump();
        return;
      }
      void hold.then(() => {
        this.#queue.push(queued);
        this.#pumpSoon();
      });
    });
  }

  /** Pumps after the other calls released in this turn are queued too (their callbacks run first). */
  #pumpSoon(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    queueMicrotask(() => {
      this.#pumpQueued = false;
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < this.#maxInFlight && this.#queue.length > 0 && this.#timer === undefined) {
      const wait = this.#lastSentAt + this.#minGapMs - Date.now();
      if (wait > 0) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.#pump();
        }, wait);
        return;
      }
      this.#lastSentAt = Date.now();
      const chunk = this.#take();
      this.#inFlight++;
      this.requests++;
      this.calls += chunk.length;
      void this.#deliver(chunk).finally(() => {
        this.#inFlight--;
        this.#pump();
      });
    }
  }

  /** The oldest waiting calls that fit one request (at least one). */
  #take(): Queued[] {
    let bytes = ENVELOPE_BYTES;
    let count = 0;
    for (const queued of this.#queue) {
      if (count > 0 && (count >= this.#maxCalls || bytes + queued.size > this.#maxBytes)) break;
      bytes += queued.size;
      count++;
    }
    return this.#queue.splice(0, count);
  }

  async #deliver(chunk: Queued[]): Promise<void> {
    try {
      const results =
        chunk.length === 1
          ? [await this.#send.single((chunk[0] as Queued).call)]
          : await this.#send.batch(chunk.map((queued) => queued.call));
      for (const [i, queued] of chunk.entries()) queued.resolve(results[i] as BatchResult);
    } catch (error) {
      for (const queued of chunk) queued.reject(error);
    }
  }
}
