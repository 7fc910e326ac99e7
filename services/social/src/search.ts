/**
 * User search by username prefix: public profiles only, bounded, rate-limited per user, and blind
 * to users who blocked the searcher. The prefix is folded like usernames (NFKC, case-insensitive)
 * and matched as a range on the unique `usernameKey` index, so no LIKE wildcard can sneak in.
 */
import { Prisma } from "@sealroom/db";
import { usernameKey, type PublicUser } from "@sealroom/proto/auth";
import { AppError } from "@sealroom/proto/errors";
import type { Deps } from "./deps.js";

/** Sorts after every character a key can contain. */
const MAX_CHAR = "\u{10FFFF}";
/** Buckets of users idle this long are forgotten. */
const IDLE_MS = 10 * 60_000;

/** Token buckets per user, in this instance's memory (N instances allow N times the rate). */
export class RateLimiter {
  private readonly buckets = new Map<number, { tokens: number; at: number }>();

  constructor(
    private readonly perSec: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {}

  /** 0 when allowed, otherwise the milliseconds until a token is available. */
  take(key: number): number {
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSec);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) / this.perSec) * 1000);
  }

  prune(): void {
    const now = this.now();
    for (const [key, b] of this.buckets) if (now - b.at > IDLE_MS) this.buckets.delete(key);
  }
}

export function createSearch(deps: Deps) {
  const limiter = new RateLimiter(deps.config.searchPerSec, deps.config.searchBurst, () => deps.clock.now());
  return {
    limiter,
    async users(actorId: number, prefix: string, limit: number): Promise<{ users: PublicUser[] }> {
      const wait = limiter.take(actorId);
      if (wait > 0) throw new AppError("RATE_LIMITED", "Searching too fast.", wait);
      const key = usernameKey(prefix);
      if (key.length === 0) return { users: [] };
      const rows = await deps.store.read((q) =>
        q.$queryRaw<Array<{ id: bigint | number; username: string }>>(Prisma.sql`
          SELECT u."id", u."username" FROM "User" u
          WHERE u."usernameKey" >= ${key} AND u."usernameKey" < ${key + MAX_CHAR} AND u."id" <> ${actorId}
            AND NOT EXISTS (SELECT 1 FROM "Block" b WHERE b."blockerId" = u."id" AND b."blockedId" = ${actorId})
          ORDER BY u."usernameKey" LIMIT ${limit}`),
      );
      return { users: rows.map((r) => ({ id: Number(r.id), username: r.username })) };
    },
  };
}
