/**
 * Who may see a user's devices and claim their KeyPackages: the user themself, a friend, or a
 * current member of a group (not disbanded) both are in: the people who can put them in an MLS
 * group. A read of social's tables (Friendship, GroupMember, Group), read-only here, as chat reads
 * them (services/chat/src/queries.ts). Anyone else is told NOT_FOUND, whether the user exists or
 * not, so the directory cannot be used to enumerate users or their devices.
 */
import { Prisma } from "@sealroom/db";
import { AppError } from "@sealroom/proto/errors";
import type { Store } from "./store.js";

export const unknownUser = () => new AppError("NOT_FOUND", "No such user.");

/** Throws NOT_FOUND unless `viewer` may see `target`'s devices. One statement. */
export async function assertMayView(store: Store, viewer: number, target: number): Promise<void> {
  if (viewer === target) return;
  const [low, high] = viewer < target ? [viewer, target] : [target, viewer];
  const rows = await store.run((db) =>
    db.$queryRaw<Array<{ one: unknown }>>(Prisma.sql`
      SELECT 1 AS "one" WHERE
        EXISTS (SELECT 1 FROM "Friendship" f WHERE f."userAId" = ${low} AND f."userBId" = ${high})
        OR EXISTS (
          SELECT 1 FROM "GroupMember" a
          JOIN "GroupMember" b ON b."groupId" = a."groupId"
          JOIN "Group" g ON g."id" = a."groupId"
          WHERE a."userId" = ${viewer} AND b."userId" = ${target} AND g."disbandedAt" IS NULL)`),
  );
  if (rows.length === 0) throw unknownUser();
}

/**
 * Everyone who may see `userId`'s devices (the user, their friends, members of a group with them
 * that is not disbanded): who is told when they change. One statement.
 */
export async function deviceAudience(store: Store, userId: number): Promise<number[]> {
  const rows = await store.run((db) =>
    db.$queryRaw<Array<{ id: number | bigint }>>(Prisma.sql`
      SELECT f."userBId" AS "id" FROM "Friendship" f WHERE f."userAId" = ${userId}
      UNION SELECT f."userAId" FROM "Friendship" f WHERE f."userBId" = ${userId}
      UNION SELECT b."userId" FROM "GroupMember" a
        JOIN "GroupMember" b ON b."groupId" = a."groupId"
        JOIN "Group" g ON g."id" = a."groupId"
        WHERE a."userId" = ${userId} AND g."disbandedAt" IS NULL`),
  );
  return [...new Set([userId, ...rows.map((r) => Number(r.id))])];
}
