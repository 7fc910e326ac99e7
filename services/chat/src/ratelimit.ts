/**
 * A per-user budget for writes (send, edit, delete), kept by the chat service because a gateway's
 * per-connection bucket does not stop a user with connections on several gateways (or several
 * connections on one) from multiplying their rate. In this instance's memory: N chat instances
 * allow up to N times the rate.
 */

/** Buckets of users idle this long are forgotten. */
const IDLE_MS = 10 * 60_000;

export interface UserRate {
  perSec: number;
  burst: number;
}

export class UserRateLimiter {
  private readonly buckets = new Map<number, { tokens: number; at: number }>();
  private lastPrune: number;

  constructor(
    private readonly rate: UserRate,
    private readonly now: () => number,
  ) {
    this.lastPrune = now();
  }

  /** 0 when allowed, otherwise the milliseconds until a token is available. */
  take(userId: number): number {
    const now = this.now();
    if (now - this.lastPrune > IDLE_MS) this.prune(now);
    const b = this.buckets.get(userId) ?? { tokens: this.rate.burst, at: now };
    b.tokens = Math.min(this.rate.burst, b.tokens + ((now - b.at) / 1000) * this.rate.perSec);
    b.at = now;
    this.buckets.set(userId, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - b.tokens) / this.rate.perSec) * 1000));
  }

  get size(): number {
    return this.buckets.size;
  }

  private prune(now: number): void {
    this.lastPrune = now;
    for (const [key, b] of this.buckets) if (now - b.at > IDLE_MS) this.buckets.delete(key);
  }
}
