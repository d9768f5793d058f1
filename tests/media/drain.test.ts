import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AnnounceRequest, DrainResponse, type EnsureRoomResponse, mediaPaths as p } from "@huddle/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MediaNode } from "../../media-node/src/node.ts";
import { type ApiClient, apiClient, errorOf, startTestNode, waitFor } from "./helpers.ts";

/** A stand-in edge that records every announcement it receives (schema-checked). */
let edge: Server;
let edgeUrl: string;
const announcements: AnnounceRequest[] = [];

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    req.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    req.on("end", () => resolve(text));
  });
}

let node: MediaNode;
let api: ApiClient;

beforeAll(async () => {
  edge = createServer(async (req, res) => {
    const parsed = AnnounceRequest.safeParse(JSON.parse((await readAll(req)) || "null"));
    if (parsed.success) announcements.push(parsed.data);
    res.writeHead(parsed.success ? 200 : 400, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: true, ttlMs: 30_000 }));
  });
  await new Promise<void>((resolve) => edge.listen(0, "127.0.0.1", resolve));
  edgeUrl = `http://127.0.0.1:${(edge.address() as AddressInfo).port}`;
  // A long interval: after the first announcement at start, only the drain route announces.
  node = await startTestNode({ edgeUrl, announceIntervalMs: 600_000 });
  api = apiClient(node.url);
  await waitFor("the announcement at start", () => announcements.length >= 1);
});
afterAll(async () => {
  await node?.close();
  await new Promise((resolve) => edge?.close(resolve));
});

describe("POST /v1/drain", () => {
  it("refuses unsigned, wrongly signed and bodied requests, and the node keeps taking rooms", async () => {
    const unsigned = await fetch(new URL(p.drain, node.url), { method: "POST" });
    expect(unsigned.status).toBe(401);
    const wrongSecret = apiClient(node.url, "another-secret-0123456789");
    const wrong = await wrongSecret.call("POST", p.drain);
    expect(wrong.status).toBe(401);
    expect(errorOf(wrong).code).toBe("unauthorized");
    const bodied = await api.call("POST", p.drain, { now: true });
    expect(bodied.status).toBe(400);
    expect(errorOf(bodied).code).toBe("invalid-body");
    const wrongMethod = await api.call("GET", p.drain);
    expect(wrongMethod.status).toBe(405);

    expect((await api.load()).draining).toBe(false);
    expect(announcements.every((a) => !a.draining)).toBe(true);
    const created = await api.call<EnsureRoomResponse>("PUT", p.room("before-drain"));
    expect(created.status).toBe(201);
  });

  it("drains: no new rooms, existing rooms keep working, and the edge is told before the answer", async () => {
    const before = announcements.length;
    const answer = await api.call("POST", p.drain);
    expect(answer.status).toBe(200);
    expect(DrainResponse.parse(answer.body)).toEqual({ draining: true });
    // The route waits for the announcement (the interval is ten minutes: this one is the drain's).
    expect(announcements.length).toBe(before + 1);
    expect(announcements.at(-1)?.draining).toBe(true);

    expect((await api.load()).draining).toBe(true);
    const refused = await api.call("PUT", p.room("after-drain"));
    expect(refused.status).toBe(503);
    expect(errorOf(refused).code).toBe("unavailable");
    expect((await api.call("PUT", p.room("before-drain"))).status).toBe(200);
    const transport = await api.call("POST", p.transports("before-drain", "late"), { direction: "recv" });
    expect(transport.status).toBe(201);
  });

  it("is idempotent", async () => {
    const again = await api.call("POST", p.drain, {});
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ draining: true });
    expect((await api.load()).draining).toBe(true);
  });

  it("drains a node that announces nothing, without waiting for anyone", async () => {
    const silent = await startTestNode();
    try {
      const before = announcements.length;
      const answer = await apiClient(silent.url).call("POST", p.drain);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ draining: true });
      expect((await apiClient(silent.url).load()).draining).toBe(true);
      expect(announcements.length).toBe(before);
    } finally {
      await silent.close();
    }
  });
});
