import type { MediaRegistry } from "./media/registry.ts";
import type { Room } from "./room/room.ts";

/** Bindings and `[vars]` of the Worker (see the root wrangler.toml). */
export interface Env {
  ROOM: DurableObjectNamespace<Room>;
  ASSETS: Fetcher;
  /** The one registry of media nodes (instance named "global"). */
  MEDIA_REGISTRY: DurableObjectNamespace<MediaRegistry>;
  /** Participants per room; default DEFAULT_MAX_PARTICIPANTS. */
  MAX_PARTICIPANTS?: string;
  /** Token bucket size per socket (messages); default DEFAULT_RATE_BURST. */
  RATE_BURST?: string;
  /** Token bucket refill per socket (messages per second); default DEFAULT_RATE_PER_SECOND. */
  RATE_PER_SECOND?: string;
  /** Comma-separated origins allowed to open a room socket; empty or "*" allows any. */
  ALLOWED_ORIGINS?: string;
  /** Shared HMAC secret with the media nodes (`wrangler secret put`, `.dev.vars` locally); unset: no SFU. */
  MEDIA_NODE_SECRET?: string;
  /** Comma-separated media node URLs that need no announcement (small deployments). */
  MEDIA_NODES?: string;
  /** An announced node that is silent this long gets no new rooms (ms); default DEFAULT_MEDIA_NODE_TTL_MS. */
  MEDIA_NODE_TTL_MS?: string;
  /** How often a room with members probes its node (ms); default DEFAULT_MEDIA_CHECK_INTERVAL_MS. */
  MEDIA_CHECK_INTERVAL_MS?: string;
  /** Timeout of one call to a media node (ms); default DEFAULT_MEDIA_NODE_TIMEOUT_MS. */
  MEDIA_NODE_TIMEOUT_MS?: string;
}
