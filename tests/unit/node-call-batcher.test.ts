// The room's gathering of node calls (edge/src/room/sfu/node-call-batcher.ts), against a sender
// that holds each request until the test lets it go: what leaves alone, what goes together,
// in which order the answers come back, and what a failed batch does to its calls.
import type { BatchCall, BatchResult } from "@huddle/protocol";
import { describe, expect, it } from "vitest";
import { NodeCallBatcher } from "../../edge/src/room/sfu/node-call-batcher.ts";

type Sent = { calls: BatchCall[]; answer: (results: BatchResult[]) => void; fail: (error: Error) => void };

function holdingSender() {
  const sent: Sent[] = [];
  const sender = {
    batch: (calls: BatchCall[]) =>
      new Promise<BatchResult[]>((answer, fail) => {
        sent.push({ calls, answer, fail });
      }),
    single: (call: BatchCall) =>
      new Promise<BatchResult>((answer, fail) => {
        sent.push({ calls: [call], answer: (results) => answer(results[0] as BatchResult), fail });
      }),
  };
  return { sent, sender };
}

const call = (n: number): BatchCall => ({ method: "POST", path: `/v1/rooms/r/peers/p${n}/consumers/resume` });
const ok = (calls: BatchCall[]) => calls.map((c) => ({ status: 200, body: c.path }));
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("NodeCallBatcher", () => {
  it("sends an idle room's call at once, gathers the ones that come while it is out, answers each its own", async () => {
    const { sent, sender } = holdingSender();
    const batcher = new NodeCallBatcher(sender, { minGapMs: 0 });
    const first = batcher.call(call(0));
    expect(sent.map((s) => s.calls.length)).toEqual([1]);
    const rest = [1, 2, 3].map((n) => batcher.call(call(n)));
    await tick();
    expect(sent.length).toBe(1);
    sent[0]?.answer(ok(sent[0].calls));
    expect(await first).toEqual({ status: 200, body: call(0).path });
    await tick();
    expect(sent.map((s) => s.calls.length)).toEqual([1, 3]);
    sent[1]?.answer(ok(sent[1].calls));
    expect(await Promise.all(rest)).toEqual([1, 2, 3].map((n) => ({ status: 200, body: call(n).path })));
    expect({ requests: batcher.requests, calls: batcher.calls }).toEqual({ requests: 2, calls: 4 });
  });

  it("splits what waited by count and by size, oldest first", async () => {
    const { sent, sender } = holdingSender();
    const batcher = new NodeCallBatcher(sender, { minGapMs: 0, maxCalls: 2, maxInFlight: 3 });
    void batcher.call(call(0));
    void batcher.call(call(1));
    void batcher.call(call(2));
    void batcher.call(call(3));
    // Up to 3 in flight: each of the first three arrives while fewer are out, so each leaves alone.
    expect(sent.map((s) => s.calls.map((c) => c.path.split("/")[5]))).toEqual([["p0"], ["p1"], ["p2"]]);
    sent[0]?.answer(ok(sent[0].calls));
    await tick();
    expect(sent[3]?.calls.map((c) => c.path.split("/")[5])).toEqual(["p3"]);

    const small = holdingSender();
    const bySize = new NodeCallBatcher(small.sender, { minGapMs: 0, maxBytes: 64 + 2 * 80 });
    void bySize.call(call(0));
    for (let n = 1; n <= 5; n++) void bySize.call(call(n));
    small.sent[0]?.answer(ok(small.sent[0].calls));
    await tick();
    // Each call is about 70 bytes of JSON: two fit the budget.
    expect(small.sent[1]?.calls.length).toBe(2);
  });

  it("fails every call of a batch that failed as a whole, and carries on with the next", async () => {
    const { sent, sender } = holdingSender();
    const batcher = new NodeCallBatcher(sender, { minGapMs: 0 });
    const first = batcher.call(call(0));
    const a = batcher.call(call(1));
    const b = batcher.call(call(2));
    sent[0]?.answer(ok(sent[0].calls));
    await first;
    await tick();
    sent[1]?.fail(new Error("unreachable"));
    await expect(a).rejects.toThrow("unreachable");
    await expect(b).rejects.toThrow("unreachable");
    const later = batcher.call(call(3));
    expect(sent.length).toBe(3);
    sent[2]?.answer(ok(sent[2].calls));
    expect(await later).toEqual({ status: 200, body: call(3).path });
  });

  it("keeps a least gap between requests: calls within it wait and go together", async () => {
    const { sent, sender } = holdingSender();
    const batcher = new NodeCallBatcher(sender, { minGapMs: 30, maxInFlight: 4 });
    void batcher.call(call(0));
    void batcher.call(call(1));
    void batcher.call(call(2));
    expect(sent.length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(sent.map((s) => s.calls.length)).toEqual([1, 2]);
  });
});
