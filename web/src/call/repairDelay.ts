/**
 * Waiting for repairs under loss. A video frame with a lost packet can be shown only once the
 * retransmission arrives (NACK, then RTX), a round trip later, and one more for each try that
 * is lost as well. Chrome's jitter buffer sizes its delay for the jitter of frames that arrive
 * whole, not for repairs, so a frame that waits for one freezes the picture: 24 freezes a
 * minute at 15 % loss each way, 3 with this module (tests/bench/network.ts). Under loss, each
 * receiver of remote video is given a playout target (RTCRtpReceiver.jitterBufferTarget) long
 * enough for repairs: a little more latency while the network is bad, in exchange for a steady
 * picture. Audio is left to its own jitter buffer; the browser's lip sync holds it back to
 * match the video.
 *
 * The signal is the share of a receiver's packets it had to ask for again (nackCount per packet
 * received). It counts loss on the sender's leg too: the SFU forwards a repaired packet late,
 * and the receiver asks for it meanwhile.
 */

/** How often each receiver is sampled. */
export const REPAIR_SAMPLE_MS = 2_000;
/** From the most loss down: a sample whose share of NACKed packets is at least `share` gets `targetMs`. */
export const REPAIR_TIERS: readonly { share: number; targetMs: number }[] = [
  { share: 0.1, targetMs: 300 },
  { share: 0.03, targetMs: 150 },
];
/** How long the network has to stay better before the target comes down (a loss burst often comes back). */
export const REPAIR_HOLD_MS = 10_000;
/**
 * The fewest packets a share is taken over: a slower stream (a small layer, a still picture)
 * has its samples added up until they reach it, so that one stray NACK does not look like loss.
 */
export const REPAIR_MIN_PACKETS = 50;

/** A receiver's cumulative counters (inbound-rtp), and when they were read (ms). */
export interface RepairSample {
  nackCount: number;
  packetsReceived: number;
  at: number;
}

/** The playout target for a share of NACKed packets; null: the browser's own. */
export function repairTargetFor(share: number): number | null {
  return REPAIR_TIERS.find((tier) => share >= tier.share)?.targetMs ?? null;
}

/**
 * One receiver's target, from its samples: the most that any share of the last REPAIR_HOLD_MS
 * needed. So it goes up with the first share that needs more, and comes down a step at a time
 * as the lossy shares age out. A share is taken once REPAIR_MIN_PACKETS have arrived since the
 * last one; until then nothing ages either (a paused video keeps its target for when it is back).
 */
export class RepairPolicy {
  #base: RepairSample | null = null;
  #recent: { at: number; wanted: number | null }[] = [];

  get target(): number | null {
    let most: number | null = null;
    for (const { wanted } of this.#recent) if ((wanted ?? 0) > (most ?? 0)) most = wanted;
    return most;
  }

  /** Takes the next sample; returns the target to apply now. */
  sample(next: RepairSample): number | null {
    const base = this.#base;
    // Counters that went backwards belong to a new stream: start again from them.
    if (base === null || next.packetsReceived < base.packetsReceived || next.nackCount < base.nackCount) {
      this.#base = next;
      return this.target;
    }
    const packets = next.packetsReceived - base.packetsReceived;
    if (packets < REPAIR_MIN_PACKETS) return this.target;
    this.#base = next;
    this.#recent = this.#recent.filter((taken) => next.at - taken.at < REPAIR_HOLD_MS);
    this.#recent.push({ at: next.at, wanted: repairTargetFor((next.nackCount - base.nackCount) / packets) });
    return this.target;
  }
}

/** Whether this browser lets a page set a receiver's playout target. */
function supported(): boolean {
  return typeof RTCRtpReceiver !== "undefined" && "jitterBufferTarget" in RTCRtpReceiver.prototype;
}

/**
 * Samples every video receiver `receivers()` lists, every REPAIR_SAMPLE_MS, and sets its
 * jitterBufferTarget from its RepairPolicy. Owned by a media engine, which closes it.
 */
export class RepairDelay {
  readonly #receivers: () => Iterable<RTCRtpReceiver>;
  readonly #policies = new Map<RTCRtpReceiver, RepairPolicy>();
  readonly #timer: ReturnType<typeof setInterval> | undefined;
  #sampling = false;
  #closed = false;

  constructor(receivers: () => Iterable<RTCRtpReceiver>) {
    this.#receivers = receivers;
    if (supported()) this.#timer = setInterval(() => void this.#sampleAll(), REPAIR_SAMPLE_MS);
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#policies.clear();
  }

  async #sampleAll(): Promise<void> {
    if (this.#sampling) return;
    this.#sampling = true;
    try {
      const live = new Set([...this.#receivers()].filter((receiver) => receiver.track.kind === "video"));
      for (const receiver of this.#policies.keys()) if (!live.has(receiver)) this.#policies.delete(receiver);
      for (const receiver of live) {
        const counters = await inboundCounters(receiver);
        if (this.#closed) return;
        if (counters === null) continue;
        const policy = this.#policies.get(receiver) ?? new RepairPolicy();
        this.#policies.set(receiver, policy);
        const target = policy.sample({ ...counters, at: performance.now() });
        if (receiver.jitterBufferTarget !== target) receiver.jitterBufferTarget = target;
      }
    } finally {
      this.#sampling = false;
    }
  }
}

/** A receiver's inbound-rtp counters; null when it has none yet or its connection closed meanwhile. */
async function inboundCounters(receiver: RTCRtpReceiver): Promise<Omit<RepairSample, "at"> | null> {
  let counters: Omit<RepairSample, "at"> | null = null;
  try {
    (await receiver.getStats()).forEach((report: RTCStats & { nackCount?: number; packetsReceived?: number }) => {
      if (report.type !== "inbound-rtp") return;
      counters = { nackCount: report.nackCount ?? 0, packetsReceived: report.packetsReceived ?? 0 };
    });
  } catch {
    return null;
  }
  return counters;
}
