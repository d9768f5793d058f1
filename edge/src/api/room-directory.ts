import { DurableObject } from "cloudflare:workers";
import type { RoomSummary } from "@huddle/protocol";
import type { z } from "zod";
import type { Env } from "../env.ts";

/** The one directory instance of a deployment. */
export const DIRECTORY_NAME = "global";

type Row = Record<string, SqlStorageValue>;

/**
 * Which rooms have people in them, for the room API's list (Durable Objects cannot be
 * enumerated). Each Room reports its participant count whenever it changes (`report`); a room
 * that reports 0 is forgotten. The Room is the owner of its count, this is only an index of it.
 */
export class RoomDirectory extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS rooms (
      name TEXT PRIMARY KEY, participants INTEGER NOT NULL, started_at INTEGER NOT NULL)`);
  }

  report(room: string, participants: number): void {
    const sql = this.ctx.storage.sql;
    if (participants <= 0) {
      sql.exec("DELETE FROM rooms WHERE name = ?", room);
      return;
    }
    sql.exec(
      `INSERT INTO rooms (name, participants, started_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET participants = excluded.participants`,
      room,
      participants,
      Date.now(),
    );
  }

  has(room: string): boolean {
    return this.ctx.storage.sql.exec("SELECT 1 FROM rooms WHERE name = ?", room).toArray().length > 0;
  }

  list(): z.infer<typeof RoomSummary>[] {
    return this.ctx.storage.sql
      .exec<Row>("SELECT name, participants, started_at FROM rooms ORDER BY started_at, name")
      .toArray()
      .map((row) => ({
        room: String(row.name),
        participants: Number(row.participants),
        startedAt: new Date(Number(row.started_at)).toISOString(),
      }));
  }
}
