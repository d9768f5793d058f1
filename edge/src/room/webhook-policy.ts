/** How a room delivers its webhooks: time limit, parallelism, retries, size of the outbox. */

/** One POST's time limit. */
export const WEBHOOK_TIMEOUT_MS = 5_000;
/** POSTs in flight at once in one delivery round. */
export const WEBHOOK_CONCURRENCY = 4;
/** Retry delays: 1 s, 2 s, 4 s … capped here. */
export const WEBHOOK_MAX_BACKOFF_MS = 5 * 60_000;
/** Attempts of one delivery before it is dropped (logged). */
export const WEBHOOK_MAX_ATTEMPTS = 10;
/** Deliveries a room keeps waiting; past it the oldest are dropped (logged). */
export const WEBHOOK_OUTBOX_LIMIT = 1000;

/** The delay before attempt `attempts + 1`, after `attempts` failures. */
export function backoffMs(attempts: number): number {
  return Math.min(WEBHOOK_MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, attempts - 1));
}
