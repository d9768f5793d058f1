import { createMiddleware } from "hono/factory";
import { type Config, ConfigError, readConfig } from "./config.ts";
import type { Env } from "./env.ts";

/** HTTP error codes of the edge (HTTP only; WebSocket errors use the protocol's ErrorCode). */
export type HttpErrorCode =
  | "invalid-room-id"
  | "upgrade-required"
  | "forbidden-origin"
  | "room-full"
  | "not-found"
  | "config-invalid"
  | "media-disabled"
  | "unauthorized"
  | "forbidden"
  | "conflict"
  | "invalid-body"
  | "internal";

/** `{ "error": { "code", "message" } }` with the given status. */
export function jsonError(status: number, code: HttpErrorCode, message: string, headers?: HeadersInit): Response {
  return Response.json({ error: { code, message } }, { status, headers });
}

/** Request state the edge's middleware sets (`c.var`). */
export interface EdgeVars {
  /** The deployment's settings, validated. */
  config: Config;
}

/**
 * Validates the Worker's settings (once per env object: `readConfig` caches) and puts them in
 * `c.var.config`; an invalid setting answers 500 `config-invalid` naming it (also logged).
 */
export const withConfig = createMiddleware<{ Bindings: Env; Variables: EdgeVars }>(async (c, next) => {
  let config: Config;
  try {
    config = readConfig(c.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`edge: ${error.message}`);
    return jsonError(500, "config-invalid", error.message);
  }
  c.set("config", config);
  await next();
});
