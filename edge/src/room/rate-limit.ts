/** A token bucket: `burst` tokens, refilled at `perSecond`; one token per message. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly burst: number;
  private readonly perSecond: number;

  constructor(burst: number, perSecond: number, now: number) {
    this.burst = burst;
    this.perSecond = perSecond;
    this.tokens = burst;
    this.last = now;
  }

  /** Takes one token if there is one; false means the message must be refused. */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.perSecond);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * One bucket per socket, kept in memory by socket id. It starts full again if
 * the object is evicted, which only ever forgives a little.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly burst: number;
  private readonly perSecond: number;

  constructor(burst: number, perSecond: number) {
    this.burst = burst;
    this.perSecond = perSecond;
  }

  allow(sid: string, now: number = Date.now()): boolean {
    let bucket = this.buckets.get(sid);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.burst, this.perSecond, now);
      this.buckets.set(sid, bucket);
    }
    return bucket.take(now);
  }

  forget(sid: string): void {
    this.buckets.delete(sid);
  }
}
