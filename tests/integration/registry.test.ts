// The edge's media node registry over HTTP: signed announcements only, validated bodies, and a
// node that announces but cannot be reached is skipped (and marked failed) when a room is placed.
import { type AnnounceRequest, AnnounceResponse, registryPaths, signRequest } from "@huddle/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RoomClient } from "../support/room-client.ts";
import { type Cluster, startCluster } from "./support/cluster.ts";

let cluster: Cluster;
const clients: RoomClient[] = [];

beforeAll(async () => {
  cluster = await startCluster("registry", { nodes: 1, mode: "static" });
});
afterAll(async () => {
  for (const client of clients) client.close();
  await cluster?.stop();
});

/** Nothing listens on port 1 of loopback: a node that announces itself but is unreachable. */
const GHOST_URL = "http://127.0.0.1:1";

function announcement(patch: Partial<AnnounceRequest> = {}): AnnounceRequest {
  return {
    url: GHOST_URL,
    version: "test",
    draining: false,
    capacity: { workers: 8 },
    load: { rooms: 0, transports: 0, producers: 0, consumers: 0, cpuPercent: 0 },
    eventSeq: 0,
    ...patch,
  };
}

/** A POST to the announce endpoint, signed with `secret` (or unsigned), with exactly these headers. */
async function announceRequest(body: string, secret?: string): Promise<RequestInit> {
  const url = new URL(registryPaths.announce, cluster.edge.url);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (secret !== undefined) Object.assign(headers, await signRequest({ secret, method: "POST", url, body }));
  return { method: "POST", headers, body };
}

const post = (init: RequestInit) => fetch(new URL(registryPaths.announce, cluster.edge.url), init);
const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

describe("the media node registry", () => {
  it("refuses an unsigned list, an unsigned announcement and one signed with another secret (401)", async () => {
    const list = await fetch(new URL(registryPaths.nodes, cluster.edge.url));
    expect(list.status).toBe(401);
    expect(await errorCode(list)).toBe("unauthorized");
    const body = JSON.stringify(announcement());
    for (const init of [await announceRequest(body), await announceRequest(body, "another-secret-0123456789")]) {
      const res = await post(init);
      expect(res.status).toBe(401);
      expect(await errorCode(res)).toBe("unauthorized");
    }
    expect((await cluster.registry()).map((n) => n.url)).not.toContain(GHOST_URL);
  });

  it("refuses a body that is not an announcement (400) and changes nothing", async () => {
    for (const body of [
      "not json",
      JSON.stringify({ url: GHOST_URL }),
      JSON.stringify(announcement({ url: "ftp://x" })),
    ]) {
      const res = await post(await announceRequest(body, cluster.secret));
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe("invalid-body");
    }
    expect((await cluster.registry()).map((n) => n.url)).not.toContain(GHOST_URL);
  });

  it("accepts a signed announcement once: the same request replayed is refused", async () => {
    const init = await announceRequest(JSON.stringify(announcement({ draining: true })), cluster.secret);
    const first = await post(init);
    expect(first.status).toBe(200);
    expect(AnnounceResponse.parse(await first.json())).toEqual({ ok: true, ttlMs: 4000 });
    const replay = await post(init);
    expect(replay.status).toBe(401);
    const ghost = (await cluster.registry()).find((n) => n.url === GHOST_URL);
    expect(ghost).toMatchObject({ source: "announced", draining: true, eligible: false, workers: 8 });
  });

  it("places a room past a node that announced itself but does not answer, and marks that node failed", async () => {
    // Idle and with 8 workers, the ghost has the most headroom: the edge tries it first.
    const res = await post(await announceRequest(JSON.stringify(announcement()), cluster.secret));
    expect(res.status).toBe(200);
    expect((await cluster.registry()).find((n) => n.url === GHOST_URL)?.eligible).toBe(true);
    const roomId = `ghost-${Date.now().toString(36)}`;
    const { client, joined } = await RoomClient.join(cluster.wsUrl, roomId, "alice");
    clients.push(client);
    expect(joined.sfu).toBeDefined();
    expect(await cluster.nodeOf(roomId)).toBe(cluster.nodes[0]);
    const ghost = (await cluster.registry()).find((n) => n.url === GHOST_URL);
    expect(ghost?.eligible).toBe(false);
    expect(ghost?.failedUntil).toBeGreaterThan(Date.now());
  });
});
