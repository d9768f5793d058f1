// Synthetic WebRTC participants (werift: real ICE, DTLS and SRTP, mediasoup-client's own
// handler) join one room through the real edge at once; every one must receive audio and video
// from every other through the real media node. Nothing here is timed: the test waits for the
// condition (with a generous bound) and checks who receives whom, and counts the requests the
// node answered: the edge gathers a room's calls, so a join costs a bounded number of them
// whatever the room's size (without that, each join costs about 2N + 8).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { joinStorm, missing, nodeRequests, type StormResult } from "../support/join-storm.ts";
import { EdgeSignaling } from "../support/synthetic-participant.ts";
import { waitFor } from "../support/wait.ts";
import { type Cluster, startCluster } from "./support/cluster.ts";

const N = 10;
/**
 * Edge-to-node requests one join may cost. A join's own set-up is 8 calls when nothing is
 * gathered; each producer that appears after it adds a consume and a resume from everyone else.
 * The batcher gathers calls that meet while the node is busy (without more, 9.8-11.5 requests per
 * join at N=10 and 7.3-7.8 at N=4 on this machine: still growing with N), and the room holds the
 * consumes and resumes it expects after announcing a producer so that they go together
 * (ExpectedCalls: 2.8-3.4 at N=10, 5-6.8 at N=4). So a join must cost no more at N=10 than at N=4.
 */
const CALLS_PER_JOIN_BOUND = { 4: 10, 10: 6 } as const;
/**
 * The room's hold window (MEDIA_NODE_HOLD_MS, default 300 ms). A held group goes as soon as every
 * expected call arrived, so the window only matters when someone is late: on a loaded CI machine
 * ten synthetic participants in one process were (7.8 requests per join at N=10, the group
 * released by the window). The count is what this test checks, not how fast the participants
 * answer, so it gives them 2 s; the join-storm benchmark measures the default.
 */
const HOLD_MS = "2000";
const GROWTH_BOUND = 1;
let callsAt10 = Number.NaN;

let cluster: Cluster;
const storms: StormResult[] = [];

beforeAll(async () => {
  cluster = await startCluster("storm", { nodes: 1, mode: "static", vars: { MEDIA_NODE_HOLD_MS: HOLD_MS } });
});
afterAll(async () => {
  for (const storm of storms) for (const p of storm.participants) p.close();
  await cluster?.stop();
});

/** A storm of `n` in `room`, and the node requests it cost per join. */
async function storm(n: number, room: string): Promise<{ storm: StormResult; callsPerJoin: number }> {
  const node = cluster.nodes[0];
  if (node === undefined) throw new Error("no media node");
  const before = await nodeRequests(node.url, cluster.secret);
  const result = await joinStorm(n, room, () => EdgeSignaling.open(cluster.wsUrl, room), {
    audioRate: 25,
    videoFps: 10,
    timeoutMs: 90_000,
  });
  storms.push(result);
  const calls = (await nodeRequests(node.url, cluster.secret)) - before;
  return { storm: result, callsPerJoin: calls / n };
}

/** Everyone leaves; resolves once the node holds nothing of theirs (so later counts are the next storm's alone). */
async function leave(result: StormResult): Promise<void> {
  for (const p of result.participants) p.close();
  await waitFor("the room to be released on the node", async () => {
    const load = await cluster.nodes[0]?.api.load();
    return load?.totals.producers === 0 && load.totals.consumers === 0;
  });
}

describe("a join storm of synthetic participants through the edge", () => {
  it(`${N} join at once and every one receives audio and video from every other`, async () => {
    const { storm: result, callsPerJoin } = await storm(N, "storm-10");
    const names = result.participants.map((p) => p.username);
    expect(new Set(names).size).toBe(N);
    for (const p of result.participants) {
      expect(missing(p, names), `${p.username} receives everyone`).toEqual([]);
      expect(p.problems, `${p.username} had no failed request`).toEqual([]);
      // Its own media is never sent back to it.
      expect([...p.received.values()].some((r) => r.user === p.username)).toBe(false);
    }
    // The node holds one consumer per (receiver, other's producer): N x (N - 1) x 2.
    const load = await cluster.nodes[0]?.api.load();
    expect(load?.totals.consumers).toBe(N * (N - 1) * 2);
    expect(load?.totals.producers).toBe(N * 2);
    expect(callsPerJoin, "edge-to-node requests per join at N=10").toBeLessThanOrEqual(CALLS_PER_JOIN_BOUND[10]);
    callsAt10 = callsPerJoin;
    await leave(result);
  }, 150_000);

  it("a join costs a bounded number of edge-to-node requests, at N=4 as at N=10", async () => {
    const small = await storm(4, "storm-4");
    for (const p of small.storm.participants) expect(p.problems).toEqual([]);
    expect(small.callsPerJoin, "edge-to-node requests per join at N=4").toBeLessThanOrEqual(CALLS_PER_JOIN_BOUND[4]);
    // Not growing with the room: N=10 costs no more than N=4 does.
    expect(callsAt10 - small.callsPerJoin, "growth of requests per join from N=4 to N=10").toBeLessThanOrEqual(
      GROWTH_BOUND,
    );
    await leave(small.storm);
  }, 150_000);
});
