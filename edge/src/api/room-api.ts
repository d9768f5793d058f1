import {
  canonicalRoomId,
  MuteBody,
  RECORDING_URL_TTL_S,
  RecordingDownloadQuery,
  type RecordingDownloadResponse,
  RecordingId,
  type RecordingListResponse,
  type RecordingManifest,
  RemoveBody,
  RoomId,
  roomApiPaths,
  signRecordingDownload,
  UpdateParticipantBody,
  UpdateRoomBody,
  Username,
} from "@huddle/protocol";
import { type VideoGrant, verifyToken } from "@huddle/protocol/access";
import type { Context } from "hono";
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import type { z } from "zod";
import type { Env } from "../env.ts";
import { type EdgeVars, jsonError, withConfig } from "../http.ts";
import type { ModerationRequest, Outcome } from "../room/moderation.ts";
import { DIRECTORY_NAME } from "./room-directory.ts";

interface ApiVars extends EdgeVars {
  /** The `video` grant of the request's API token. */
  grant: VideoGrant;
  /** The room the path names, canonical (room routes only). */
  roomId: string;
}

type ApiContext = Context<{ Bindings: Env; Variables: ApiVars }>;

/**
 * The room API for the deployer's backend (see protocol/src/room-api.ts): authenticated like
 * LiveKit's server API, by a JWT signed with an API key's secret. Everything that reads or
 * changes a room is done by the room's Durable Object, so it is consistent with its sockets.
 */
export const roomApi = new Hono<{ Bindings: Env; Variables: ApiVars }>();

// Only the API's own paths: this app is mounted at the Worker's root.
const API_PATHS = [roomApiPaths.rooms, `${roomApiPaths.rooms}/*`];
for (const path of API_PATHS) roomApi.use(path, withConfig);

/** `Authorization: Bearer <API token>`: missing or wrong is 401 and nothing happens. */
const authenticated = createMiddleware<{ Bindings: Env; Variables: ApiVars }>(async (c, next) => {
  const access = c.var.config.access;
  if (access === undefined) return jsonError(401, "unauthorized", "the room API needs API_KEYS on the edge");
  const header = c.req.header("Authorization") ?? "";
  const match = /^Bearer ([A-Za-z0-9._~+/=-]{1,16384})$/.exec(header);
  if (match?.[1] === undefined) return jsonError(401, "unauthorized", "send Authorization: Bearer <API token>");
  const verified = await verifyToken(match[1], access.keys);
  if (!verified.ok) return jsonError(401, "unauthorized", verified.message);
  c.set("grant", verified.value.video);
  await next();
});

for (const path of API_PATHS) roomApi.use(path, authenticated);

/**
 * The room of the path, which the token must administer (`roomAdmin` for that `room`; `roomRecord`
 * for it too where `roomRecord` is allowed; `roomCreate` where allowed). Someone must be in the room,
 * unless `empty` (a room's recordings outlive its call).
 */
function roomRoute(options: { roomCreate?: boolean; roomRecord?: boolean; empty?: boolean } = {}) {
  return createMiddleware<{ Bindings: Env; Variables: ApiVars }>(async (c, next) => {
    const parsed = RoomId.safeParse(c.req.param("room"));
    if (!parsed.success) return jsonError(400, "invalid-room-id", "room must be 1-64 letters, digits, '-' or '_'");
    const roomId = canonicalRoomId(parsed.data);
    const grant = c.var.grant;
    const forRoom = grant.room !== undefined && canonicalRoomId(grant.room) === roomId;
    const admin = forRoom && (grant.roomAdmin === true || (options.roomRecord === true && grant.roomRecord === true));
    if (!admin && !(options.roomCreate === true && grant.roomCreate === true)) {
      const needed = options.roomRecord === true ? "roomAdmin or roomRecord" : "roomAdmin";
      return jsonError(403, "forbidden", `the token does not grant ${needed} for room '${roomId}'`);
    }
    if (options.empty !== true && !(await c.env.ROOM_DIRECTORY.getByName(DIRECTORY_NAME).has(roomId))) {
      return jsonError(404, "not-found", `nobody is in room '${roomId}'`);
    }
    c.set("roomId", roomId);
    await next();
  });
}

const roomOf = (c: ApiContext) => c.env.ROOM.getByName(c.var.roomId);

/** The request's JSON body, checked by `schema`; undefined after answering 400. */
async function bodyOf<S extends z.ZodType>(c: ApiContext, schema: S): Promise<z.infer<S> | Response> {
  const raw: unknown = await c.req.json().catch(() => undefined);
  const parsed = schema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  return jsonError(400, "invalid-body", `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`);
}

/** The path's participant name. */
function userOf(c: ApiContext): string | Response {
  const parsed = Username.safeParse(c.req.param("user"));
  return parsed.success ? parsed.data : jsonError(400, "invalid-body", "user is not a valid username");
}

async function run(c: ApiContext, request: ModerationRequest): Promise<Response> {
  const outcome: Outcome = await roomOf(c).moderateByApi(request);
  if (outcome.ok) return c.json({ ok: true });
  if (outcome.code === "unknown-target") return jsonError(404, "not-found", outcome.message);
  return jsonError(409, "conflict", outcome.message);
}

roomApi.get(roomApiPaths.rooms, async (c) => {
  if (c.var.grant.roomList !== true) return jsonError(403, "forbidden", "listing rooms needs the roomList grant");
  return c.json({ rooms: await c.env.ROOM_DIRECTORY.getByName(DIRECTORY_NAME).list() });
});

roomApi.get("/v1/rooms/:room", roomRoute(), async (c) => c.json(await roomOf(c).details()));

roomApi.patch("/v1/rooms/:room", roomRoute(), async (c) => {
  const body = await bodyOf(c, UpdateRoomBody);
  if (body instanceof Response) return body;
  return run(c, { type: "update-room", data: body });
});

roomApi.delete("/v1/rooms/:room", roomRoute({ roomCreate: true }), (c) => run(c, { type: "end-room", data: {} }));

roomApi.patch("/v1/rooms/:room/participants/:user", roomRoute(), async (c) => {
  const user = userOf(c);
  if (user instanceof Response) return user;
  const body = await bodyOf(c, UpdateParticipantBody);
  if (body instanceof Response) return body;
  return run(c, { type: "update-participant", data: { user, ...body } });
});

roomApi.post("/v1/rooms/:room/participants/:user/remove", roomRoute(), async (c) => {
  const user = userOf(c);
  if (user instanceof Response) return user;
  const body = await bodyOf(c, RemoveBody);
  if (body instanceof Response) return body;
  return run(c, { type: "remove-participant", data: { user, ...body } });
});

roomApi.post("/v1/rooms/:room/participants/:user/mute", roomRoute(), async (c) => {
  const user = userOf(c);
  if (user instanceof Response) return user;
  const body = await bodyOf(c, MuteBody);
  if (body instanceof Response) return body;
  return run(c, { type: "mute-participant", data: { user, source: body.source } });
});

roomApi.post("/v1/rooms/:room/lobby/:user/admit", roomRoute(), (c) => {
  const user = userOf(c);
  return user instanceof Response ? user : run(c, { type: "admit-participant", data: { user } });
});

roomApi.post("/v1/rooms/:room/lobby/:user/deny", roomRoute(), (c) => {
  const user = userOf(c);
  return user instanceof Response ? user : run(c, { type: "deny-participant", data: { user } });
});

roomApi.post("/v1/rooms/:room/recording/:action", roomRoute({ roomRecord: true }), async (c) => {
  const action = c.req.param("action");
  if (action !== "start" && action !== "stop")
    return jsonError(404, "not-found", "use recording/start or recording/stop");
  const outcome = await roomOf(c).recordingByApi(action);
  if (outcome.ok) return c.json(outcome.state);
  // media-disabled: a peer-to-peer room (or a node that failed); conflict: recording-active / not-recording.
  if (outcome.code === "media-unavailable") return jsonError(409, "media-disabled", outcome.message);
  return jsonError(409, "conflict", `${outcome.code}: ${outcome.message}`);
});

/** Recordings outlive the call: listed and downloaded with nobody in the room. */
const recordingRoute = roomRoute({ roomRecord: true, empty: true });

roomApi.get("/v1/rooms/:room/recordings", recordingRoute, async (c) => {
  if (c.var.config.media === undefined) return jsonError(409, "media-disabled", "no media nodes: nothing is recorded");
  const recordings = await roomOf(c).recordingsByApi();
  return c.json({
    roomId: c.var.roomId,
    recordings: recordings.map((r) => r.manifest),
  } satisfies RecordingListResponse);
});

roomApi.get("/v1/rooms/:room/recordings/:recordingId/download", recordingRoute, async (c) => {
  const recordingId = RecordingId.safeParse(c.req.param("recordingId"));
  if (!recordingId.success) return jsonError(400, "invalid-body", "recordingId is not a recording id");
  const query = RecordingDownloadQuery.safeParse(c.req.query());
  if (!query.success) {
    const { min, max } = RECORDING_URL_TTL_S;
    return jsonError(400, "invalid-body", `ttl must be whole seconds from ${min} to ${max}`);
  }
  const media = c.var.config.media;
  if (media === undefined) return jsonError(409, "media-disabled", "no media nodes: nothing is recorded");
  const recording = (await roomOf(c).recordingsByApi()).find((r) => r.manifest.recordingId === recordingId.data);
  if (recording === undefined)
    return jsonError(404, "not-found", `room '${c.var.roomId}' has no recording ${recordingId.data}`);
  const expires = Math.floor(Date.now() / 1000) + query.data.ttl;
  const files = await Promise.all(
    filesOf(recording.manifest).map(async ({ file, role }) => ({
      file,
      role,
      url: await signRecordingDownload({
        secret: media.secret,
        nodeUrl: recording.nodeUrl,
        roomId: recording.manifest.roomId,
        recordingId: recording.manifest.recordingId,
        file,
        expires,
      }),
    })),
  );
  return c.json({
    room: c.var.roomId,
    recordingId: recordingId.data,
    expiresAt: new Date(expires * 1000).toISOString(),
    files,
  } satisfies RecordingDownloadResponse);
});

/** A recording's files, the composed MP4 first (when composed), then each track's, then the manifest. */
function filesOf(manifest: RecordingManifest): Pick<RecordingDownloadResponse["files"][number], "file" | "role">[] {
  const files: Pick<RecordingDownloadResponse["files"][number], "file" | "role">[] = [];
  if (manifest.composed !== undefined && "file" in manifest.composed)
    files.push({ file: manifest.composed.file, role: "composed" });
  for (const track of manifest.tracks) files.push({ file: track.file, role: "track" });
  files.push({ file: "manifest.json", role: "manifest" });
  return files;
}
