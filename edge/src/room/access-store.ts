import type { RoomSettings } from "@huddle/protocol";

type Row = Record<string, SqlStorageValue>;

const OPEN: RoomSettings = Object.freeze({ locked: false, lobby: false });

/**
 * What a room remembers about access, in its Durable Object's SQLite storage (it survives
 * hibernation; socket attachments are too small for all of it): the room's lock and lobby
 * settings, the tokens of removed participants until they expire, and each member's metadata.
 * This class is the only writer of these tables.
 */
export class AccessStore {
  readonly #sql: SqlStorage;
  #settings: RoomSettings | undefined;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`
      CREATE TABLE IF NOT EXISTS room_settings (
        k INTEGER PRIMARY KEY CHECK (k = 1), locked INTEGER NOT NULL, lobby INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS removed_tokens (token_id TEXT PRIMARY KEY, until INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS member_metadata (sid TEXT PRIMARY KEY, metadata TEXT NOT NULL);
    `);
  }

  settings(): RoomSettings {
    if (this.#settings !== undefined) return this.#settings;
    const row = this.#sql.exec<Row>("SELECT locked, lobby FROM room_settings").toArray()[0];
    this.#settings = row === undefined ? OPEN : { locked: row.locked === 1, lobby: row.lobby === 1 };
    return this.#settings;
  }

  setSettings(settings: RoomSettings): void {
    this.#settings = { ...settings };
    this.#sql.exec(
      "INSERT OR REPLACE INTO room_settings (k, locked, lobby) VALUES (1, ?, ?)",
      settings.locked ? 1 : 0,
      settings.lobby ? 1 : 0,
    );
  }

  /** Remembers a removed participant's token until it expires (ms since epoch). */
  removeToken(tokenId: string, until: number): void {
    this.#sql.exec("INSERT OR REPLACE INTO removed_tokens (token_id, until) VALUES (?, ?)", tokenId, until);
  }

  isRemoved(tokenId: string, now = Date.now()): boolean {
    this.#sql.exec("DELETE FROM removed_tokens WHERE until < ?", now);
    return this.#sql.exec("SELECT 1 FROM removed_tokens WHERE token_id = ?", tokenId).toArray().length > 0;
  }

  metadata(sid: string): string | undefined {
    const row = this.#sql.exec<Row>("SELECT metadata FROM member_metadata WHERE sid = ?", sid).toArray()[0];
    return row === undefined ? undefined : String(row.metadata);
  }

  setMetadata(sid: string, metadata: string | undefined): void {
    if (metadata === undefined) this.#sql.exec("DELETE FROM member_metadata WHERE sid = ?", sid);
    else this.#sql.exec("INSERT OR REPLACE INTO member_metadata (sid, metadata) VALUES (?, ?)", sid, metadata);
  }

  /** The room emptied: its settings go back to open. Removals stay until their tokens expire. */
  resetSettings(): void {
    this.#settings = OPEN;
    this.#sql.exec("DELETE FROM room_settings");
  }
}
