import { ReplayGuard, verifyRequest } from "@huddle/protocol";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { z } from "zod";
import type { MediaConfig } from "../config.ts";
import { jsonError } from "../http.ts";

/** What `signedByNode` sets for the routes after it. */
export interface SignedVars {
  media: MediaConfig;
  /** The request body exactly as signed (undefined for GET). */
  body: string | undefined;
}

export type SignedRequestOptions = {
  /** The deployment's media settings; undefined when MEDIA_NODE_SECRET is not set (503). */
  media: (c: Context) => MediaConfig | undefined;
  /** Remembers accepted signatures (one guard per isolate or object that uses it). */
  replay?: ReplayGuard;
  /** Larger bodies are refused (413) before they are hashed. */
  maxBodyBytes?: number;
};

/**
 * The check every media node -> edge request passes first: signed with MEDIA_NODE_SECRET
 * (protocol/src/media-auth.ts), within the clock window, never seen before. A request that fails
 * is answered 401 `unauthorized` and reaches no route; one that passes carries its body (read
 * once, as signed) in `c.var.body`.
 */
export function signedByNode(options: SignedRequestOptions) {
  const replay = options.replay ?? new ReplayGuard();
  return createMiddleware<{ Variables: SignedVars }>(async (c, next) => {
    const media = options.media(c);
    if (media === undefined) return jsonError(503, "media-disabled", "MEDIA_NODE_SECRET is not set on the edge");
    const declared = Number(c.req.header("content-length") ?? "0");
    if (options.maxBodyBytes !== undefined && declared > options.maxBodyBytes) {
      return jsonError(413, "invalid-body", `the body is larger than ${options.maxBodyBytes} bytes`);
    }
    const url = new URL(c.req.url);
    const body = c.req.method === "GET" ? undefined : await c.req.text();
    if (options.maxBodyBytes !== undefined && body !== undefined && byteLength(body) > options.maxBodyBytes) {
      return jsonError(413, "invalid-body", `the body is larger than ${options.maxBodyBytes} bytes`);
    }
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
}

/** The signed body parsed as JSON and checked against `schema`; a 400 `invalid-body` answer when it is not. */
export function parseSignedBody<S extends z.ZodType>(
  body: string | undefined,
  schema: S,
): { ok: true; data: z.output<S> } | { ok: false; response: Response } {
  let json: unknown;
  try {
    json = JSON.parse(body ?? "");
  } catch {
    return { ok: false, response: jsonError(400, "invalid-body", "the body is not JSON") };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, data: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue?.path.join(".") || "body";
  return { ok: false, response: jsonError(400, "invalid-body", `${where}: ${issue?.message ?? "invalid"}`) };
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}
