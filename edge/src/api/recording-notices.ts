import { canonicalRoomId, RecordingFinishedNotice, recordingFinishedPath } from "@huddle/protocol";
import { Hono } from "hono";
import type { Env } from "../env.ts";
import { type EdgeVars, withConfig } from "../http.ts";
import { parseSignedBody, type SignedVars, signedByNode } from "../media/signed-request.ts";

/** Best effort per isolate: a replayed notice is harmless anyway (the room stores each recording once). */
const signed = signedByNode({ media: (c) => (c.var as EdgeVars).config.media });

/**
 * `POST /v1/media-nodes/recording-finished` from a media node, signed with MEDIA_NODE_SECRET like
 * every edge<->node request: a recording is composed (and uploaded). The room's Durable Object
 * stores it and queues the `recording_finished` webhook in its outbox (docs/recording.md).
 */
export const recordingNotices = new Hono<{ Bindings: Env; Variables: EdgeVars & SignedVars }>();

recordingNotices.post(recordingFinishedPath, withConfig, signed, async (c) => {
  const parsed = parseSignedBody(c.var.body, RecordingFinishedNotice);
  if (!parsed.ok) return parsed.response;
  const roomId = canonicalRoomId(parsed.data.manifest.roomId);
  const added = await c.env.ROOM.getByName(roomId).recordingFinished(parsed.data);
  return c.json({ ok: true, added });
});
