import type { RecordingNow } from "@huddle/protocol";
import { SerialQueue } from "./serial-queue.ts";

type Row = Record<string, SqlStorageValue>;

/**
 * What the room knows of its recording, for `joined.recording` and the lobby's preview
 * (docs/recording.md, "Consent"). The media node owns whether a recording runs; this is the
 * room's copy of the node's last answer, kept in the Durable Object's SQLite storage so it
 * survives hibernation.
 *
 * A copy is only good for the placement it was made under: it carries that placement's epoch
 * and reads as "not recording" under any other one. A room that moved to another node (its node
 * was lost) or was freed and placed afresh (everyone left: the node stopped the recording with
 * `room-closed`) therefore never shows a stale recording.
 *
 * Starts and stops run one at a time (`changes`), so the node's answers are applied in the order
 * the node gave them.
 */
export class RecordingState {
  readonly #sql: SqlStorage;
  readonly changes = new SerialQueue();

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`
      CREATE TABLE IF NOT EXISTS recording_state (
        k INTEGER PRIMARY KEY CHECK (k = 1), recording_id TEXT NOT NULL, started_at TEXT NOT NULL,
        epoch TEXT NOT NULL);
    `);
  }

  /** The recording running under placement `epoch` (undefined: no media node), or null. */
  current(epoch: string | undefined): RecordingNow | null {
    const row = this.#sql.exec<Row>("SELECT recording_id, started_at, epoch FROM recording_state").toArray()[0];
    if (row === undefined) return null;
    if (epoch === undefined || String(row.epoch) !== epoch) {
      // Made under a placement that is gone: that recording ended with it.
      this.clear();
      return null;
    }
    return { recordingId: String(row.recording_id), startedAt: String(row.started_at) };
  }

  /** The node said a recording runs (it started it) under placement `epoch`. */
  started(recording: RecordingNow, epoch: string): void {
    this.#sql.exec(
      "INSERT OR REPLACE INTO recording_state (k, recording_id, started_at, epoch) VALUES (1, ?, ?, ?)",
      recording.recordingId,
      recording.startedAt,
      epoch,
    );
  }

  /** The node said no recording runs (it stopped it, or had none to stop). */
  clear(): void {
    this.#sql.exec("DELETE FROM recording_state");
  }
}
