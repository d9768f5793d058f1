/**
 * Run-time settings. Where the edge (the signaling Worker) lives, first match wins:
 *   1. `?edge=https://edge.example.com` in the page URL (run time, per link),
 *   2. `config.json` beside index.html: `{ "edgeUrl": "https://edge.example.com" }` (run time, per deployment),
 *   3. `VITE_EDGE_URL` when the app was built (build time),
 *   4. the page's own origin (the edge serves the app itself).
 * `config.json` may also list `iceServers` (STUN/TURN) for peer-to-peer calls.
 */
import { roomSocketPath } from "@huddle/protocol";

export type EdgeSource = "query" | "config.json" | "build" | "same-origin";

export interface ResolvedEdge {
  /** http(s) origin plus optional path prefix, without a trailing slash. */
  url: string;
  source: EdgeSource;
}

/** Normalises an http(s) or ws(s) URL to an http(s) base without a trailing slash; null when unusable. */
export function normaliseEdgeUrl(raw: string, base: string): string | null {
  let url: URL;
  try {
    url = new URL(raw.trim(), base);
  } catch {
    return null;
  }
  if (url.protocol === "ws:") url.protocol = "http:";
  else if (url.protocol === "wss:") url.protocol = "https:";
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  url.search = "";
  url.hash = "";
  return url.href.replace(/\/+$/, "");
}

/** `config.json` beside index.html, if the deployment put one there. */
interface ConfigFile {
  edgeUrl?: unknown;
  iceServers?: unknown;
}

async function readConfigFile(): Promise<ConfigFile> {
  try {
    const response = await fetch(new URL("config.json", document.baseURI), { cache: "no-store" });
    if (!response.ok) return {};
    const body: unknown = await response.json();
    if (typeof body === "object" && body !== null && !Array.isArray(body)) return body as ConfigFile;
  } catch {
    // No config file (or not JSON, e.g. an SPA fallback page): nothing configured there.
  }
  return {};
}

/** STUN/TURN servers for peer-to-peer calls: a list of `{ urls, username?, credential? }`. */
function iceServersOf(raw: unknown): RTCIceServer[] {
  if (!Array.isArray(raw)) return [];
  const urlsOk = (urls: unknown) =>
    typeof urls === "string" || (Array.isArray(urls) && urls.every((u) => typeof u === "string"));
  return raw.filter(
    (server): server is RTCIceServer =>
      typeof server === "object" &&
      server !== null &&
      urlsOk((server as RTCIceServer).urls) &&
      ["username", "credential"].every((key) => {
        const value = (server as Record<string, unknown>)[key];
        return value === undefined || typeof value === "string";
      }),
  );
}

export interface ClientConfig {
  edge: ResolvedEdge;
  /** From `config.json` (`iceServers`); empty by default: no third-party STUN is contacted. */
  iceServers: RTCIceServer[];
}

export async function resolveConfig(location: Location = window.location): Promise<ClientConfig> {
  const file = await readConfigFile();
  const candidates: [EdgeSource, string | null | undefined][] = [
    ["query", new URLSearchParams(location.search).get("edge")],
    ["config.json", typeof file.edgeUrl === "string" ? file.edgeUrl : null],
    ["build", import.meta.env.VITE_EDGE_URL],
  ];
  const iceServers = iceServersOf(file.iceServers);
  for (const [source, raw] of candidates) {
    if (!raw) continue;
    const url = normaliseEdgeUrl(raw, location.href);
    if (url !== null) return { edge: { url, source }, iceServers };
    console.warn(`huddle: ignoring unusable edge URL from ${source}: ${raw}`);
  }
  return { edge: { url: location.origin, source: "same-origin" }, iceServers };
}

/** The WebSocket URL of a room on the edge: `GET /rooms/:roomId/ws`. */
export function roomSocketUrl(edgeUrl: string, roomId: string): string {
  const url = new URL(`${edgeUrl}${roomSocketPath(roomId)}`);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}
