// The arithmetic of SR-based sync (media-node/src/recording/sender-clock.ts), on made-up reports.
import { describe, expect, it } from "vitest";
import { ntpToUnixMs, senderTimeOf, syncedOffsets } from "../../media-node/src/recording/sender-clock.ts";

describe("sender-clock", () => {
  it("reads NTP time as Unix ms", () => {
    // 1 Jan 1970 is 2 208 988 800 s after the NTP epoch; half a second is 2^31 fractions.
    expect(ntpToUnixMs(2_208_988_800, 0)).toBe(0);
    expect(ntpToUnixMs(2_208_988_801, 2 ** 31)).toBe(1500);
  });

  it("maps an RTP timestamp to the sender's clock, across the 32-bit wrap", () => {
    const report = { ssrc: 1, ntpMs: 1_000_000, rtpTimestamp: 2 ** 32 - 4800 };
    // 9600 ticks of 48 kHz later, past the wrap: 200 ms after the report.
    expect(senderTimeOf(4800, 48_000, [report], 0)).toBeCloseTo(1_000_200, 6);
    // And before the report.
    expect(senderTimeOf(2 ** 32 - 9600, 48_000, [report], 0)).toBeCloseTo(999_900, 6);
  });

  it("picks, among a simulcast producer's streams, the report that puts the packet nearest its arrival", () => {
    const arrival = 5_000_000;
    const reports = [
      { ssrc: 1, ntpMs: arrival - 1000, rtpTimestamp: 1_000_000_000 }, // another layer's base
      { ssrc: 2, ntpMs: arrival - 1000, rtpTimestamp: 90_000 }, // the consumer's timestamps
    ];
    expect(senderTimeOf(90_000 + 90_000 * 0.95, 90_000, reports, arrival)).toBeCloseTo(arrival - 50, 6);
    expect(senderTimeOf(123, 90_000, [], arrival)).toBeUndefined();
  });

  it("keeps one sender's tracks at their captured distance and each sender at its least delayed track", () => {
    const offsets = syncedOffsets([
      // alice: audio arrived 20 ms after capture, video 80 ms: video moves 60 ms earlier.
      { peerId: "alice", arrivalOffsetMs: 1020, arrivalMs: 11_020, senderMs: 11_000 },
      { peerId: "alice", arrivalOffsetMs: 1080, arrivalMs: 11_080, senderMs: 11_000 },
      // bob's clock is an hour off: only distances on it count.
      { peerId: "bob", arrivalOffsetMs: 3000, arrivalMs: 13_000, senderMs: 13_000 + 3_600_000 - 30 },
      { peerId: "bob", arrivalOffsetMs: 3100, arrivalMs: 13_100, senderMs: 13_000 + 3_600_000 + 40 },
      // carol had no sender report: her arrival stays.
      { peerId: "carol", arrivalOffsetMs: 500, arrivalMs: 10_500, senderMs: undefined },
    ]);
    expect(offsets).toEqual([
      { offsetMs: 1020, sync: "sender-report" },
      { offsetMs: 1020, sync: "sender-report" },
      { offsetMs: 3000, sync: "sender-report" },
      { offsetMs: 3070, sync: "sender-report" },
      { offsetMs: 500, sync: "arrival" },
    ]);
  });

  it("keeps the arrival offset when a report would move a track by more than 2 s", () => {
    const offsets = syncedOffsets([
      { peerId: "dave", arrivalOffsetMs: 100, arrivalMs: 10_100, senderMs: 10_000 },
      { peerId: "dave", arrivalOffsetMs: 200, arrivalMs: 10_200, senderMs: 5_000 },
    ]);
    expect(offsets).toEqual([
      { offsetMs: 100, sync: "sender-report" },
      { offsetMs: 200, sync: "arrival" },
    ]);
  });
});
