import type { RoomDirectory } from "./api/room-directory.ts";
import type { MediaRegistry } from "./media/registry.ts";
import type { Room } from "./room/room.ts";

/** Bindings and `[vars]` of the Worker (see the root wrangler.toml). */
export interface Env {
  ROOM: DurableObjectNamespace<Room>;
  ASSETS: Fetcher;
  /** Which rooms have people in them, for the room API (instance named "global"). */
  ROOM_DIRECTORY: DurableObjectNamespace<RoomDirectory>;
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
  /** Requests a room has out to its node before its calls are batched; default 1, 0 = never batch. */
  MEDIA_NODE_CALLS_IN_FLIGHT?: string;
  /** How long an expected consume / resume waits to go with the other members' (ms); default 300, 0 = never. */
  MEDIA_NODE_HOLD_MS?: string;
  /** `key:secret` pairs, comma-separated (`wrangler secret put API_KEYS`, `.dev.vars` locally); unset: rooms are open. */
  API_KEYS?: string;
  /** coturn's `static-auth-secret` (`use-auth-secret`): the edge derives short-lived TURN credentials from it. */
  TURN_SECRET?: string;
  /** Comma-separated turn:/turns: URLs handed out with those credentials. */
  TURN_URLS?: string;
  /** How long a TURN credential is valid (s); default 6 hours. */
  TURN_TTL_SECONDS?: string;
  /** How long a member whose socket dropped is kept for its resume (s); default 30, 0: leave at once. */
  RECONNECT_GRACE_SECONDS?: string;
  /** A JSON Web Key Set: public keys that verify EdDSA/ES256 join tokens (backends that sign without sharing a secret). */
  JWKS?: string;
  // ---- Webhooks ----
  /** Comma-separated http(s) URLs that receive the rooms' events (LiveKit-style signed webhooks); unset: none. */
  WEBHOOK_URLS?: string;
  /** The API key (of API_KEYS) whose secret signs webhooks; default the first. */
  WEBHOOK_API_KEY?: string;
}
