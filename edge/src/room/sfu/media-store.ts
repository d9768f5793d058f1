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
  }

  addConsumer(id: string, sid: string, producerId: string): void {
    this.#sql.exec(
      "INSERT OR REPLACE INTO media_consumers (id, sid, producer_id) VALUES (?, ?, ?)",
      id,
      sid,
      producerId,
    );
  }

  ownsConsumer(id: string, sid: string): boolean {
    return this.#exists("SELECT 1 FROM media_consumers WHERE id = ? AND sid = ?", id, sid);
  }

  /** Forgets everything `sid` owned; returns its producers (for `producer-closed`). */
  removePeer(sid: string): StoredProducer[] {
    const producers = this.producers(sid);
    for (const producer of producers) this.removeProducer(producer.id);
    this.#sql.exec("DELETE FROM media_transports WHERE sid = ?", sid);
    this.#sql.exec("DELETE FROM media_consumers WHERE sid = ?", sid);
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
