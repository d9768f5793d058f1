import type { AppData, MediaKind, ProducerInfo, RtpCapabilities } from "@huddle/protocol";

/** Where the room's media lives: one media node, one router on it. */
export interface Placement {
  roomId: string;
  url: string;
  /** Random per placement: results of calls made under an older placement are dropped. */
  epoch: string;
  rtpCapabilities: RtpCapabilities;
}

export interface StoredProducer {
  id: string;
  sid: string;
  user: string;
  kind: MediaKind;
  appData: AppData | undefined;
  paused: boolean;
}

type Row = Record<string, SqlStorageValue>;

/**
 * The room's media bookkeeping in its Durable Object's SQLite storage: the
 * placement, and which socket (`sid`) owns each transport, producer and
 * consumer, so ownership is checked before anything reaches the node and
 * survives hibernation.
 */
export class MediaStore {
  readonly #sql: SqlStorage;
  /** The stored placement, read once per instance (this class is its only writer); null until read. */
  #placement: Placement | undefined | null = null;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`
      CREATE TABLE IF NOT EXISTS media_placement (
        k INTEGER PRIMARY KEY CHECK (k = 1), room_id TEXT NOT NULL, url TEXT NOT NULL,
        epoch TEXT NOT NULL, rtp_capabilities TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS media_transports (
        id TEXT PRIMARY KEY, sid TEXT NOT NULL, direction TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS media_producers (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, sid TEXT NOT NULL, user TEXT NOT NULL,
        kind TEXT NOT NULL, app_data TEXT, paused INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS media_consumers (
        id TEXT PRIMARY KEY, sid TEXT NOT NULL, producer_id TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS media_consumer_wants (
        id TEXT PRIMARY KEY, sid TEXT NOT NULL, producer_id TEXT NOT NULL,
        spatial INTEGER, paused INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS media_producer_layers (
        id TEXT PRIMARY KEY, layers INTEGER NOT NULL, sent INTEGER);
    `);
  }

  placement(): Placement | undefined {
    if (this.#placement !== null) return this.#placement;
    const row = this.#sql.exec<Row>("SELECT room_id, url, epoch, rtp_capabilities FROM media_placement").toArray()[0];
    this.#placement =
      row === undefined
        ? undefined
        : {
            roomId: String(row.room_id),
            url: String(row.url),
            epoch: String(row.epoch),
            rtpCapabilities: JSON.parse(String(row.rtp_capabilities)) as RtpCapabilities,
          };
    return this.#placement;
  }

  /** Replaces the placement and forgets every media object (they lived on the old router). */
  setPlacement(placement: Placement | undefined): void {
    this.#sql.exec("DELETE FROM media_placement");
    this.#sql.exec("DELETE FROM media_transports");
    this.#sql.exec("DELETE FROM media_producers");
    this.#sql.exec("DELETE FROM media_consumers");
    this.#sql.exec("DELETE FROM media_consumer_wants");
    this.#sql.exec("DELETE FROM media_producer_layers");
    this.#placement = placement;
    if (placement === undefined) return;
    this.#sql.exec(
      "INSERT INTO media_placement (k, room_id, url, epoch, rtp_capabilities) VALUES (1, ?, ?, ?, ?)",
      placement.roomId,
      placement.url,
      placement.epoch,
      JSON.stringify(placement.rtpCapabilities),
    );
  }

  addTransport(id: string, sid: string, direction: string): void {
    this.#sql.exec("INSERT OR REPLACE INTO media_transports (id, sid, direction) VALUES (?, ?, ?)", id, sid, direction);
  }

  /** Forgets a transport the node closed on its own (its producers are announced one by one). */
  /** Forgets a transport the node closed (its producers and consumers are forgotten as the node reports them). */
  removeTransport(id: string): void {
    this.#sql.exec("DELETE FROM media_transports WHERE id = ?", id);
  }

  /** The sockets that have a receive transport (those that consume what is announced). */
  receivingSockets(): Set<string> {
    const rows = this.#sql.exec<{ sid: string }>("SELECT DISTINCT sid FROM media_transports WHERE direction = 'recv'");
    return new Set(rows.toArray().map((row) => row.sid));
  }

  ownsTransport(id: string, sid: string): boolean {
    return this.#exists("SELECT 1 FROM media_transports WHERE id = ? AND sid = ?", id, sid);
  }

  addProducer(producer: StoredProducer): void {
    this.#sql.exec(
      "INSERT OR REPLACE INTO media_producers (id, sid, user, kind, app_data, paused) VALUES (?, ?, ?, ?, ?, ?)",
      producer.id,
      producer.sid,
      producer.user,
      producer.kind,
      producer.appData === undefined ? null : JSON.stringify(producer.appData),
      producer.paused ? 1 : 0,
    );
  }

  producer(id: string): StoredProducer | undefined {
    const row = this.#sql.exec<Row>("SELECT * FROM media_producers WHERE id = ?", id).toArray()[0];
    return row === undefined ? undefined : toProducer(row);
  }

  /** Every producer of the room, oldest first; only `sid`'s when given. */
  producers(sid?: string): StoredProducer[] {
    const cursor =
      sid === undefined
        ? this.#sql.exec<Row>("SELECT * FROM media_producers ORDER BY seq")
        : this.#sql.exec<Row>("SELECT * FROM media_producers WHERE sid = ? ORDER BY seq", sid);
    return cursor.toArray().map(toProducer);
  }

  setProducerPaused(id: string, paused: boolean): void {
    this.#sql.exec("UPDATE media_producers SET paused = ? WHERE id = ?", paused ? 1 : 0, id);
  }

  /** Forgets a producer and the consumers of it (the node closes them together). */
  removeProducer(id: string): void {
    this.#sql.exec("DELETE FROM media_producers WHERE id = ?", id);
    this.#sql.exec("DELETE FROM media_consumers WHERE producer_id = ?", id);
    this.#sql.exec("DELETE FROM media_consumer_wants WHERE producer_id = ?", id);
    this.#sql.exec("DELETE FROM media_producer_layers WHERE id = ?", id);
  }

  addConsumer(id: string, sid: string, producerId: string): void {
    this.#sql.exec(
      "INSERT OR REPLACE INTO media_consumers (id, sid, producer_id) VALUES (?, ?, ?)",
      id,
      sid,
      producerId,
    );
  }

  /** The ids of `sid`'s consumers. */
  consumersOf(sid: string): string[] {
    return this.#sql
      .exec<Row>("SELECT id FROM media_consumers WHERE sid = ?", sid)
      .toArray()
      .map((row) => String(row.id));
  }

  ownsConsumer(id: string, sid: string): boolean {
    return this.#exists("SELECT 1 FROM media_consumers WHERE id = ? AND sid = ?", id, sid);
  }

  /** The producer one of `sid`'s consumers receives; undefined when `sid` owns no such consumer. */
  producerOfConsumer(id: string, sid: string): string | undefined {
    const row = this.#sql
      .exec<Row>("SELECT producer_id FROM media_consumers WHERE id = ? AND sid = ?", id, sid)
      .toArray()[0];
    return row === undefined ? undefined : String(row.producer_id);
  }

  /**
   * What a receiver wants of one of its consumers (dynacast): the highest spatial layer it asked
   * for (undefined: the top, mediasoup's default) and whether it paused it. Only changed fields.
   */
  setConsumerWant(id: string, sid: string, change: { spatial?: number; paused?: boolean }): void {
    const producerId = this.producerOfConsumer(id, sid);
    if (producerId === undefined) return;
    this.#sql.exec(
      "INSERT OR IGNORE INTO media_consumer_wants (id, sid, producer_id) VALUES (?, ?, ?)",
      id,
      sid,
      producerId,
    );
    if (change.spatial !== undefined)
      this.#sql.exec("UPDATE media_consumer_wants SET spatial = ? WHERE id = ?", change.spatial, id);
    if (change.paused !== undefined)
      this.#sql.exec("UPDATE media_consumer_wants SET paused = ? WHERE id = ?", change.paused ? 1 : 0, id);
  }

  /** A simulcast producer's layer count (dynacast considers only producers with more than one). */
  setProducerLayers(id: string, layers: number): void {
    this.#sql.exec("INSERT OR REPLACE INTO media_producer_layers (id, layers, sent) VALUES (?, ?, NULL)", id, layers);
  }

  /**
   * Every simulcast producer with the highest spatial layer its consumers want now (-1 when none
   * receives it: no consumer, or all paused) and the one last told to its publisher (null: none
   * yet, every layer is on).
   */
  simulcastWants(): { id: string; sid: string; layers: number; wanted: number; sent: number | null }[] {
    return this.#sql
      .exec<Row>(
        `SELECT l.id AS id, p.sid AS sid, l.layers AS layers, l.sent AS sent,
           (SELECT MAX(CASE WHEN w.paused = 1 THEN -1 WHEN w.spatial IS NULL THEN l.layers - 1
                            ELSE MIN(w.spatial, l.layers - 1) END)
            FROM media_consumers c LEFT JOIN media_consumer_wants w ON w.id = c.id
            WHERE c.producer_id = l.id) AS wanted
         FROM media_producer_layers l JOIN media_producers p ON p.id = l.id
         WHERE l.layers > 1`,
      )
      .toArray()
      .map((row) => ({
        id: String(row.id),
        sid: String(row.sid),
        layers: Number(row.layers),
        wanted: row.wanted === null ? -1 : Number(row.wanted),
        sent: row.sent === null ? null : Number(row.sent),
      }));
  }

  /** Records the highest layer last told to a producer's publisher. */
  setProducerLayersSent(id: string, sent: number): void {
    this.#sql.exec("UPDATE media_producer_layers SET sent = ? WHERE id = ?", sent, id);
  }

  /** Forgets everything `sid` owned; returns its producers (for `producer-closed`). */
  removePeer(sid: string): StoredProducer[] {
    const producers = this.producers(sid);
    for (const producer of producers) this.removeProducer(producer.id);
    this.#sql.exec("DELETE FROM media_transports WHERE sid = ?", sid);
    this.#sql.exec("DELETE FROM media_consumers WHERE sid = ?", sid);
    this.#sql.exec("DELETE FROM media_consumer_wants WHERE sid = ?", sid);
    return producers;
  }

  #exists(query: string, ...bindings: SqlStorageValue[]): boolean {
    return this.#sql.exec(query, ...bindings).toArray().length > 0;
  }
}

function toProducer(row: Row): StoredProducer {
  return {
    id: String(row.id),
    sid: String(row.sid),
    user: String(row.user),
    kind: row.kind as MediaKind,
    appData: row.app_data === null ? undefined : (JSON.parse(String(row.app_data)) as AppData),
    paused: row.paused === 1,
  };
}

/** A stored producer as the protocol's `ProducerInfo`. */
export function producerInfo(producer: StoredProducer): ProducerInfo {
  const info: ProducerInfo = { producerId: producer.id, user: producer.user, kind: producer.kind };
  if (producer.appData !== undefined) info.appData = producer.appData;
  if (producer.paused) info.paused = true;
  return info;
}
