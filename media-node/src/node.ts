import type { AddressInfo } from "node:net";
import { type AnnounceRequest, ReplayGuard } from "@huddle/protocol";
import * as mediasoup from "mediasoup";
import { Announcer } from "./announce.ts";
import { batchRoute } from "./api/batch-route.ts";
import { nodeRoutes } from "./api/node-routes.ts";
import { roomRoutes } from "./api/room-routes.ts";
import type { Route } from "./api/router.ts";
import { createApiServer } from "./api/server.ts";
import { type MediaNodeConfig, type MediaNodeOptions, parseConfig } from "./config.ts";
import { forwardClosures } from "./events/closures.ts";
import { EdgeEvents } from "./events/edge-events.ts";
import { watchRoom } from "./events/room-watch.ts";
import { EventLog } from "./events.ts";
import { loadSnapshot } from "./load.ts";
import { createLogger, type Logger } from "./log.ts";
import { HttpMetrics } from "./metrics.ts";
import { serveDownload } from "./recording/download.ts";
import { FinishedNotices } from "./recording/finished-notice.ts";
import { Recordings } from "./recording/recordings.ts";
import { recordingRoutes } from "./recording/routes.ts";
import { RecordingUploader } from "./recording/upload.ts";
import { RoomTable } from "./room-table.ts";
import { WorkerPool } from "./workers.ts";

export type MediaNode = {
  /** Where the HTTP API listens (http://host:port). */
  readonly url: string;
  readonly port: number;
  /** What the node announces to the edge. */
  readonly publicUrl: string;
  readonly config: MediaNodeConfig;
  /**
   * Stop accepting new rooms (existing rooms keep working) and, when the node announces, tell the edge
   * at once. Takes effect before it returns; the promise resolves once the edge was told (or could not be).
   */
  drain(): Promise<void>;
  /** Announce draining, stop the HTTP server and close every worker. Idempotent. */
  close(): Promise<void>;
};

const hostForUrl = (host: string) => {
  if (host === "0.0.0.0" || host === "::" || host === "[::]") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
};

/** Starts the workers and the HTTP API. Rejects when the config is invalid or a worker or port cannot start. */
export async function startMediaNode(options: MediaNodeOptions, log?: Logger): Promise<MediaNode> {
  const config = parseConfig(options);
  const logger = log ?? createLogger(config.logLevel);
  mediasoup.setLogEventListeners({
    onwarn: (namespace, message) => logger.warn(message, { namespace }),
    onerror: (namespace, message, error) => logger.error(message, { namespace, error }),
  });

  // mediasoup adds a SIGINT and a SIGTERM listener per worker: many cores must not trigger leak warnings.
  process.setMaxListeners(Math.max(process.getMaxListeners(), config.workers * 2 + 10));
  const events = new EventLog();
  const pool = new WorkerPool({
    workers: config.workers,
    rtcPortMin: config.rtcPortMin,
    rtcListenIp: config.rtcListenIp,
    announcedIp: config.announcedIp,
    logLevel: config.logLevel,
    log: logger,
  });
  await pool.start();
  /** The URL the node announces, once it listens (recording-finished notices and node events carry it). */
  let announcedUrl: string | undefined;
  const edgeEvents =
    config.edgeUrl === undefined
      ? undefined
      : new EdgeEvents({
          edgeUrl: config.edgeUrl,
          secret: config.secret,
          nodeUrl: () => announcedUrl,
          flushMs: config.eventsFlushMs,
          log: logger,
        });
  if (edgeEvents !== undefined) forwardClosures(events, (event) => edgeEvents.push(event));
  const rooms = new RoomTable(pool, {
    rtcListenIp: config.rtcListenIp,
    announcedIp: config.announcedIp,
    events,
    log: logger,
    iceConsentTimeoutS: config.iceConsentTimeoutS,
    iceDisconnectedCloseMs: config.iceDisconnectedCloseMs,
    watch:
      edgeEvents &&
      ((roomId, router) => watchRoom({ roomId, router, emit: (event) => edgeEvents.push(event), log: logger })),
  });
  const notices =
    config.edgeUrl === undefined
      ? undefined
      : new FinishedNotices({
          edgeUrl: config.edgeUrl,
          secret: config.secret,
          nodeUrl: () => announcedUrl,
          log: logger,
        });
  const recordings = new Recordings({
    rooms,
    dir: config.recordingsDir,
    ffmpegPath: config.ffmpegPath,
    gstLaunchPath: config.gstLaunchPath,
    minFreeBytes: config.recordingsMinFreeMb * 1_000_000,
    diskCheckMs: config.recordingsDiskCheckMs,
    uploader: uploaderOf(config, logger),
    notices,
    log: logger,
  });
  const http = new HttpMetrics();
  const load = () => loadSnapshot(pool, rooms, events);
  // Created once the port is known (it announces the URL); draining before that has nobody to tell.
  let announcer: Announcer | undefined;
  const drain = async (): Promise<void> => {
    rooms.drain();
    await announcer?.announceNow();
  };
  const routes: Route[] = [
    ...nodeRoutes({ pool, events, http, load, drain }),
    ...roomRoutes({ rooms, allowPlain: config.allowPlain }),
    ...recordingRoutes(recordings),
  ];
  routes.push(batchRoute(() => routes, logger));
  const server = createApiServer({
    routes,
    auth: { secret: config.secret, replay: new ReplayGuard(), metricsToken: config.metricsToken },
    downloads: (req, res, path, query) =>
      serveDownload(req, res, path, query, { dir: config.recordingsDir, secret: config.secret, log: logger }),
    metrics: http,
    log: logger,
    health: () => ({ ok: pool.alive.length > 0, workers: pool.alive.length }),
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await pool.close();
    throw error;
  }
  server.on("error", (error) => logger.error("http server error", { error }));
  const port = (server.address() as AddressInfo).port;
  const url = `http://${hostForUrl(config.host)}:${port}`;
  const publicUrl = config.publicUrl ?? url;
  announcedUrl = publicUrl;

  const announcement = async (): Promise<AnnounceRequest> => {
    const snapshot = await load();
    return {
      url: publicUrl,
      version: mediasoup.version,
      draining: snapshot.draining,
      capacity: { workers: pool.size },
      load: { ...snapshot.totals, cpuPercent: snapshot.cpuPercent },
      eventSeq: snapshot.eventSeq,
    };
  };
  announcer =
    config.edgeUrl === undefined
      ? undefined
      : new Announcer({
          edgeUrl: config.edgeUrl,
          secret: config.secret,
          intervalMs: config.announceIntervalMs,
          snapshot: announcement,
          log: logger,
        });
  announcer?.start();
  logger.info("media node listening", { url, publicUrl, workers: pool.size });
  if (config.edgeUrl !== undefined && config.publicUrl === undefined && !isLoopbackUrl(config.edgeUrl)) {
    logger.warn("MEDIA_NODE_PUBLIC_URL is not set: announcing the listen address, which a remote edge cannot reach", {
      announced: publicUrl,
      edge: config.edgeUrl,
    });
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    publicUrl,
    config,
    drain,
    close: () => {
      closing ??= (async () => {
        rooms.drain();
        if (announcer !== undefined) {
          const final = await announcement().catch(() => undefined);
          await announcer.stop(final);
        }
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 1000).unref();
        });
        await recordings.stopAll();
        notices?.close();
        rooms.closeAll();
        await edgeEvents?.close();
        await pool.close();
        logger.info("media node closed");
      })();
      return closing;
    },
  };
}

/** The S3 uploader when MEDIA_NODE_S3_BUCKET is set. */
function uploaderOf(config: MediaNodeConfig, log: Logger): RecordingUploader | undefined {
  if (config.s3Bucket === undefined) return undefined;
  return new RecordingUploader(
    {
      endpoint: config.s3Endpoint,
      bucket: config.s3Bucket,
      region: config.s3Region,
      accessKeyId: config.s3AccessKeyId,
      secretAccessKey: config.s3SecretAccessKey,
      prefix: config.s3Prefix,
      forcePathStyle: config.s3ForcePathStyle,
      keepLocal: config.s3KeepLocal,
    },
    log,
  );
}

function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "[::1]" || host.startsWith("127.");
}
