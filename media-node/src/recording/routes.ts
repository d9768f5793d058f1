import { EmptyBody } from "@huddle/protocol";
import { parseBody } from "../api/http.ts";
import { roomIdOf } from "../api/room-routes.ts";
import type { Route } from "../api/router.ts";
import type { Recordings } from "./recordings.ts";

/** Start and stop a room's recording, list its recordings (signed like every room route). */
export function recordingRoutes(recordings: Recordings): Route[] {
  return [
    {
      method: "POST",
      path: "/v1/rooms/:roomId/recording/start",
      auth: "signed",
      handler: async (ctx) => {
        const roomId = roomIdOf(ctx);
        parseBody(EmptyBody, ctx.body);
        return { status: 201, json: await recordings.start(roomId) };
      },
    },
    {
      method: "POST",
      path: "/v1/rooms/:roomId/recording/stop",
      auth: "signed",
      handler: async (ctx) => {
        const roomId = roomIdOf(ctx);
        parseBody(EmptyBody, ctx.body);
        return { json: await recordings.stop(roomId) };
      },
    },
    {
      method: "GET",
      path: "/v1/rooms/:roomId/recordings",
      auth: "signed",
      handler: async (ctx) => ({ json: await recordings.list(roomIdOf(ctx)) }),
    },
  ];
}
