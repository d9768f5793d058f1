import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { MEDIA_API_MAX_BODY_BYTES } from "@huddle/protocol";
import { ApiError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { HttpMetrics } from "../metrics.ts";
import { type AuthOptions, authenticate } from "./auth.ts";
import { readBody, sendError, sendJson, sendText } from "./http.ts";
import { matchRoute, type Route } from "./router.ts";

export type ApiServerOptions = {
  routes: readonly Route[];
  auth: AuthOptions;
  metrics: HttpMetrics;
  log: Logger;
  /** Signed-URL downloads (their own authentication, streamed): true when it answered the request. */
  downloads?: (req: IncomingMessage, res: ServerResponse, path: string, query: string) => Promise<boolean>;
  /** The tiny unauthenticated health answer. */
  health: () => { ok: boolean; workers: number };
};

/**
 * The node's HTTP API: body read (bounded) -> authentication (401, nothing
 * done) -> routing (404/405) -> handler (400 bad body, 404 unknown id, ...).
 * Every failure becomes `{ error: { code, message } }`; nothing escapes.
 */
export function createApiServer(options: ApiServerOptions): Server {
  const server = createServer((req, res) => {
    const started = performance.now();
    handle(req, res, options)
      .catch((error: unknown) => {
        options.log.error("request failed", { method: req.method, url: req.url?.slice(0, 200), error });
        if (!res.headersSent) sendError(res, new ApiError(500, "internal", "internal error"));
        else res.destroy();
        return "(error)";
      })
      .then((route) => {
        options.metrics.observe(req.method ?? "", route, res.statusCode, (performance.now() - started) / 1000);
      })
      .catch((error: unknown) => options.log.error("request metrics failed", { error }));
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 30_000;
  server.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });
  return server;
}

/** Answers one request; returns the route pattern (for metrics). */
async function handle(req: IncomingMessage, res: ServerResponse, options: ApiServerOptions): Promise<string> {
  const method = req.method ?? "";
  const target = req.url ?? "/";
  const queryAt = target.indexOf("?");
  const path = queryAt === -1 ? target : target.slice(0, queryAt);

  if (path === "/healthz" && (method === "GET" || method === "HEAD")) {
    req.resume();
    const health = options.health();
    sendJson(res, health.ok ? 200 : 503, health);
    return "/healthz";
  }

  const query = queryAt === -1 ? "" : target.slice(queryAt + 1);
  if (options.downloads !== undefined && (await options.downloads(req, res, path, query))) return "(download)";

  let body: Buffer;
  try {
    body = await readBody(req, MEDIA_API_MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof ApiError) {
      res.setHeader("connection", "close");
      sendError(res, error);
      return "(body)";
    }
    throw error;
  }

  const match = matchRoute(options.routes, method, path);
  const route = match !== undefined && "route" in match ? match.route : undefined;
  const failure = await authenticate(req, body, options.auth, route?.auth === "metrics");
  if (failure !== undefined) {
    options.metrics.authFailure(failure);
    sendError(res, new ApiError(401, "unauthorized", `authentication failed: ${failure}`));
    return "(auth)";
  }
  if (match === undefined) {
    sendError(res, new ApiError(404, "not-found", `no route ${method} ${path.slice(0, 200)}`));
    return "(none)";
  }
  if ("methodNotAllowed" in match) {
    sendError(res, new ApiError(405, "method-not-allowed", `${method} is not allowed on ${path.slice(0, 200)}`));
    return "(none)";
  }

  try {
    const result = await match.route.handler({
      params: match.params,
      query: new URLSearchParams(queryAt === -1 ? "" : target.slice(queryAt + 1)),
      body,
    });
    if ("text" in result) sendText(res, result.status ?? 200, result.contentType, result.text);
    else sendJson(res, result.status ?? 200, result.json);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    sendError(res, error);
  }
  return match.route.path;
}
