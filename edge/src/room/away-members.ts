import { type JoinedAttachment, SocketAttachment } from "./attachment.ts";
import type { Member } from "./roster.ts";

type Row = Record<string, SqlStorageValue>;

/** A member whose socket dropped and who may still come back (its reconnect grace). */
export interface AwayMember {
  attachment: JoinedAttachment;
  /** When the grace ends (ms since epoch): then it leaves as if its socket had just closed. */
  until: number;
}

/**
 * Members whose socket dropped without a goodbye (no close frame, the client's keepalive
 * timeout, a socket error), kept in the roster for the room's reconnect grace
 * (`RECONNECT_GRACE_SECONDS`). A dropped socket is gone from `ctx.getWebSockets()`, so the
 * membership is kept here, in the Durable Object's SQLite storage: it survives hibernation and
 * eviction, and `Roster.fromSockets` puts these members back. The membership queue is the only
 * writer (signaling.ts: `keepAway`, `takeOver`, `depart`, and the alarm's `expireAway`).
 */
export class AwayMembers {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(
      "CREATE TABLE IF NOT EXISTS away_members (sid TEXT PRIMARY KEY, attachment TEXT NOT NULL, until INTEGER NOT NULL)",
    );
  }

  keep(attachment: JoinedAttachment, until: number): void {
    this.#sql.exec(
      "INSERT OR REPLACE INTO away_members (sid, attachment, until) VALUES (?, ?, ?)",
      attachment.sid,
      JSON.stringify(attachment),
      until,
    );
  }

  /** Whether membership `sid` is away (its socket dropped, its grace running). */
  has(sid: string): boolean {
    return this.#sql.exec("SELECT 1 FROM away_members WHERE sid = ?", sid).toArray().length > 0;
  }

  forget(sid: string): void {
    this.#sql.exec("DELETE FROM away_members WHERE sid = ?", sid);
  }

  /** Every away member whose stored record is still readable, soonest deadline first. */
  all(): AwayMember[] {
    const rows = this.#sql.exec<Row>("SELECT attachment, until FROM away_members ORDER BY until").toArray();
    const out: AwayMember[] = [];
    for (const row of rows) {
      const parsed = SocketAttachment.safeParse(JSON.parse(String(row.attachment)));
      if (!parsed.success || parsed.data.username === undefined || parsed.data.joinedAt === undefined) continue;
      out.push({ attachment: parsed.data as JoinedAttachment, until: Number(row.until) });
    }
    return out;
  }

  /** The earliest deadline, if anyone is away. */
  nextDeadline(): number | undefined {
    const row = this.#sql.exec<Row>("SELECT MIN(until) AS until FROM away_members").toArray()[0];
    return row?.until === null || row?.until === undefined ? undefined : Number(row.until);
  }
}

/**
 * The socket of an away member rebuilt after a wake-up: its real socket is gone, so nothing can
 * be sent to it (like a closed socket, `send` throws and `fanOut` skips it).
 */
export function droppedSocket(attachment: JoinedAttachment): WebSocket {
  let stored: unknown = attachment;
  const socket = {
    send(): never {
      throw new Error("this member's socket dropped");
    },
    close(): void {},
    serializeAttachment(value: unknown): void {
      stored = value;
    },
    deserializeAttachment(): unknown {
      return stored;
    },
  };
  return socket as unknown as WebSocket;
}

/** The member of an away record (after a wake-up, with a socket that cannot be reached). */
export function awayMember(away: AwayMember): Member {
  return { ws: droppedSocket(away.attachment), attachment: away.attachment };
}
