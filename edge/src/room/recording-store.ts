import { type RecordingFinishedNotice, type RecordingListResponse, RecordingManifest } from "@huddle/protocol";
import { asMediaCallError } from "../media/node-client.ts";
import type { RoomContext } from "./context.ts";

/** A finished recording the room knows of, and the node whose URL serves its files. */
export interface StoredRecording {
  nodeUrl: string;
  manifest: RecordingManifest;
}

/** Finished recordings a room keeps (oldest dropped past it). */
export const STORED_RECORDINGS_LIMIT = 500;

type Row = Record<string, SqlStorageValue>;

/**
 * The room's finished recordings, from the nodes' recording-finished notices, in the room's SQLite
 * storage: the list and the download URLs outlive the call (an empty room has no media node to
 * ask). Active recordings are not kept here: only the node knows whether one runs.
 */
export class RecordingStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    this.#sql.exec(`
      CREATE TABLE IF NOT EXISTS recordings (
        recording_id TEXT PRIMARY KEY, node_url TEXT NOT NULL, manifest TEXT NOT NULL, finished_at INTEGER NOT NULL);
    `);
  }

  /** Stores a finished recording; false when it was already known (a repeated notice). */
  add(notice: RecordingFinishedNotice, now = Date.now()): boolean {
    const known = this.#sql
      .exec<Row>("SELECT 1 FROM recordings WHERE recording_id = ?", notice.manifest.recordingId)
      .toArray();
    if (known.length > 0) return false;
    this.#sql.exec(
      "INSERT INTO recordings (recording_id, node_url, manifest, finished_at) VALUES (?, ?, ?, ?)",
      notice.manifest.recordingId,
      notice.nodeUrl,
      JSON.stringify(notice.manifest),
      now,
    );
    this.#sql.exec(
      `DELETE FROM recordings WHERE recording_id NOT IN
         (SELECT recording_id FROM recordings ORDER BY recording_id DESC LIMIT ?)`,
      STORED_RECORDINGS_LIMIT,
    );
    return true;
  }

  /** Every stored recording, oldest first. */
  all(): StoredRecording[] {
    return this.#sql
      .exec<Row>("SELECT node_url, manifest FROM recordings ORDER BY recording_id")
      .toArray()
      .flatMap(toStored);
  }

  get(recordingId: string): StoredRecording | undefined {
    const rows = this.#sql
      .exec<Row>("SELECT node_url, manifest FROM recordings WHERE recording_id = ?", recordingId)
      .toArray();
    return rows.flatMap(toStored)[0];
  }
}

function toStored(row: Row): StoredRecording[] {
  const parsed = RecordingManifest.safeParse(JSON.parse(String(row.manifest)));
  return parsed.success ? [{ nodeUrl: String(row.node_url), manifest: parsed.data }] : [];
}

/**
 * A node's recording-finished notice: stored, and `recording-finished` emitted (the webhook) the
 * first time only, so the node may repeat a notice whose answer it lost.
 */
export function recordingFinished(room: RoomContext, store: RecordingStore, notice: RecordingFinishedNotice): boolean {
  const added = store.add(notice);
  if (added) room.events.emit({ kind: "recording-finished", manifest: notice.manifest });
  return added;
}

/**
 * The room's recordings with the node that has each: the stored (finished) ones, and what the
 * room's current media node lists (active ones, and finished ones whose notice has not arrived).
 * The node's copy wins: it is the newer.
 */
export async function roomRecordings(room: RoomContext, store: RecordingStore): Promise<StoredRecording[]> {
  const byId = new Map<string, StoredRecording>();
  for (const stored of store.all()) byId.set(stored.manifest.recordingId, stored);
  const node = room.media.node();
  if (node !== undefined) {
    let listed: RecordingListResponse | undefined;
    try {
      listed = await node.listRecordings(room.roomId);
    } catch (error) {
      asMediaCallError(error);
    }
    for (const manifest of listed?.recordings ?? []) byId.set(manifest.recordingId, { nodeUrl: node.url, manifest });
  }
  return [...byId.values()].sort((a, b) => (a.manifest.recordingId < b.manifest.recordingId ? -1 : 1));
}
