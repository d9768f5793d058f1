import { z } from "zod";
import { ObjectCounts } from "./media-counts.ts";

/**
 * The edge's media node registry: the HTTP API the edge serves for media
 * nodes (announcements) and for operators (the registry's view). Signed
 * like every media request (media-auth.ts). The media node's own API is in
 * media-api.ts.
 */

/** Paths on the edge. */
export const registryPaths = {
  /** POST: a media node announces itself (AnnounceRequest -> AnnounceResponse). */
  announce: "/v1/media-nodes/announce",
  /** GET: the registry's view (MediaNodesResponse). */
  nodes: "/v1/media-nodes",
} as const;

/** POST {edge}/v1/media-nodes/announce — sent by each media node every few seconds. */
export const AnnounceRequest = z.object({
  /** Where the edge reaches this node (MEDIA_NODE_PUBLIC_URL). */
  url: z.url(),
  version: z.string().max(64),
  draining: z.boolean(),
  capacity: z.object({ workers: z.number().int().nonnegative() }),
  load: ObjectCounts.extend({ cpuPercent: z.number().nonnegative() }),
  /** The newest `seq` of the node's event feed (GET /v1/events); the edge does not use it yet. */
  eventSeq: z.number().int().nonnegative(),
});
export type AnnounceRequest = z.infer<typeof AnnounceRequest>;

/** The edge's answer to an announcement: how long it counts the node as live without another one. */
export const AnnounceResponse = z.object({ ok: z.literal(true), ttlMs: z.number().int().positive() });
export type AnnounceResponse = z.infer<typeof AnnounceResponse>;

/** One media node as the edge's registry sees it. */
export const MediaNodeStatus = z.object({
  url: z.string(),
  /** `static`: listed in MEDIA_NODES (no heartbeat needed); `announced`: sends heartbeats. */
  source: z.enum(["static", "announced"]),
  /** Gets new rooms: announced within the TTL (or static), not draining, not recently failed. */
  eligible: z.boolean(),
  draining: z.boolean(),
  /** Milliseconds since the last announcement (null for a static node that never announced). */
  lastSeenAgoMs: z.number().int().nonnegative().nullable(),
  /** Until when (ms since epoch) a room reported it unreachable; 0 when never or cleared by an announcement. */
  failedUntil: z.number().int().nonnegative(),
  workers: z.number().int().nonnegative(),
  load: ObjectCounts.extend({ cpuPercent: z.number().nonnegative() }),
  /** Rooms placed on it since its last announcement (not yet in `load.rooms`). */
  pending: z.number().int().nonnegative(),
});
export type MediaNodeStatus = z.infer<typeof MediaNodeStatus>;

/** GET {edge}/v1/media-nodes (signed like every media request) — the registry's view. */
export const MediaNodesResponse = z.object({ nodes: z.array(MediaNodeStatus) });
export type MediaNodesResponse = z.infer<typeof MediaNodesResponse>;
