import { Buffer } from "node:buffer";
import { type BatchCall, BatchRequest, type BatchResponse, type BatchResult, mediaPaths } from "@huddle/protocol";
import { ApiError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { parseBody } from "./http.ts";
import { roomIdOf } from "./room-routes.ts";
import { matchRoute, type Route } from "./router.ts";

export const BATCH_PATH = "/v1/rooms/:roomId/batch";

/**
 * POST /v1/rooms/:roomId/batch (protocol/src/media-api.ts `BatchRequest`): several calls of the
 * room's peer routes in one signed request, each answered as it would have been on its own. The
 * outer signature covers every call; a call may only name a peer route of the same room. Calls
 * of one peer run in order; different peers run together.
 */
export function batchRoute(routes: () => readonly Route[], log: Logger): Route {
  return {
    method: "POST",
    path: BATCH_PATH,
    auth: "signed",
    handler: async (ctx) => {
      const prefix = `${mediaPaths.room(roomIdOf(ctx))}/peers/`;
      const { calls } = parseBody(BatchRequest, ctx.body);
      const byPeer = new Map<string, number[]>();
      for (const [i, call] of calls.entries()) {
        const peer = call.path.startsWith(prefix) ? call.path.slice(prefix.length).split("/", 1)[0] : "";
        const list = byPeer.get(peer ?? "") ?? [];
        list.push(i);
        byPeer.set(peer ?? "", list);
      }
      const results: BatchResult[] = new Array(calls.length);
      await Promise.all(
        [...byPeer.values()].map(async (indices) => {
          for (const i of indices) results[i] = await runCall(routes(), calls[i] as BatchCall, prefix, log);
        }),
      );
      const json: BatchResponse = { results };
      return { json };
    },
  };
}

async function runCall(routes: readonly Route[], call: BatchCall, prefix: string, log: Logger): Promise<BatchResult> {
  try {
    if (!call.path.startsWith(prefix) || call.path.includes("?")) {
      throw new ApiError(400, "invalid-param", `a batch may only call this room's peer routes, not ${call.path}`);
    }
    const match = matchRoute(routes, call.method, call.path);
    if (match === undefined || ("route" in match && match.route.path === BATCH_PATH)) {
      throw new ApiError(404, "not-found", `no route ${call.method} ${call.path.slice(0, 200)}`);
    }
    if ("methodNotAllowed" in match) {
      throw new ApiError(405, "method-not-allowed", `${call.method} is not allowed on ${call.path.slice(0, 200)}`);
    }
    const result = await match.route.handler({
      params: match.params,
      query: new URLSearchParams(),
      body: Buffer.from(call.body ?? "", "utf8"),
    });
    if ("text" in result) return { status: result.status ?? 200, body: result.text };
    return { status: result.status ?? 200, body: result.json };
  } catch (error) {
    if (error instanceof ApiError)
      return { status: error.status, body: { error: { code: error.code, message: error.message } } };
    // A bug in one call must not take the others down with it.
    log.error("batched call failed", { method: call.method, path: call.path.slice(0, 200), error });
    return { status: 500, body: { error: { code: "internal", message: "internal error" } } };
  }
}
