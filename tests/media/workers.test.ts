import {
  type CreateTransportResponse,
  type EnsureRoomResponse,
  type EventsResponse,
  mediaPaths as p,
  type RoomState,
} from "@huddle/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MediaNode } from "../../media-node/src/node.ts";
import { type ApiClient, apiClient, errorOf, startTestNode, waitFor } from "./helpers.ts";

let node: MediaNode;
let api: ApiClient;

beforeAll(async () => {
  node = await startTestNode({ workers: 2 });
  api = apiClient(node.url);
});
afterAll(async () => {
  await node?.close();
});

describe("a pool of workers", () => {
  it("runs one worker per slot, each with its own WebRtcServer port", async () => {
    const load = await api.load();
    expect(load.workers).toHaveLength(2);
    expect(load.workers.every((w) => w.alive && w.pid > 0)).toBe(true);
    const ports = load.workers.map((w) => w.rtcPort.udp);
    expect(new Set(ports).size).toBe(2);
  });

  it("places each new room on the least-loaded worker", async () => {
    const a = await api.put<EnsureRoomResponse>(p.room("room-a"));
    await api.post(p.transports("room-a", "x"), { direction: "send" });
    await api.post(p.transports("room-a", "y"), { direction: "recv" });
    const b = await api.put<EnsureRoomResponse>(p.room("room-b"));
    expect(b.worker).not.toBe(a.worker);
    await api.post(p.transports("room-b", "x"), { direction: "send" });
    // a's worker holds two transports, b's one: the next room goes beside b.
    const c = await api.put<EnsureRoomResponse>(p.room("room-c"));
    expect(c.worker).toBe(b.worker);
    const load = await api.load();
    expect(load.workers.find((w) => w.index === a.worker)).toMatchObject({ rooms: 1, transports: 2 });
    expect(load.workers.find((w) => w.index === b.worker)).toMatchObject({ rooms: 2, transports: 1 });
  });

  it("replaces a worker that dies and reports its rooms lost", async () => {
    const stateA = await api.get<RoomState>(p.room("room-a"));
    const victim = stateA.worker;
    const survivorRooms = ["room-b", "room-c"];
    const { next: since } = await api.get<EventsResponse>(p.events(0));

    process.kill(victim.pid, "SIGKILL");

    const lost = await waitFor("room-a to be reported lost", async () => {
      const answer = await api.call("GET", p.room("room-a"));
      return answer.status === 410 ? answer : undefined;
    });
    expect(errorOf(lost).code).toBe("room-lost");
    expect(errorOf(lost).message).toContain("worker-died");
    // Every operation on a lost room says so.
    const transport = await api.call("POST", p.transports("room-a", "x"), { direction: "send" });
    expect(transport.status).toBe(410);

    const feed = await api.get<EventsResponse>(p.events(since));
    expect(feed.events).toEqual([
      expect.objectContaining({ type: "room-lost", roomId: "room-a", reason: "worker-died" }),
      expect.objectContaining({ type: "worker-died", worker: victim.index, pid: victim.pid, rooms: ["room-a"] }),
    ]);

    for (const roomId of survivorRooms) expect((await api.call("GET", p.room(roomId))).status).toBe(200);

    const replaced = await waitFor("the worker to be replaced", async () => {
      const load = await api.load();
      const slot = load.workers[victim.index];
      return slot?.alive && slot.pid !== victim.pid ? slot : undefined;
    });
    expect(replaced.transports).toBe(0);
    expect(replaced.rooms).toBe(0);

    // The room can be rebuilt on a live worker.
    const again = await api.call<EnsureRoomResponse>("PUT", p.room("room-a"));
    expect(again.status).toBe(201);
    expect(again.body.created).toBe(true);
    const t = await api.post<CreateTransportResponse>(p.transports("room-a", "x"), { direction: "send" });
    const load = await api.load();
    const slot = load.workers.find((w) => w.index === again.body.worker);
    expect(t.iceCandidates[0]?.port).toBe(slot?.rtcPort.udp);
    const health = await fetch(new URL(p.health, node.url));
    expect(await health.json()).toEqual({ ok: true, workers: 2 });
  });

  it("takes no new rooms once draining, and keeps serving the existing ones", async () => {
    await node.drain(); // takes effect at once; resolves once the (absent) edge was told
    const refused = await api.call("PUT", p.room("room-new"));
    expect(refused.status).toBe(503);
    expect(errorOf(refused).code).toBe("unavailable");
    expect((await api.call("PUT", p.room("room-b"))).status).toBe(200);
    await api.post(p.transports("room-b", "late"), { direction: "recv" });
    expect((await api.load()).draining).toBe(true);
  });
});
