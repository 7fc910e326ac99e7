/**
 * Token buckets: `perSec` tokens a second up to `burst`. One arithmetic for every limiter (the
 * gateway's per connection and per address, the chat and social services' per user), so a fix to
 * it is made once.
 */

export interface Rate {
  perSec: number;
  burst: number;
}

/** A bucket's state: its tokens at time `at` (milliseconds on the limiter's clock). */
interface Bucket {
  tokens: number;
  at: number;
}

/** Keys are looked at for forgetting at most this often, so take() stays O(1) on average. */
const SWEEP_MS = 10_000;

const refill = (b: Bucket, rate: Rate, t: number): number =>
  Math.min(rate.burst, b.tokens + ((t - b.at) / 1000) * rate.perSec);

/**
 * Takes `cost` tokens from `b` at time `t` (at most a full bucket's worth, so any cost can pass):
 * 0 when allowed, else the milliseconds until they are available.
 */
function take(b: Bucket, rate: Rate, t: number, cost = 1): number {
  const need = Math.min(cost, rate.burst);
  b.tokens = refill(b, rate, t);
  b.at = t;
  if (b.tokens >= need) {
    b.tokens -= need;
    return 0;
  }
  return Math.max(1, Math.ceil(((need - b.tokens) / rate.perSec) * 1000));
}

/** One bucket (a connection's command rate). */
export class TokenBucket {
  private readonly bucket: Bucket;

  constructor(
    private readonly rate: Rate,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.bucket = { tokens: rate.burst, at: now() };
  }

  /** Takes a token; returns 0 when allowed, else the milliseconds until one is available. */
  take(): number {
    return take(this.bucket, this.rate, this.now());
  }
}

/**
 * A bucket per key (a user, a client address). A key whose bucket has filled up again is forgotten:
 * a full bucket is exactly what a new key gets, so forgetting changes no answer, and a key that
 * stopped costs no memory.
 */
export class KeyedTokenBucket<K> {
  private readonly buckets = new Map<K, Bucket>();
  private lastSweep: number;

  constructor(
    private readonly rate: Rate,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastSweep = now();
  }

  /** Takes `cost` tokens for `key`; returns 0 when allowed, else the milliseconds until they are available. */
  take(key: K, cost = 1): number {
    const t = this.now();
    if (t - this.lastSweep > SWEEP_MS) this.prune();
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.rate.burst, at: t };
      this.buckets.set(key, b);
    }
    return take(b, this.rate, t, cost);
  }

  /** How many keys are remembered. */
  get size(): number {
    return this.buckets.size;
  }

  /** Forgets every key whose bucket is full again (take() also does this every few seconds). */
  prune(): void {
    const t = this.now();
    this.lastSweep = t;
    for (const [key, b] of this.buckets) if (refill(b, this.rate, t) >= this.rate.burst) this.buckets.delete(key);
  }
}
