import { CLIENT_RECONNECT_LIMIT_MS } from "@huddle/protocol";

/**
 * How long the client tries to get a dropped connection back before it gives up and shows
 * "Could not reconnect" (README, "Web client"). The edge keeps a dropped member just as long
 * by default (`RECONNECT_GRACE_SECONDS`), so a rejoin within this time resumes the membership.
 */
export const RECONNECT_LIMIT_MS = CLIENT_RECONNECT_LIMIT_MS;

/**
 * The limit for this page: `?reconnectLimit=SECONDS` in the address (1 to 3600; tests shorten
 * it), else `RECONNECT_LIMIT_MS`.
 */
export function reconnectLimitMs(search: string): number {
  const raw = new URLSearchParams(search).get("reconnectLimit");
  if (raw === null || !/^\d{1,4}$/.test(raw)) return RECONNECT_LIMIT_MS;
  const seconds = Number(raw);
  return seconds >= 1 && seconds <= 3600 ? seconds * 1000 : RECONNECT_LIMIT_MS;
}
