import type { types } from "mediasoup";

/**
 * Asks the consumer's producer for a key frame once after each of `delaysMs` (from now), unless
 * the consumer closed or `done()` says it arrived. A sender that is reconfiguring its encoder (it
 * just stopped or restarted a layer) may let a first request go. Returns the timers, for
 * clearKeyFrameRequests.
 */
export function keyFrameRequests(
  consumer: types.Consumer,
  delaysMs: readonly number[],
  done: () => boolean,
): NodeJS.Timeout[] {
  return delaysMs.map((ms) => {
    const timer = setTimeout(() => {
      if (consumer.closed || done()) return;
      consumer.requestKeyFrame().catch(() => {});
    }, ms);
    timer.unref();
    return timer;
  });
}

export function clearKeyFrameRequests(timers: readonly NodeJS.Timeout[]): void {
  for (const timer of timers) clearTimeout(timer);
}
