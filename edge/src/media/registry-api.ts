import {
  AnnounceRequest,
  type AnnounceResponse,
  type MediaNodeStatus,
  type MediaNodesResponse,
  ReplayGuard,
  registryPaths,
  verifyRequest,
} from "@huddle/protocol";
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { type MediaConfig, normalizeNodeUrl } from "../config.ts";
import { jsonError } from "../http.ts";

/** What the registry's HTTP routes use of the registry. */
export interface RegistryApiTarget {
  announce(url: string, body: AnnounceRequest): void;
  list(): MediaNodeStatus[];
}

interface ApiVars {
  media: MediaConfig;
  /** The request body as signed (undefined for GET). */
  body: string | undefined;
}

/**
 * The registry's HTTP API, for media nodes (announce) and operators (list): every request is
 * signed with MEDIA_NODE_SECRET (protocol/src/media-auth.ts) and checked against replays before
 * any route runs.
 */
export function registryApi(registry: RegistryApiTarget, mediaConfig: () => MediaConfig | undefined) {
  const replay = new ReplayGuard();
  const signed = createMiddleware<{ Variables: ApiVars }>(async (c, next) => {
    const media = mediaConfig();
    if (media === undefined) return jsonError(503, "media-disabled", "MEDIA_NODE_SECRET is not set on the edge");
    const url = new URL(c.req.url);
    const body = c.req.method === "GET" ? undefined : await c.req.text();
    const verdict = await verifyRequest({
      secret: media.secret,
      method: c.req.method,
      pathWithQuery: `${url.pathname}${url.search}`,
      header: (name) => c.req.header(name) ?? null,
      body,
      replay,
    });
    if (!verdict.ok) return jsonError(401, "unauthorized", `request signature: ${verdict.reason}`);
    c.set("media", media);
    c.set("body", body);
    await next();
  });

  return new Hono<{ Variables: ApiVars }>()
    .use(signed)
    .get(registryPaths.nodes, (c) => c.json({ nodes: registry.list() } satisfies MediaNodesResponse))
    .post(registryPaths.announce, (c) => {
      let json: unknown;
      try {
        json = JSON.parse(c.var.body ?? "");
      } catch {
        return jsonError(400, "invalid-body", "the body is not JSON");
      }
      const parsed = AnnounceRequest.safeParse(json);
      if (!parsed.success) return jsonError(400, "invalid-body", parsed.error.issues[0]?.message ?? "invalid");
      const nodeUrl = normalizeNodeUrl(parsed.data.url);
      if (nodeUrl === undefined) return jsonError(400, "invalid-body", "url must be an http(s) URL");
      registry.announce(nodeUrl, parsed.data);
      return c.json({ ok: true, ttlMs: c.var.media.nodeTtlMs } satisfies AnnounceResponse);
    })
    .all("*", () => jsonError(404, "not-found", "no such endpoint"));
}
