import { CLIENT_RECONNECT_LIMIT_MS } from "@huddle/protocol";

/**
 * The limit for this page: `?reconnectLimit=SECONDS` in the address (1 to 3600; tests shorten
 * it), else `CLIENT_RECONNECT_LIMIT_MS` (protocol/: the edge keeps a dropped member as long by
 * default, so a rejoin within this time resumes the membership).
 */
export function reconnectLimitMs(search: string): number {
  const raw = new URLSearchParams(search).get("reconnectLimit");
  if (raw === null || !/^\d{1,4}$/.test(raw)) return CLIENT_RECONNECT_LIMIT_MS;
  const seconds = Number(raw);
  return seconds >= 1 && seconds <= 3600 ? seconds * 1000 : CLIENT_RECONNECT_LIMIT_MS;
}
