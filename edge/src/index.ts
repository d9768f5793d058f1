import { mediaPaths, ROOM_SOCKET_ROUTE, RoomId, roomSocketPath } from "@huddle/protocol";
import { Hono } from "hono";
import { type Config, ConfigError, originAllowed, readConfig } from "./config.ts";
import type { Env } from "./env.ts";
import { jsonError } from "./http.ts";
import { REGISTRY_NAME } from "./media/registry.ts";

export { MediaRegistry } from "./media/registry.ts";
export { Room } from "./room/room.ts";

/** The configuration, or the 500 response that explains why it is invalid (also logged). */
function configOr500(env: Env): Config | Response {
  try {
    return readConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`edge: ${error.message}`);
    return jsonError(500, "config-invalid", error.message);
  }
}

const app = new Hono<{ Bindings: Env }>();

app.get("/healthz", (c) => {
  const config = configOr500(c.env);
  if (config instanceof Response) return config;
  return c.json({ ok: true, maxParticipants: config.maxParticipants });
});

app.get(ROOM_SOCKET_ROUTE, (c) => {
  const roomId = RoomId.safeParse(c.req.param("roomId"));
  if (!roomId.success) {
    return jsonError(400, "invalid-room-id", "roomId must be 1-64 characters of letters, digits, '-' and '_'");
  }
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    return jsonError(426, "upgrade-required", "this endpoint only accepts WebSocket upgrades", {
      Upgrade: "websocket",
    });
  }
  const config = configOr500(c.env);
  if (config instanceof Response) return config;
  if (!originAllowed(config, c.req.header("Origin"))) {
    return jsonError(403, "forbidden-origin", "this origin may not open a room socket");
  }
  const stub = c.env.ROOM.get(c.env.ROOM.idFromName(roomId.data));
  // The room reads its id from the path: hand it the canonical spelling.
  return stub.fetch(new Request(new URL(roomSocketPath(roomId.data), c.req.url), c.req.raw));
});

// Media nodes announce themselves and operators list them; the registry checks the signature.
const toRegistry = (c: { env: Env; req: { raw: Request } }) =>
  c.env.MEDIA_REGISTRY.get(c.env.MEDIA_REGISTRY.idFromName(REGISTRY_NAME)).fetch(c.req.raw);
app.post(mediaPaths.announce, toRegistry);
app.get(mediaPaths.nodes, toRegistry);

// Everything else under the Worker's routes (see run_worker_first) is an API path that does not exist.
app.all("/rooms/*", () => jsonError(404, "not-found", "no such endpoint"));
app.all("/healthz", () => jsonError(404, "not-found", "no such endpoint"));
app.all("/v1/*", () => jsonError(404, "not-found", "no such endpoint"));

// Requests that reach the Worker but belong to the web client: hand them to static assets.
app.all("*", (c) => c.env.ASSETS.fetch(c.req.raw));

app.onError((error) => {
  console.error("edge: unhandled error:", error);
  return jsonError(500, "internal", "internal error");
});

export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
