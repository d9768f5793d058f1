import { DurableObject } from "cloudflare:workers";
import type { AnnounceRequest, MediaNodeStatus } from "@huddle/protocol";
import { type MediaConfig, readConfig } from "../config.ts";
import type { Env } from "../env.ts";
import { pickNode } from "./placement.ts";
import { registryApi } from "./registry-api.ts";

/** The one registry instance's name. */
export const REGISTRY_NAME = "global";

/** An announced node silent for this many TTLs is forgotten altogether. */
const FORGET_AFTER_TTLS = 20;

interface NodeRow extends Record<string, SqlStorageValue> {
  url: string;
  draining: number;
  workers: number;
  rooms: number;
  transports: number;
  producers: number;
  consumers: number;
  cpu: number;
  /** ms since epoch of the last announcement; 0 = never. */
  last_seen: number;
  failed_until: number;
  pending: number;
}

/**
 * The live set of media nodes, in one Durable Object for the whole deployment.
 * Nodes announce themselves (signed heartbeats carrying load); MEDIA_NODES adds
 * static ones that need no heartbeat. Rooms ask it where to go (`place`) and
 * tell it when a node failed them (`failed`).
 */
export class MediaRegistry extends DurableObject<Env> {
  readonly #sql: SqlStorage;
  readonly #api: ReturnType<typeof registryApi>;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS nodes (
      url TEXT PRIMARY KEY,
      draining INTEGER NOT NULL DEFAULT 0,
      workers INTEGER NOT NULL DEFAULT 0,
      rooms INTEGER NOT NULL DEFAULT 0,
      transports INTEGER NOT NULL DEFAULT 0,
      producers INTEGER NOT NULL DEFAULT 0,
      consumers INTEGER NOT NULL DEFAULT 0,
      cpu REAL NOT NULL DEFAULT 0,
      last_seen INTEGER NOT NULL DEFAULT 0,
      failed_until INTEGER NOT NULL DEFAULT 0,
      pending INTEGER NOT NULL DEFAULT 0
    )`);
    this.#api = registryApi(this, () => this.#media());
  }

  #media(): MediaConfig | undefined {
    return readConfig(this.env).media;
  }

  /** HTTP: POST /v1/media-nodes/announce and GET /v1/media-nodes, both signed (see `registryApi`). */
  override async fetch(request: Request): Promise<Response> {
    return await this.#api.fetch(request);
  }

  /** Records a heartbeat: fresh load, draining flag, and any earlier failure forgiven. */
  announce(url: string, body: AnnounceRequest): void {
    const { load } = body;
    this.#sql.exec(
      `INSERT INTO nodes (url, draining, workers, rooms, transports, producers, consumers, cpu, last_seen, failed_until, pending)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)
       ON CONFLICT (url) DO UPDATE SET draining = excluded.draining, workers = excluded.workers,
         rooms = excluded.rooms, transports = excluded.transports, producers = excluded.producers,
         consumers = excluded.consumers, cpu = excluded.cpu, last_seen = excluded.last_seen,
         failed_until = 0, pending = 0`,
      url,
      body.draining ? 1 : 0,
      body.capacity.workers,
      load.rooms,
      load.transports,
      load.producers,
      load.consumers,
      load.cpuPercent,
      Date.now(),
    );
  }

  /** Every known node (static ones included) as the registry sees it now. */
  list(): MediaNodeStatus[] {
    const media = this.#media();
    if (media === undefined) return [];
    const now = Date.now();
    this.#sql.exec(
      "DELETE FROM nodes WHERE last_seen > 0 AND last_seen < ? AND failed_until < ?",
      now - media.nodeTtlMs * FORGET_AFTER_TTLS,
      now,
    );
    const rows = new Map<string, NodeRow>();
    for (const row of this.#sql.exec<NodeRow>("SELECT * FROM nodes")) rows.set(row.url, row);
    const statics = new Set(media.staticNodes);
    for (const url of statics) if (!rows.has(url)) rows.set(url, emptyRow(url));
    return [...rows.values()]
      .map((row) => {
        const isStatic = statics.has(row.url);
        const fresh = isStatic || (row.last_seen > 0 && now - row.last_seen <= media.nodeTtlMs);
        const failed = row.failed_until > now;
        return {
          url: row.url,
          source: isStatic ? ("static" as const) : ("announced" as const),
          eligible: fresh && !failed && row.draining === 0,
          draining: row.draining === 1,
          lastSeenAgoMs: row.last_seen === 0 ? null : Math.max(0, now - row.last_seen),
          failedUntil: failed ? row.failed_until : 0,
          workers: row.workers,
          load: {
            rooms: row.rooms,
            transports: row.transports,
            producers: row.producers,
            consumers: row.consumers,
            cpuPercent: row.cpu,
          },
          pending: row.pending,
        };
      })
      .sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  }

  /** Chooses the node for a room (most headroom, not in `exclude`) and counts it there; null when none. */
  place(exclude: string[] = []): string | null {
    const url = pickNode(this.list(), exclude);
    if (url === undefined) return null;
    this.#ensureRow(url);
    this.#sql.exec("UPDATE nodes SET pending = pending + 1 WHERE url = ?", url);
    return url;
  }

  /** A room placed on `url` is gone (it emptied or moved): it no longer counts there until the next announcement. */
  released(url: string): void {
    this.#sql.exec("UPDATE nodes SET pending = MAX(0, pending - 1) WHERE url = ?", url);
  }

  /** A room could not reach `url`: no new rooms go there for one TTL, or until it announces again. */
  failed(url: string): void {
    const media = this.#media();
    if (media === undefined) return;
    this.#ensureRow(url);
    this.#sql.exec("UPDATE nodes SET failed_until = ? WHERE url = ?", Date.now() + media.nodeTtlMs, url);
  }

  #ensureRow(url: string): void {
    this.#sql.exec("INSERT INTO nodes (url) VALUES (?) ON CONFLICT (url) DO NOTHING", url);
  }
}

function emptyRow(url: string): NodeRow {
  return {
    url,
    draining: 0,
    workers: 0,
    rooms: 0,
    transports: 0,
    producers: 0,
    consumers: 0,
    cpu: 0,
    last_seen: 0,
    failed_until: 0,
    pending: 0,
  };
}
