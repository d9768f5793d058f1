import { canonicalRoomId, ROOM_SOCKET_ROUTE, RoomId, registryPaths } from "@huddle/protocol";
import { Hono } from "hono";
import { recordingNotices } from "./api/recording-notices.ts";
import { roomApi } from "./api/room-api.ts";
import { roomPreview } from "./api/room-preview.ts";
import { originAllowed } from "./config.ts";
import type { Env } from "./env.ts";
import { type EdgeVars, jsonError, withConfig } from "./http.ts";
import { nodeEventsRoute } from "./media/node-events-route.ts";
import { REGISTRY_NAME } from "./media/registry.ts";

export { RoomDirectory } from "./api/room-directory.ts";
export { MediaRegistry } from "./media/registry.ts";
export { Room } from "./room/room.ts";

const app = new Hono<{ Bindings: Env; Variables: EdgeVars }>();

// API routes need the deployment's settings: validated once per isolate, a bad one is a 500 naming it.
app.use("/healthz", withConfig);
app.use("/rooms/*", withConfig);

app.get("/healthz", (c) => c.json({ ok: true, maxParticipants: c.var.config.maxParticipants }));

app.get(ROOM_SOCKET_ROUTE, (c) => {
  // The one place the URL's room id is checked; the room is named by its canonical (lower-case) form.
  const roomId = RoomId.safeParse(c.req.param("roomId"));
  if (!roomId.success) {
    return jsonError(400, "invalid-room-id", "roomId must be 1-64 characters of letters, digits, '-' and '_'");
  }
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    return jsonError(426, "upgrade-required", "this endpoint only accepts WebSocket upgrades", {
      Upgrade: "websocket",
    });
  }
  if (!originAllowed(c.var.config, c.req.header("Origin"))) {
    return jsonError(403, "forbidden-origin", "this origin may not open a room socket");
  }
  return c.env.ROOM.getByName(canonicalRoomId(roomId.data)).fetch(c.req.raw);
});

// Media nodes announce themselves and operators list them; the registry checks the signature.
const toRegistry = (c: { env: Env; req: { raw: Request } }) =>
  c.env.MEDIA_REGISTRY.getByName(REGISTRY_NAME).fetch(c.req.raw);
app.post(registryPaths.announce, toRegistry);
app.get(registryPaths.nodes, toRegistry);

// What the lobby tells a person before they join (whether the room is being recorded).
app.route("/", roomPreview);
// Media nodes tell a room that one of its recordings is finished (signed like an announcement).
app.route("/", recordingNotices);
// Media nodes push what happened in their rooms (speakers, scores, closures), batched and signed.
app.route("/", nodeEventsRoute);

// The room API for the deployer's backend (its own authentication: an API token).
app.route("/", roomApi);

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
