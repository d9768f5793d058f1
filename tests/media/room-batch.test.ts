// POST /v1/rooms/:roomId/batch against a real worker: each call answered as it would have been
// alone (created objects exist afterwards), one failing call does not stop the others, a call
// outside the room's peer routes (another room, the room itself, a nested batch) is refused
// inside its result, and a malformed batch is the usual 400.
import {
  type BatchResponse,
  type BatchResult,
  type CreateTransportResponse,
  type EnsureRoomResponse,
  mediaPaths as p,
} from "@huddle/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MediaNode } from "../../media-node/src/node.ts";
import { type ApiClient, apiClient, errorOf, startTestNode } from "./helpers.ts";

const ROOM = "room-batch";

let node: MediaNode;
let api: ApiClient;

beforeAll(async () => {
  node = await startTestNode();
  api = apiClient(node.url);
  await api.call<EnsureRoomResponse>("PUT", p.room(ROOM));
  await api.call<EnsureRoomResponse>("PUT", p.room("other"));
});
afterAll(async () => {
  await node?.close();
});

const json = (body: unknown) => JSON.stringify(body);

describe("a room's batch of peer calls", () => {
  it("answers every call as on its own, in the order of the list", async () => {
    const answer = await api.call<BatchResponse>("POST", p.batch(ROOM), {
      calls: [
        { method: "POST", path: p.transports(ROOM, "a"), body: json({ direction: "send" }) },
        { method: "POST", path: p.transports(ROOM, "b"), body: json({ direction: "recv" }) },
        { method: "POST", path: p.transports(ROOM, "a"), body: json({ direction: "sideways" }) },
        { method: "POST", path: p.consumersResume(ROOM, "b"), body: json({ consumerIds: ["nope"] }) },
        { method: "POST", path: p.transports("other", "a"), body: json({ direction: "send" }) },
        { method: "POST", path: p.batch(ROOM), body: json({ calls: [] }) },
        { method: "DELETE", path: p.peer(ROOM, "b") },
      ],
    });
    expect(answer.status).toBe(200);
    const results = answer.body.results;
    expect(results.map((r) => r.status)).toEqual([201, 201, 400, 200, 400, 400, 200]);
    expect(((results[0] as BatchResult).body as CreateTransportResponse).direction).toBe("send");
    expect(((results[1] as BatchResult).body as CreateTransportResponse).direction).toBe("recv");
    expect(errorOf(results[2] as never).code).toBe("invalid-body");
    expect(errorOf(results[4] as never).code).toBe("invalid-param");
    expect(errorOf(results[5] as never).code).toBe("invalid-param");
    // The transports were made for real: a's is there; b's went with b's DELETE, after its create.
    const state = await api.get<{ peers: { peerId: string; transports: unknown[] }[] }>(p.room(ROOM));
    expect(state.peers.map((peer) => [peer.peerId, peer.transports.length])).toEqual([["a", 1]]);
    // Nothing of the other room was touched.
    const other = await api.get<{ peers: unknown[] }>(p.room("other"));
    expect(other.peers).toEqual([]);
  });

  it("refuses a malformed batch as a whole, and an unknown room's calls in their results", async () => {
    expect((await api.call("POST", p.batch(ROOM), { calls: [] })).status).toBe(400);
    expect((await api.call("POST", p.batch(ROOM), { calls: [{ method: "GET", path: p.room(ROOM) }] })).status).toBe(
      400,
    );
    const unknown = await api.call<BatchResponse>("POST", p.batch("nowhere"), {
      calls: [{ method: "POST", path: p.transports("nowhere", "a"), body: json({ direction: "send" }) }],
    });
    expect(unknown.status).toBe(200);
    expect(unknown.body.results[0]?.status).toBe(404);
  });
});
