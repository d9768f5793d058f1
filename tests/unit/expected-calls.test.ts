// The room's holding of the consumes and resumes it can see coming
// (edge/src/room/sfu/expected-calls.ts), and the batcher taking the calls released together into
// one request (edge/src/room/sfu/node-call-batcher.ts).
import type { BatchCall, BatchResult } from "@huddle/protocol";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ExpectedCalls, type ExpectedKind } from "../../edge/src/room/sfu/expected-calls.ts";
import { NodeCallBatcher } from "../../edge/src/room/sfu/node-call-batcher.ts";

/** Whether `promise` has settled after the queued callbacks ran. */
async function settled(promise: Promise<unknown> | undefined): Promise<boolean> {
  if (promise === undefined) return true;
  let done = false;
  void promise.then(() => {
    done = true;
  });
  for (let i = 0; i < 3; i++) await Promise.resolve();
  return done;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("ExpectedCalls", () => {
  it("holds each expected member's consume of a producer until the last expected member's", async () => {
    const expected = new ExpectedCalls({ windowMs: 10_000 });
    expected.expect("consume", "P", ["a", "b", "c"]);
    const a = expected.hold("consume", "a", ["P"]);
    const b = expected.hold("consume", "b", ["P"]);
    expect(await settled(a)).toBe(false);
    expect(await settled(b)).toBe(false);
    expect(expected.held).toBe(2);
    const c = expected.hold("consume", "c", ["P"]);
    expect([await settled(a), await settled(b), await settled(c)]).toEqual([true, true, true]);
    expect(expected.held).toBe(0);
  });

  it("lets unexpected calls go at once: another member, producer or kind, or nothing announced", () => {
    const expected = new ExpectedCalls({ windowMs: 10_000 });
    expect(expected.hold("consume", "a", ["P"])).toBeUndefined();
    expected.expect("consume", "P", ["a", "b"]);
    expect(expected.hold("consume", "z", ["P"])).toBeUndefined();
    expect(expected.hold("consume", "a", ["Q"])).toBeUndefined();
    expect(expected.hold("resume", "a", ["P"])).toBeUndefined();
    expect(expected.hold("consume", "a", [])).toBeUndefined();
    expected.clear();
  });

  it("a member's consume of one producer does not answer for another it was told of", async () => {
    const expected = new ExpectedCalls({ windowMs: 10_000 });
    expected.expect("consume", "P", ["a", "b"]);
    expected.expect("consume", "Q", ["a", "b"]);
    void expected.hold("consume", "a", ["P"]);
    const aQ = expected.hold("consume", "a", ["Q"]);
    expect(aQ).toBeDefined();
    void expected.hold("consume", "b", ["P"]);
    expect(await settled(aQ)).toBe(false);
    void expected.hold("consume", "b", ["Q"]);
    expect(await settled(aQ)).toBe(true);
  });

  it("holds no longer than the window when a member never calls", async () => {
    vi.useFakeTimers();
    const expected = new ExpectedCalls({ windowMs: 100 });
    expected.expect("consume", "P", ["a", "silent"]);
    const a = expected.hold("consume", "a", ["P"]);
    await vi.advanceTimersByTimeAsync(99);
    expect(await settled(a)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(a)).toBe(true);
    // The window is over: a late call is not held.
    expect(expected.hold("consume", "silent", ["P"])).toBeUndefined();
  });

  it("says whether it waits for a member's call of a kind", () => {
    const expected = new ExpectedCalls({ windowMs: 10_000 });
    expected.expect("resume", "P", ["a"]);
    expect(expected.waitsFor("resume", "a")).toBe(true);
    expect(expected.waitsFor("consume", "a")).toBe(false);
    expect(expected.waitsFor("resume", "b")).toBe(false);
    void expected.hold("resume", "a", ["P"]);
    expect(expected.waitsFor("resume", "a")).toBe(false);
  });

  it("stops waiting for a member that left", async () => {
    const expected = new ExpectedCalls({ windowMs: 10_000 });
    expected.expect("consume", "P", ["a", "gone"]);
    const a = expected.hold("consume", "a", ["P"]);
    expected.forget("gone");
    expect(await settled(a)).toBe(true);
  });

  it("a consume-many answers every producer it names, and goes with the first group released", async () => {
    const expected = new ExpectedCalls({ windowMs: 10_000 });
    expected.expect("consume", "P", ["a", "b"]);
    expected.expect("consume", "Q", ["a", "c"]);
    const a = expected.hold("consume", "a", ["P", "Q"]);
    expect(await settled(a)).toBe(false);
    void expected.hold("consume", "c", ["Q"]); // completes Q's group
    expect(await settled(a)).toBe(true);
    expected.clear();
  });

  it("reports each released group with the members that called (a consume group opens resumes)", async () => {
    const released: [ExpectedKind, string, string[]][] = [];
    const expected: ExpectedCalls = new ExpectedCalls({
      windowMs: 10_000,
      released: (kind, producerId, arrived) => {
        released.push([kind, producerId, [...arrived].sort()]);
        if (kind === "consume") expected.expect("resume", producerId, arrived);
      },
    });
    expected.expect("consume", "P", ["a", "b", "gone"]);
    void expected.hold("consume", "b", ["P"]);
    void expected.hold("consume", "a", ["P"]);
    expected.forget("gone");
    expect(released).toEqual([["consume", "P", ["a", "b"]]]);
    const a = expected.hold("resume", "a", ["P"]);
    expect(await settled(a)).toBe(false);
    void expected.hold("resume", "b", ["P"]);
    expect(await settled(a)).toBe(true);
    expect(released).toEqual([
      ["consume", "P", ["a", "b"]],
      ["resume", "P", ["a", "b"]],
    ]);
  });

  it("clear releases everything held and expects nothing more", async () => {
    const expected = new ExpectedCalls({ windowMs: 10_000 });
    expected.expect("consume", "P", ["a", "b"]);
    const a = expected.hold("consume", "a", ["P"]);
    expected.clear();
    expect(await settled(a)).toBe(true);
    expect(expected.hold("consume", "b", ["P"])).toBeUndefined();
  });
});

describe("NodeCallBatcher with held calls", () => {
  it("sends the calls of one released group as one request, and lone calls meanwhile", async () => {
    const sent: BatchCall[][] = [];
    const answer = (calls: BatchCall[]): BatchResult[] => calls.map((c) => ({ status: 200, body: c.path }));
    const batcher = new NodeCallBatcher({
      batch: async (calls) => {
        sent.push(calls);
        return answer(calls);
      },
      single: async (c) => {
        sent.push([c]);
        return answer([c])[0] as BatchResult;
      },
    });
    const expected = new ExpectedCalls({ windowMs: 10_000 });
    expected.expect("consume", "P", ["a", "b", "c"]);
    const call = (peer: string): BatchCall => ({ method: "POST", path: `/v1/rooms/r/peers/${peer}/consume` });
    const held = ["a", "b"].map((peer) => batcher.call(call(peer), expected.hold("consume", peer, ["P"])));
    await Promise.resolve();
    expect(sent).toEqual([]);
    // Someone else's call is not held.
    await batcher.call(call("other"));
    expect(sent.map((calls) => calls.map((c) => c.path.split("/")[5]))).toEqual([["other"]]);
    const last = batcher.call(call("c"), expected.hold("consume", "c", ["P"]));
    await Promise.all([...held, last]);
    expect(sent.map((calls) => calls.map((c) => c.path.split("/")[5]))).toEqual([["other"], ["a", "b", "c"]]);
  });
});
