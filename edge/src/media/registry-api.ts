import {
  AnnounceRequest,
  type AnnounceResponse,
  type MediaNodeStatus,
  type MediaNodesResponse,
  registryPaths,
} from "@huddle/protocol";
import { Hono } from "hono";
import { type MediaConfig, normalizeNodeUrl } from "../config.ts";
import { jsonError } from "../http.ts";
import { parseSignedBody, type SignedVars, signedByNode } from "./signed-request.ts";

/** What the registry's HTTP routes use of the registry. */
export interface RegistryApiTarget {
  announce(url: string, body: AnnounceRequest): void;
  list(): MediaNodeStatus[];
}

/**
 * The registry's HTTP API, for media nodes (announce) and operators (list): every request is
 * signed with MEDIA_NODE_SECRET (protocol/src/media-auth.ts) and checked against replays before
 * any route runs (signedByNode).
 */
export function registryApi(registry: RegistryApiTarget, mediaConfig: () => MediaConfig | undefined) {
  const signed = signedByNode({ media: () => mediaConfig() });

  return new Hono<{ Variables: SignedVars }>()
    .use(signed)
    .get(registryPaths.nodes, (c) => c.json({ nodes: registry.list() } satisfies MediaNodesResponse))
    .post(registryPaths.announce, (c) => {
      const parsed = parseSignedBody(c.var.body, AnnounceRequest);
      if (!parsed.ok) return parsed.response;
      const nodeUrl = normalizeNodeUrl(parsed.data.url);
      if (nodeUrl === undefined) return jsonError(400, "invalid-body", "url must be an http(s) URL");
      registry.announce(nodeUrl, parsed.data);
      return c.json({ ok: true, ttlMs: c.var.media.nodeTtlMs } satisfies AnnounceResponse);
    })
    .all("*", () => jsonError(404, "not-found", "no such endpoint"));
}
