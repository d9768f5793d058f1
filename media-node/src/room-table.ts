import { MEDIA_CODECS } from "./codecs.ts";
import { ApiError, notFound } from "./errors.ts";
import { MediaRoom, type MediaRoomCloseReason, type MediaRoomOptions } from "./media-room.ts";
import type { WorkerHandle, WorkerPool } from "./workers.ts";

export type RoomTableOptions = MediaRoomOptions;

type LostRoom = { reason: "worker-died" | "router-closed"; pid: number; at: number };

/** How many lost rooms are remembered (so their ids answer 410 rather than 404). */
const LOST_ROOMS_KEPT = 10_000;

/**
 * The node's rooms by the edge's roomId. A room gets a router on the
 * least-loaded worker; when a room closes without the API asking (its
 * worker died, its router closed), it is recorded as lost and a `room-lost`
 * event is published.
 */
export class RoomTable {
  readonly #pool: WorkerPool;
  readonly #options: RoomTableOptions;
  readonly #rooms = new Map<string, MediaRoom>();
  readonly #creating = new Map<string, Promise<MediaRoom>>();
  readonly #lost = new Map<string, LostRoom>();
  #draining = false;

  constructor(pool: WorkerPool, options: RoomTableOptions) {
    this.#pool = pool;
    this.#options = options;
    pool.on("workerdied", (handle) => this.#onWorkerDied(handle));
  }

  get size(): number {
    return this.#rooms.size;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** No new rooms from now on; existing rooms keep working. */
  drain(): void {
    this.#draining = true;
  }

  all(): MediaRoom[] {
    return [...this.#rooms.values()];
  }

  /** The room's router, created on the least-loaded worker on first call (or after the room was lost). */
  async ensure(roomId: string): Promise<{ room: MediaRoom; created: boolean }> {
    const existing = this.#rooms.get(roomId);
    if (existing !== undefined && !existing.closed) return { room: existing, created: false };
    const pending = this.#creating.get(roomId);
    if (pending !== undefined) return { room: await pending, created: false };
    if (this.#draining) throw new ApiError(503, "unavailable", "this media node is draining: no new rooms");
    const creating = this.#create(roomId);
    this.#creating.set(roomId, creating);
    try {
      return { room: await creating, created: true };
    } finally {
      this.#creating.delete(roomId);
    }
  }

  /** The live room, or 404 (unknown) / 410 (lost with its worker). */
  get(roomId: string): MediaRoom {
    const room = this.#rooms.get(roomId);
    if (room !== undefined && !room.closed) return room;
    const lost = this.#lost.get(roomId);
    if (lost !== undefined) {
      throw new ApiError(
        410,
        "room-lost",
        `room ${roomId} was lost (${lost.reason}); PUT the room again and rebuild its transports`,
      );
    }
    throw notFound(`room ${roomId}`);
  }

  close(roomId: string): void {
    const room = this.get(roomId);
    this.#rooms.delete(roomId);
    room.close();
  }

  closeAll(): void {
    for (const room of this.#rooms.values()) room.close();
    this.#rooms.clear();
  }

  async #create(roomId: string): Promise<MediaRoom> {
    const handle = this.#pool.leastLoaded();
    if (handle === undefined) throw new ApiError(503, "unavailable", "no live mediasoup worker");
    let router: Awaited<ReturnType<typeof handle.worker.createRouter>>;
    try {
      router = await handle.worker.createRouter({ mediaCodecs: MEDIA_CODECS, appData: { roomId } });
    } catch (error) {
      throw new ApiError(503, "unavailable", `cannot create a router: ${String(error)}`);
    }
    if (router.closed) throw new ApiError(503, "unavailable", "the worker closed while creating the router");
    const room = new MediaRoom(roomId, router, handle, this.#options);
    this.#rooms.set(roomId, room);
    this.#lost.delete(roomId);
    room.observer.once("close", (reason) => this.#onRoomClosed(room, reason));
    this.#options.log.info("room created", { roomId, worker: handle.index });
    return room;
  }

  #onRoomClosed(room: MediaRoom, reason: MediaRoomCloseReason): void {
    if (this.#rooms.get(room.id) === room) this.#rooms.delete(room.id);
    // Closed by the API, or with a worker closed on purpose (node shutdown; mediasoup also closes workers
    // on SIGINT/SIGTERM): nothing is lost.
    if (reason === "closed" || reason === "worker-closed") return;
    this.#lost.set(room.id, { reason, pid: room.worker.worker.pid, at: Date.now() });
    if (this.#lost.size > LOST_ROOMS_KEPT) {
      const oldest = this.#lost.keys().next().value;
      if (oldest !== undefined) this.#lost.delete(oldest);
    }
    this.#options.log.warn("room lost", { roomId: room.id, reason });
    this.#options.events.push({ type: "room-lost", roomId: room.id, reason });
  }

  #onWorkerDied(handle: WorkerHandle): void {
    const pid = handle.worker.pid;
    const rooms = [...this.#lost].filter(([, lost]) => lost.pid === pid).map(([roomId]) => roomId);
    this.#options.events.push({ type: "worker-died", worker: handle.index, pid, rooms });
  }
}
