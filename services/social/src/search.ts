/**
 * User search by username prefix: public profiles only, bounded, rate-limited per user, and blind
 * to users who blocked the searcher. The prefix is folded like usernames (NFKC, case-insensitive)
 * and matched as a range on the unique `usernameKey` index, so no LIKE wildcard can sneak in.
 */
import { Prisma } from "@sealroom/db";
import { usernameKey, type PublicUser } from "@sealroom/proto/auth";
import { AppError } from "@sealroom/proto/errors";
import { KeyedTokenBucket } from "@sealroom/runtime";
import type { Deps } from "./deps.js";

/** Sorts after every character a key can contain. */
const MAX_CHAR = "\u{10FFFF}";

export function createSearch(deps: Deps) {
  // Per user, in this instance's memory (N instances allow N times the rate).
  const limiter = new KeyedTokenBucket<number>(
    { perSec: deps.config.searchPerSec, burst: deps.config.searchBurst },
    () => deps.clock.now(),
  );
  return {
    limiter,
    async users(actorId: number, prefix: string, limit: number): Promise<{ users: PublicUser[] }> {
      const wait = limiter.take(actorId);
      if (wait > 0) throw new AppError("RATE_LIMITED", "Searching too fast.", wait);
      const key = usernameKey(prefix);
      if (key.length === 0) return { users: [] };
      // Code point order on both engines: SQLite compares text with BINARY; PostgreSQL with the
      // database's collation unless told otherwise, and under a linguistic one (en_US, ICU) the
      // range would not be "every key that starts with the prefix". The PostgreSQL migration has
      // an index on "usernameKey" COLLATE "C" for this range.
      const column =
        deps.store.engine === "postgresql" ? Prisma.sql`u."usernameKey" COLLATE "C"` : Prisma.sql`u."usernameKey"`;
      const rows = await deps.store.read((q) =>
        q.$queryRaw<Array<{ id: bigint | number; username: string }>>(Prisma.sql`
          SELECT u."id", u."username" FROM "User" u
          WHERE ${column} >= ${key} AND ${column} < ${key + MAX_CHAR} AND u."id" <> ${actorId}
            AND NOT EXISTS (SELECT 1 FROM "Block" b WHERE b."blockerId" = u."id" AND b."blockedId" = ${actorId})
          ORDER BY ${column} LIMIT ${limit}`),
      );
      return { users: rows.map((r) => ({ id: Number(r.id), username: r.username })) };
    },
  };
}
