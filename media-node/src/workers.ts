import { createSocket } from "node:dgram";
import { EventEmitter } from "node:events";
import { createServer } from "node:net";
import type { types } from "mediasoup";
import * as mediasoup from "mediasoup";
import type { LogLevel } from "./config.ts";
import type { Logger } from "./log.ts";

/** Live object counts of one worker, kept by mediasoup observer events. */
export type WorkerCounts = { routers: number; transports: number; producers: number; consumers: number };

/** One incarnation of a worker: a new one (new pid) replaces it when it dies. */
export type WorkerHandle = {
  readonly index: number;
  readonly worker: types.Worker;
  readonly webRtcServer: types.WebRtcServer;
  readonly rtcPort: { udp: number; tcp: number };
  readonly counts: WorkerCounts;
  /** Live routers by id (mediasoup keeps no public list). */
  readonly routers: Map<string, types.Router>;
  cpu: { sampledAt: number; totalMs: number; percent: number };
};

export type WorkerPoolOptions = {
  workers: number;
  /** First WebRtcServer port (worker i uses min + i), or 0 for any free port. */
  rtcPortMin: number;
  rtcListenIp: string;
  announcedIp: string;
  logLevel: LogLevel;
  log: Logger;
};

export type WorkerPoolEvents = {
  /** A worker died; its routers are already closed. */
  workerdied: [handle: WorkerHandle, error: Error];
  /** A replacement for a dead worker is running. */
  workerreplaced: [handle: WorkerHandle];
};

function workerLogLevel(level: LogLevel): types.WorkerLogLevel {
  if (level === "debug") return "debug";
  if (level === "silent") return "none";
  if (level === "error") return "error";
  return "warn";
}

/** A port that is free for both UDP and TCP on `ip` right now. */
async function freeUdpTcpPort(ip: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = createSocket(ip.includes(":") ? "udp6" : "udp4");
    const port = await new Promise<number>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(0, ip, () => resolve(udp.address().port));
    });
    const tcpFree = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(port, ip, () => server.close(() => resolve(true)));
    });
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (tcpFree) return port;
  }
  throw new Error(`no port free for both UDP and TCP on ${ip}`);
}

function trackObjects(worker: types.Worker, counts: WorkerCounts, routers: Map<string, types.Router>): void {
  worker.observer.on("newrouter", (router) => {
    counts.routers++;
    routers.set(router.id, router);
    router.observer.once("close", () => {
      counts.routers--;
      routers.delete(router.id);
    });
    router.observer.on("newtransport", (transport) => {
      counts.transports++;
      transport.observer.once("close", () => counts.transports--);
      transport.observer.on("newproducer", (producer) => {
        counts.producers++;
        producer.observer.once("close", () => counts.producers--);
      });
      transport.observer.on("newconsumer", (consumer) => {
        counts.consumers++;
        consumer.observer.once("close", () => counts.consumers--);
      });
    });
  });
}

/**
 * One mediasoup worker per slot, each with a WebRtcServer on its own UDP and
 * TCP port. A worker that dies is replaced in the same slot (same port).
 */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly options: WorkerPoolOptions;
  #slots: (WorkerHandle | undefined)[] = [];
  #ports: (number | undefined)[] = [];
  #closed = false;
  #deaths = 0;
  #replacing = new Set<number>();

  constructor(options: WorkerPoolOptions) {
    super();
    this.options = options;
  }

  /** Starts every worker; rejects (after closing those started) if one cannot start. */
  async start(): Promise<void> {
    try {
      for (let i = 0; i < this.options.workers; i++) this.#slots[i] = await this.#startWorker(i);
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** Every slot, `undefined` while its worker is being replaced. */
  get slots(): readonly (WorkerHandle | undefined)[] {
    return this.#slots;
  }

  get size(): number {
    return this.options.workers;
  }

  get alive(): WorkerHandle[] {
    return this.#slots.filter((h): h is WorkerHandle => h !== undefined && !h.worker.closed);
  }

  get deaths(): number {
    return this.#deaths;
  }

  /** The live worker with the fewest transports + producers + consumers (then routers, then index). */
  leastLoaded(): WorkerHandle | undefined {
    let best: WorkerHandle | undefined;
    let bestKey: [number, number] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
    for (const handle of this.alive) {
      const c = handle.counts;
      const key: [number, number] = [c.transports + c.producers + c.consumers, c.routers];
      if (key[0] < bestKey[0] || (key[0] === bestKey[0] && key[1] < bestKey[1])) {
        best = handle;
        bestKey = key;
      }
    }
    return best;
  }

  /** Refreshes each live worker's CPU figures (percent since the previous sample at least `minIntervalMs` ago). */
  async sampleCpu(minIntervalMs = 1000): Promise<void> {
    await Promise.all(
      this.alive.map(async (handle) => {
        const now = performance.now();
        if (now - handle.cpu.sampledAt < minIntervalMs && handle.cpu.sampledAt > 0) return;
        try {
          const usage = await handle.worker.getResourceUsage();
          const totalMs = usage.ru_utime + usage.ru_stime;
          const elapsed = now - handle.cpu.sampledAt;
          handle.cpu.percent = elapsed > 0 ? Math.max(0, ((totalMs - handle.cpu.totalMs) / elapsed) * 100) : 0;
          handle.cpu.totalMs = totalMs;
          handle.cpu.sampledAt = now;
        } catch {
          // The worker closed meanwhile: its figures no longer matter.
        }
      }),
    );
  }

  /** Closes every worker and waits (at most `timeoutMs`) for their processes to exit. */
  async close(timeoutMs = 3000): Promise<void> {
    this.#closed = true;
    const exits = this.#slots
      .filter((h): h is WorkerHandle => h !== undefined)
      .map(({ worker }) => {
        const exited = worker.subprocessClosed
          ? Promise.resolve()
          : new Promise<void>((resolve) => worker.once("subprocessclose", () => resolve()));
        worker.close();
        return exited;
      });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(exits),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  async #startWorker(index: number): Promise<WorkerHandle> {
    const { log } = this.options;
    const worker = await mediasoup.createWorker({
      logLevel: workerLogLevel(this.options.logLevel),
      disableLiburing: true,
      appData: { index },
    });
    const counts: WorkerCounts = { routers: 0, transports: 0, producers: 0, consumers: 0 };
    const routers = new Map<string, types.Router>();
    trackObjects(worker, counts, routers);
    let webRtcServer: types.WebRtcServer;
    try {
      webRtcServer = await this.#createWebRtcServer(worker, index);
    } catch (error) {
      worker.close();
      throw error;
    }
    const dump = await webRtcServer.dump();
    const rtcPort = { udp: dump.udpSockets[0]?.port ?? 0, tcp: dump.tcpServers[0]?.port ?? 0 };
    const handle: WorkerHandle = {
      index,
      worker,
      webRtcServer,
      rtcPort,
      counts,
      routers,
      cpu: { sampledAt: performance.now(), totalMs: 0, percent: 0 },
    };
    worker.on("died", (error) => this.#onDied(handle, error));
    log.info("worker started", { worker: index, pid: worker.pid, rtcPort });
    return handle;
  }

  async #createWebRtcServer(worker: types.Worker, index: number): Promise<types.WebRtcServer> {
    const { rtcListenIp, announcedIp, rtcPortMin } = this.options;
    let lastError: unknown;
    for (let attempt = 0; attempt < (rtcPortMin === 0 ? 5 : 1); attempt++) {
      const port = rtcPortMin === 0 ? (this.#ports[index] ?? (await freeUdpTcpPort(rtcListenIp))) : rtcPortMin + index;
      try {
        const server = await worker.createWebRtcServer({
          listenInfos: [
            { protocol: "udp", ip: rtcListenIp, announcedAddress: announcedIp, port },
            { protocol: "tcp", ip: rtcListenIp, announcedAddress: announcedIp, port },
          ],
          appData: { index },
        });
        this.#ports[index] = port;
        return server;
      } catch (error) {
        lastError = error;
        this.#ports[index] = undefined;
      }
    }
    throw new Error(`worker ${index}: cannot open its WebRtcServer port: ${String(lastError)}`);
  }

  #onDied(handle: WorkerHandle, error: Error): void {
    this.#deaths++;
    if (this.#slots[handle.index] === handle) this.#slots[handle.index] = undefined;
    this.options.log.error("worker died", { worker: handle.index, pid: handle.worker.pid, error });
    this.emit("workerdied", handle, error);
    void this.#replace(handle.index);
  }

  async #replace(index: number): Promise<void> {
    if (this.#replacing.has(index)) return;
    this.#replacing.add(index);
    try {
      for (let attempt = 0; !this.#closed; attempt++) {
        try {
          const handle = await this.#startWorker(index);
          if (this.#closed) {
            handle.worker.close();
            return;
          }
          this.#slots[index] = handle;
          this.emit("workerreplaced", handle);
          return;
        } catch (error) {
          const delay = Math.min(30_000, 500 * 2 ** attempt);
          this.options.log.error("worker replacement failed; retrying", { worker: index, error, delayMs: delay });
          await new Promise((resolve) => setTimeout(resolve, delay).unref());
        }
      }
    } finally {
      this.#replacing.delete(index);
    }
  }
}
