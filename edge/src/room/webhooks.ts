import { signWebhook, WEBHOOK_CONTENT_TYPE } from "@huddle/protocol/access";
import type { WebhookConfig } from "../config.ts";
import type { RoomEvent, RoomEvents } from "./room-events.ts";
import { type RoomSession, webhookEventOf } from "./webhook-events.ts";
import {
  backoffMs,
  WEBHOOK_CONCURRENCY,
  WEBHOOK_MAX_ATTEMPTS,
  WEBHOOK_OUTBOX_LIMIT,
  WEBHOOK_TIMEOUT_MS,
} from "./webhook-policy.ts";

export interface WebhookOutboxOptions {
  roomId: string;
  config: WebhookConfig;
  /** The room Durable Object's SQLite storage: the outbox survives hibernation and restarts. */
  sql: SqlStorage;
  /** Runs the room's alarm at (or before) `at`; the alarm calls `deliverDue`. */
  wakeAt: (at: number) => Promise<void>;
  /** Participants in the room now (the roster's size), for `room.numParticipants`. */
  participants: () => number;
  fetch?: typeof fetch;
  now?: () => number;
}

type Row = Record<string, SqlStorageValue>;

interface Delivery {
  seq: number;
  url: string;
  body: string;
  attempts: number;
}

/**
 * A room's webhooks (LiveKit's): `emit` stores one delivery per configured URL in the room's
 * SQLite storage and asks for the alarm; `deliverDue`, run from the alarm, POSTs what is due,
 * signed at the moment it is sent (so a retry carries a fresh signature), and retries failures
 * with exponential backoff. Nothing the room does waits for a receiver.
 */
export class WebhookOutbox implements RoomEvents {
  readonly #options: WebhookOutboxOptions;
  readonly #sql: SqlStorage;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  /** Deliveries being posted by this instance: a second `deliverDue` meanwhile leaves them alone. */
  readonly #inFlight = new Set<number>();

  constructor(options: WebhookOutboxOptions) {
    this.#options = options;
    this.#sql = options.sql;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#now = options.now ?? Date.now;
    this.#sql.exec(`
      CREATE TABLE IF NOT EXISTS webhook_outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL, body TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, due_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS webhook_outbox_due ON webhook_outbox (due_at);
      CREATE TABLE IF NOT EXISTS webhook_room (
        k INTEGER PRIMARY KEY CHECK (k = 1), sid TEXT NOT NULL, created_at INTEGER NOT NULL);
    `);
  }

  emit(event: RoomEvent): void {
    try {
      const now = this.#now();
      const body = JSON.stringify(webhookEventOf(event, this.#session(event, now), now));
      for (const url of this.#options.config.urls) {
        this.#sql.exec("INSERT INTO webhook_outbox (url, body, attempts, due_at) VALUES (?, ?, 0, ?)", url, body, now);
      }
      this.#trim();
      this.#options.wakeAt(now).catch((error: unknown) => console.error("webhooks: could not set the alarm:", error));
    } catch (error) {
      console.error(`webhooks: could not queue ${event.kind}:`, error);
    }
  }

  /** POSTs every due delivery (a few at a time), then sets the alarm for the next one. Never throws. */
  async deliverDue(): Promise<void> {
    try {
      const due = this.#sql
        .exec<Row>(
          "SELECT seq, url, body, attempts FROM webhook_outbox WHERE due_at <= ? ORDER BY seq LIMIT ?",
          this.#now(),
          WEBHOOK_OUTBOX_LIMIT,
        )
        .toArray()
        .map(toDelivery)
        .filter((delivery) => !this.#inFlight.has(delivery.seq));
      for (const delivery of due) this.#inFlight.add(delivery.seq);
      if (due.length > 0) {
        // Should this instance be evicted mid-way, the alarm comes back for what was not settled.
        await this.#options.wakeAt(this.#now() + WEBHOOK_TIMEOUT_MS + 1000);
      }
      let next = 0;
      const lane = async () => {
        for (let delivery = due[next++]; delivery !== undefined; delivery = due[next++]) {
          await this.#deliver(delivery);
          this.#inFlight.delete(delivery.seq);
        }
      };
      await Promise.all(Array.from({ length: Math.min(WEBHOOK_CONCURRENCY, due.length) }, lane));
      // Rows another round is still posting are not due again (that round sets the alarm after them).
      const row = this.#sql
        .exec<Row>(
          "SELECT MIN(due_at) AS at FROM webhook_outbox WHERE seq NOT IN (SELECT value FROM json_each(?))",
          JSON.stringify([...this.#inFlight]),
        )
        .one();
      if (row.at !== null) await this.#options.wakeAt(Number(row.at));
    } catch (error) {
      console.error("webhooks: delivery round failed:", error);
    }
  }

  /** One POST; the row is deleted when the receiver answers 2xx, rescheduled (or dropped) otherwise. */
  async #deliver(delivery: Delivery): Promise<void> {
    let failure: string;
    try {
      const { apiKey, apiSecret } = this.#options.config;
      const response = await this.#fetch(delivery.url, {
        method: "POST",
        headers: {
          "content-type": WEBHOOK_CONTENT_TYPE,
          authorization: await signWebhook(delivery.body, apiKey, apiSecret, this.#now()),
        },
        body: delivery.body,
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      await response.body?.cancel();
      if (response.ok) {
        this.#sql.exec("DELETE FROM webhook_outbox WHERE seq = ?", delivery.seq);
        return;
      }
      failure = `HTTP ${response.status}`;
    } catch (error) {
      failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    const attempts = delivery.attempts + 1;
    const what = `${eventName(delivery.body)} to ${delivery.url} (room ${this.#options.roomId})`;
    if (attempts >= WEBHOOK_MAX_ATTEMPTS) {
      console.error(`webhooks: giving up on ${what} after ${attempts} attempts; last: ${failure}`);
      this.#sql.exec("DELETE FROM webhook_outbox WHERE seq = ?", delivery.seq);
      return;
    }
    const delay = backoffMs(attempts);
    console.warn(`webhooks: ${what} failed (${failure}); attempt ${attempts + 1} in ${delay} ms`);
    this.#sql.exec(
      "UPDATE webhook_outbox SET attempts = ?, due_at = ? WHERE seq = ?",
      attempts,
      this.#now() + delay,
      delivery.seq,
    );
  }

  /** The room's session for `event`: started by room_started, ended by room_finished, made up when missing. */
  #session(event: RoomEvent, now: number): RoomSession {
    const stored = this.#sql.exec<Row>("SELECT sid, created_at FROM webhook_room").toArray()[0];
    let sid = stored === undefined ? undefined : String(stored.sid);
    let createdAt = stored === undefined ? now : Number(stored.created_at);
    if (sid === undefined || event.kind === "room-started") {
      sid = `RM_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
      createdAt = now;
      this.#sql.exec("INSERT OR REPLACE INTO webhook_room (k, sid, created_at) VALUES (1, ?, ?)", sid, createdAt);
    }
    if (event.kind === "room-finished") this.#sql.exec("DELETE FROM webhook_room");
    return { sid, name: this.#options.roomId, createdAt, numParticipants: this.#options.participants() };
  }

  /** Drops the oldest deliveries past WEBHOOK_OUTBOX_LIMIT. */
  #trim(): void {
    const count = Number(this.#sql.exec<Row>("SELECT COUNT(*) AS n FROM webhook_outbox").one().n);
    const excess = count - WEBHOOK_OUTBOX_LIMIT;
    if (excess <= 0) return;
    this.#sql.exec(
      "DELETE FROM webhook_outbox WHERE seq IN (SELECT seq FROM webhook_outbox ORDER BY seq LIMIT ?)",
      excess,
    );
    console.error(
      `webhooks: room ${this.#options.roomId} has too many undelivered events; dropped the ${excess} oldest`,
    );
  }
}

function toDelivery(row: Row): Delivery {
  return { seq: Number(row.seq), url: String(row.url), body: String(row.body), attempts: Number(row.attempts) };
}

function eventName(body: string): string {
  try {
    return String((JSON.parse(body) as { event?: unknown }).event);
  } catch {
    return "an event";
  }
}
