import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  REPAIR_HOLD_MS,
  REPAIR_MIN_PACKETS,
  REPAIR_SAMPLE_MS,
  REPAIR_TIERS,
  RepairPolicy,
  repairTargetFor,
} from "../../../web/src/call/repairDelay.ts";
import { fuzzParameters } from "../fuzz-runs.ts";

/** Feeds a policy one sample per REPAIR_SAMPLE_MS, each with `packets` packets and the given NACK share. */
function feeder(packets = 100) {
  const policy = new RepairPolicy();
  let at = 0;
  let nackCount = 0;
  let packetsReceived = 0;
  policy.sample({ nackCount, packetsReceived, at });
  return {
    policy,
    next(share: number, count = packets): number | null {
      at += REPAIR_SAMPLE_MS;
      packetsReceived += count;
      nackCount += Math.round(share * count);
      return policy.sample({ nackCount, packetsReceived, at });
    },
  };
}

const samplesIn = (ms: number) => Math.ceil(ms / REPAIR_SAMPLE_MS);

describe("repairTargetFor", () => {
  it("leaves a clean network to the browser and gives more loss a longer target", () => {
    expect(repairTargetFor(0)).toBeNull();
    expect(repairTargetFor(0.029)).toBeNull();
    expect(repairTargetFor(0.03)).toBe(150);
    expect(repairTargetFor(0.099)).toBe(150);
    expect(repairTargetFor(0.1)).toBe(300);
    expect(repairTargetFor(0.6)).toBe(300);
  });
});

describe("RepairPolicy", () => {
  it("raises the target with the first sample that needs it", () => {
    const f = feeder();
    expect(f.next(0)).toBeNull();
    expect(f.next(0.05)).toBe(150);
    expect(f.next(0.2)).toBe(300);
  });

  it("is the most any sample of the last REPAIR_HOLD_MS needed: it comes down a step at a time", () => {
    const f = feeder();
    const hold = samplesIn(REPAIR_HOLD_MS);
    f.next(0.2);
    expect(f.next(0.05)).toBe(300);
    for (let i = 2; i < hold; i++) expect(f.next(0)).toBe(300);
    expect(f.next(0)).toBe(150); // the 0.2 sample is REPAIR_HOLD_MS old
    expect(f.next(0)).toBeNull(); // and now the 0.05 one
  });

  it("holds the target again when the loss comes back before it came down", () => {
    const f = feeder();
    const hold = samplesIn(REPAIR_HOLD_MS);
    f.next(0.2);
    for (let i = 1; i < hold - 1; i++) f.next(0);
    expect(f.next(0.15)).toBe(300);
    for (let i = 1; i < hold; i++) expect(f.next(0)).toBe(300);
    expect(f.next(0)).toBeNull();
  });

  it("adds slow samples up until REPAIR_MIN_PACKETS: a slow stream's loss counts, one stray NACK does not", () => {
    const few = Math.ceil(REPAIR_MIN_PACKETS / 3);
    const slow = feeder();
    expect(slow.next(2 / few, few)).toBeNull(); // 2 NACKs in a handful of packets: not taken yet
    expect(slow.next(2 / few, few)).toBeNull();
    expect(slow.next(2 / few, few)).toBe(300); // taken: 6 in 3 x few packets
    const stray = feeder();
    expect(stray.next(1 / few, few)).toBeNull();
    expect(stray.next(0, few)).toBeNull();
    expect(stray.next(0, few)).toBeNull(); // taken: 1 in 3 x few packets is under 3 %
  });

  it("keeps its target while a video is paused (no packets): nothing ages", () => {
    const f = feeder();
    f.next(0.2);
    for (let i = 0; i < 3 * samplesIn(REPAIR_HOLD_MS); i++) expect(f.next(0, 0)).toBe(300);
  });

  it("starts again from counters that went backwards (a new stream)", () => {
    const policy = new RepairPolicy();
    policy.sample({ nackCount: 500, packetsReceived: 5000, at: 0 });
    expect(policy.sample({ nackCount: 0, packetsReceived: 100, at: REPAIR_SAMPLE_MS })).toBeNull();
    expect(policy.sample({ nackCount: 20, packetsReceived: 200, at: 2 * REPAIR_SAMPLE_MS })).toBe(300);
  });

  it("is never below what any sample of the last REPAIR_HOLD_MS needed, and always a tier or null", () => {
    const tiers = [null, ...REPAIR_TIERS.map((tier) => tier.targetMs)];
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 0.5, noNaN: true }), { maxLength: 60 }), (shares) => {
        const f = feeder();
        const wanted: (number | null)[] = [];
        for (const share of shares) {
          const target = f.next(share);
          wanted.push(repairTargetFor(Math.round(share * 100) / 100));
          expect(tiers).toContain(target);
          const recent = wanted.slice(-samplesIn(REPAIR_HOLD_MS));
          for (const need of recent) expect(target ?? 0).toBeGreaterThanOrEqual(need ?? 0);
        }
      }),
      fuzzParameters(200),
    );
  });
});
