import type { DumpResponse, LoadResponse, WorkerLoad } from "@huddle/protocol";
import type { EventLog } from "./events.ts";
import type { RoomTable } from "./room-table.ts";
import type { WorkerPool } from "./workers.ts";

/** Per-worker object counts and CPU, for /v1/load, /metrics and announcements. */
export async function loadSnapshot(pool: WorkerPool, rooms: RoomTable, events: EventLog): Promise<LoadResponse> {
  await pool.sampleCpu();
  const roomsPerWorker = new Map<number, number>();
  for (const room of rooms.all())
    roomsPerWorker.set(room.worker.index, (roomsPerWorker.get(room.worker.index) ?? 0) + 1);
  const workers: WorkerLoad[] = pool.slots.map((handle, index) =>
    handle === undefined || handle.worker.closed
      ? {
          index,
          pid: 0,
          alive: false,
          rtcPort: { udp: 0, tcp: 0 },
          rooms: 0,
          transports: 0,
          producers: 0,
          consumers: 0,
          cpuPercent: 0,
          cpuMs: 0,
        }
      : {
          index,
          pid: handle.worker.pid,
          alive: true,
          rtcPort: handle.rtcPort,
          rooms: roomsPerWorker.get(index) ?? 0,
          transports: handle.counts.transports,
          producers: handle.counts.producers,
          consumers: handle.counts.consumers,
          cpuPercent: Math.round(handle.cpu.percent * 10) / 10,
          cpuMs: handle.cpu.totalMs,
        },
  );
  const sum = (key: "rooms" | "transports" | "producers" | "consumers") =>
    workers.reduce((total, w) => total + w[key], 0);
  const alive = workers.filter((w) => w.alive);
  const cpu = alive.length > 0 ? alive.reduce((t, w) => t + w.cpuPercent, 0) / alive.length : 0;
  return {
    draining: rooms.draining,
    workers,
    totals: {
      rooms: sum("rooms"),
      transports: sum("transports"),
      producers: sum("producers"),
      consumers: sum("consumers"),
    },
    cpuPercent: Math.round(cpu * 10) / 10,
    eventSeq: events.seq,
  };
}

/** Object ids as each mediasoup worker reports them (worker, WebRtcServer and router dumps). */
export async function dumpWorkers(pool: WorkerPool): Promise<DumpResponse> {
  const workers = await Promise.all(
    pool.alive.map(async (handle) => {
      const dump = await handle.worker.dump();
      const server = await handle.webRtcServer.dump();
      const routers = await Promise.all(
        dump.routerIds.map(async (id) => {
          const router = handle.routers.get(id);
          // A router the worker holds but we no longer reference would be a leak: report it empty-handed.
          if (router === undefined || router.closed) return { id, transportIds: [], producerIds: [], consumerIds: [] };
          const r = await router.dump();
          return {
            id,
            transportIds: r.transportIds,
            producerIds: r.mapProducerIdConsumerIds.map((e) => e.key),
            consumerIds: r.mapConsumerIdProducerId.map((e) => e.key),
          };
        }),
      );
      return {
        index: handle.index,
        pid: dump.pid,
        webRtcServers: [{ id: server.id, webRtcTransportIds: server.webRtcTransportIds }],
        routers,
      };
    }),
  );
  return { workers };
}
