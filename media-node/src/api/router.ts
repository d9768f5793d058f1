import type { Buffer } from "node:buffer";

export type RouteContext = {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Buffer;
};

export type RouteResult = { status?: number; json: unknown } | { status?: number; text: string; contentType: string };

export type Route = {
  method: "GET" | "PUT" | "POST" | "DELETE";
  /** e.g. `/v1/rooms/:roomId/peers/:peerId`. */
  path: string;
  /** `signed`: HMAC headers; `metrics`: HMAC headers or the metrics bearer token. */
  auth: "signed" | "metrics";
  handler: (ctx: RouteContext) => Promise<RouteResult> | RouteResult;
};

export type Match = { route: Route; params: Record<string, string> } | { methodNotAllowed: true } | undefined;

/** Each route's path split into segments, once (routes never change once made). */
const patterns = new WeakMap<Route, readonly string[]>();

function patternOf(route: Route): readonly string[] {
  let pattern = patterns.get(route);
  if (pattern === undefined) {
    pattern = route.path.split("/");
    patterns.set(route, pattern);
  }
  return pattern;
}

/** Matches a path (still percent-encoded) against the routes; params stay encoded. */
export function matchRoute(routes: readonly Route[], method: string, path: string): Match {
  const segments = path.split("/");
  let pathMatched = false;
  for (const route of routes) {
    const pattern = patternOf(route);
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      const p = pattern[i] as string;
      const s = segments[i] as string;
      if (p.startsWith(":")) {
        if (s.length === 0) ok = false;
        else params[p.slice(1)] = s;
      } else if (p !== s) ok = false;
    }
    if (!ok) continue;
    if (route.method === method) return { route, params };
    pathMatched = true;
  }
  return pathMatched ? { methodNotAllowed: true } : undefined;
}
