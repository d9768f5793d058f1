import { canonicalRoomId, ROOM_PREVIEW_ROUTE, RoomId, RoomPreviewRequest } from "@huddle/protocol";
import { verifyToken } from "@huddle/protocol/access";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { originAllowed } from "../config.ts";
import type { Env } from "../env.ts";
import { type EdgeVars, jsonError, withConfig } from "../http.ts";

/** A preview request's body is one token at most; anything larger is refused unread. */
const MAX_BODY_BYTES = 16 * 1024;

/**
 * `POST /rooms/:roomId/preview`: what the lobby tells a person before they join
 * (docs/recording.md, "Consent"): whether the room is being recorded now. In a deployment with
 * join tokens (API_KEYS / JWKS) the body must carry a token that lets its holder join this room;
 * without one the answer is 401 and says nothing about the room. The web client may be on another
 * origin (ALLOWED_ORIGINS), so the route answers CORS preflights for allowed origins.
 */
export const roomPreview = new Hono<{ Bindings: Env; Variables: EdgeVars }>();

roomPreview.use(ROOM_PREVIEW_ROUTE, withConfig);
roomPreview.use(
  ROOM_PREVIEW_ROUTE,
  cors({
    origin: (origin, c) => (originAllowed(c.var.config, origin) ? origin : null),
    allowMethods: ["POST"],
    allowHeaders: ["Content-Type"],
    maxAge: 600,
  }),
);

roomPreview.post(
  ROOM_PREVIEW_ROUTE,
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => jsonError(413, "invalid-body", `the body must be at most ${MAX_BODY_BYTES} bytes`),
  }),
  async (c) => {
    if (!originAllowed(c.var.config, c.req.header("Origin"))) {
      return jsonError(403, "forbidden-origin", "this origin may not preview rooms");
    }
    const roomId = RoomId.safeParse(c.req.param("roomId"));
    if (!roomId.success) {
      return jsonError(400, "invalid-room-id", "roomId must be 1-64 characters of letters, digits, '-' and '_'");
    }
    const room = canonicalRoomId(roomId.data);
    const raw: unknown = await c.req.json().catch(() => undefined);
    const body = RoomPreviewRequest.safeParse(raw);
    if (!body.success) {
      const issue = body.error.issues[0];
      return jsonError(400, "invalid-body", `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`);
    }
    const access = c.var.config.access;
    if (access !== undefined) {
      // Every refusal reads the same: it must not tell whether the room exists or is in use.
      const refused = () => jsonError(401, "unauthorized", "this room needs an invite token that may join it");
      if (body.data.token === undefined) return refused();
      const verified = await verifyToken(body.data.token, access.keys);
      if (!verified.ok) return refused();
      const { video } = verified.value;
      if (video.roomJoin !== true || video.room === undefined || canonicalRoomId(video.room) !== room) {
        return refused();
      }
    }
    return c.json(await c.env.ROOM.getByName(room).preview());
  },
);
