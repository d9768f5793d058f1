import type { Room } from "./room/room.ts";

/** Bindings and `[vars]` of the Worker (see the root wrangler.toml). */
export interface Env {
  ROOM: DurableObjectNamespace<Room>;
  ASSETS: Fetcher;
  /** Participants per room; default DEFAULT_MAX_PARTICIPANTS. */
  MAX_PARTICIPANTS?: string;
  /** Token bucket size per socket (messages); default DEFAULT_RATE_BURST. */
  RATE_BURST?: string;
  /** Token bucket refill per socket (messages per second); default DEFAULT_RATE_PER_SECOND. */
  RATE_PER_SECOND?: string;
  /** Comma-separated origins allowed to open a room socket; empty or "*" allows any. */
  ALLOWED_ORIGINS?: string;
}
