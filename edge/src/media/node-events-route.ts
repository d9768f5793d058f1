import {
  canonicalRoomId,
  NODE_EVENTS_MAX_BODY_BYTES,
  type NodeEvent,
  NodeEventsBatch,
  type NodeEventsResponse,
  nodeEventsPath,
} from "@huddle/protocol";
import { Hono } from "hono";
import { normalizeNodeUrl } from "../config.ts";
import type { Env } from "../env.ts";
import { type EdgeVars, jsonError, withConfig } from "../http.ts";
import { parseSignedBody, type SignedVars, signedByNode } from "./signed-request.ts";

const signed = signedByNode({
  media: (c) => (c.var as EdgeVars).config.media,
  maxBodyBytes: NODE_EVENTS_MAX_BODY_BYTES,
});

/**
 * `POST /v1/media-nodes/events` from a media node (signed like every node request): a batch of
 * its events (protocol/src/node-events.ts). Each room's events go to that room's Durable Object
 * in one call, all rooms at once; the room acts only on events of the node it is placed on. A
 * room that fails is logged and counted as ignored: delivery is best effort (docs/protocol.md).
 */
export const nodeEventsRoute = new Hono<{ Bindings: Env; Variables: EdgeVars & SignedVars }>();

nodeEventsRoute.post(nodeEventsPath, withConfig, signed, async (c) => {
  const parsed = parseSignedBody(c.var.body, NodeEventsBatch);
  if (!parsed.ok) return parsed.response;
  const nodeUrl = normalizeNodeUrl(parsed.data.nodeUrl);
  if (nodeUrl === undefined) return jsonError(400, "invalid-body", "nodeUrl must be an http(s) URL");
  const byRoom = new Map<string, NodeEvent[]>();
  for (const event of parsed.data.events) {
    const roomId = canonicalRoomId(event.roomId);
    const list = byRoom.get(roomId);
    if (list === undefined) byRoom.set(roomId, [event]);
    else list.push(event);
  }
  const outcomes = await Promise.all(
    [...byRoom].map(([roomId, events]) =>
      c.env.ROOM.getByName(roomId)
        .nodeEvents(nodeUrl, events)
        .catch((error: unknown) => {
          console.warn(`media: node events for room ${roomId} failed:`, error);
          return { applied: 0, ignored: events.length };
        }),
    ),
  );
  const response: NodeEventsResponse = { ok: true, applied: 0, ignored: 0 };
  for (const outcome of outcomes) {
    response.applied += outcome.applied;
    response.ignored += outcome.ignored;
  }
  return c.json(response);
});
