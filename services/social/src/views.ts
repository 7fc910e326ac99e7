/** Lookups shared by the modules: users by id, relations, presence as a given viewer may see it. */
import { Prisma } from "@sealroom/db";
import { AppError } from "@sealroom/proto/errors";
import type { PublicUser } from "@sealroom/proto/auth";
import type { Presence } from "@sealroom/proto/social";
import type { Outbox } from "./outbox.js";
import type { Tx } from "./store.js";

/** SQLite binds at most 32766 parameters; stay far below. */
const CHUNK = 500;

export const ms = (d: Date): number => d.getTime();
export const msOrNull = (d: Date | null): number | null => (d === null ? null : d.getTime());

export function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface UserRow extends PublicUser {
  lastSeenAt: Date | null;
}

export async function usersById(q: Tx, ids: Iterable<number>): Promise<Map<number, UserRow>> {
  const unique = [...new Set(ids)];
  const map = new Map<number, UserRow>();
  for (const part of chunks(unique)) {
    const rows = await q.user.findMany({
      where: { id: { in: part } },
      select: { id: true, username: true, lastSeenAt: true },
    });
    for (const row of rows) map.set(row.id, row);
  }
  return map;
}

export const publicUser = (u: UserRow | PublicUser): PublicUser => ({ id: u.id, username: u.username });

/** The user, or NOT_FOUND. */
export async function requireUser(q: Tx, id: number): Promise<UserRow> {
  const user = await q.user.findUnique({ where: { id }, select: { id: true, username: true, lastSeenAt: true } });
  if (!user) throw new AppError("NOT_FOUND", "No such user.");
  return user;
}

/** Looks a user up in a map that must hold it (rows are never deleted). */
export function known(users: Map<number, UserRow>, id: number): PublicUser {
  const user = users.get(id);
  return user ? publicUser(user) : { id, username: `user-${id}` };
}

export function friendPair(a: number, b: number): { userAId: number; userBId: number } {
  return a < b ? { userAId: a, userBId: b } : { userAId: b, userBId: a };
}

export async function areFriends(q: Tx, a: number, b: number): Promise<boolean> {
  return (await q.friendship.findUnique({ where: { userAId_userBId: friendPair(a, b) } })) !== null;
}

/** Which of `ids` are friends of `userId` (one query per chunk, not one per user). */
export async function friendsAmong(q: Tx, userId: number, ids: readonly number[]): Promise<Set<number>> {
  const friends = new Set<number>();
  for (const part of chunks(ids)) {
    // A pair is stored once, the lower id first (friendPair).
    const rows = await q.friendship.findMany({
      where: {
        OR: [
          { userAId: userId, userBId: { in: part } },
          { userBId: userId, userAId: { in: part } },
        ],
      },
    });
    for (const r of rows) friends.add(r.userAId === userId ? r.userBId : r.userAId);
  }
  return friends;
}

export interface Blocks {
  /** `a` blocked `b`. */
  aBlocksB: boolean;
  bBlocksA: boolean;
}

export async function blocksBetween(q: Tx, a: number, b: number): Promise<Blocks> {
  const rows = await q.block.findMany({
    where: {
      OR: [
        { blockerId: a, blockedId: b },
        { blockerId: b, blockedId: a },
      ],
    },
  });
  return {
    aBlocksB: rows.some((r) => r.blockerId === a),
    bBlocksA: rows.some((r) => r.blockerId === b),
  };
}

/** Gateways whose lease has not expired. */
async function liveGateways(q: Tx, now: Date): Promise<string[]> {
  const leases = await q.gatewayLease.findMany({ where: { expiresAt: { gt: now } }, select: { gatewayId: true } });
  return leases.map((l) => l.gatewayId);
}

/**
 * Which of `userIds` are online: a connection counted on a gateway with a live lease (`except`: on
 * a live gateway other than that one).
 */
export async function onlineAmong(
  q: Tx,
  userIds: Iterable<number>,
  now: Date,
  opts: { except?: string } = {},
): Promise<Set<number>> {
  const ids = [...new Set(userIds)];
  const online = new Set<number>();
  if (ids.length === 0) return online;
  const gateways = (await liveGateways(q, now)).filter((g) => g !== opts.except);
  if (gateways.length === 0) return online;
  for (const part of chunks(ids)) {
    const rows = await q.presence.findMany({
      where: { userId: { in: part }, gatewayId: { in: gateways }, connections: { gt: 0 } },
      select: { userId: true },
    });
    for (const row of rows) online.add(row.userId);
  }
  return online;
}

/** Users related to `viewer` by a block in either direction. */
export async function blockedEitherWay(q: Tx, viewer: number, ids: readonly number[]): Promise<Set<number>> {
  const hidden = new Set<number>();
  for (const part of chunks(ids)) {
    const rows = await q.block.findMany({
      where: {
        OR: [
          { blockerId: viewer, blockedId: { in: part } },
          { blockedId: viewer, blockerId: { in: part } },
        ],
      },
    });
    for (const r of rows) hidden.add(r.blockerId === viewer ? r.blockedId : r.blockerId);
  }
  return hidden;
}

export const HIDDEN_PRESENCE: Presence = { online: false, lastSeenAt: null };

/** Presence of `users` as `viewer` may see it: hidden across a block, in either direction. */
export async function presenceFor(
  q: Tx,
  viewer: number,
  users: Map<number, UserRow>,
  now: Date,
): Promise<Map<number, Presence>> {
  const ids = [...users.keys()];
  const online = await onlineAmong(q, ids, now);
  const hidden = await blockedEitherWay(q, viewer, ids);
  const out = new Map<number, Presence>();
  for (const [id, user] of users) {
    if (hidden.has(id)) out.set(id, HIDDEN_PRESENCE);
    else if (online.has(id)) out.set(id, { online: true, lastSeenAt: null });
    else out.set(id, { online: false, lastSeenAt: msOrNull(user.lastSeenAt) });
  }
  return out;
}

/** Whether two users share a group that is not disbanded (fellow members see each other's presence). */
export async function shareActiveGroup(q: Tx, a: number, b: number): Promise<boolean> {
  const rows = await q.$queryRaw<Array<{ one: number | bigint }>>(Prisma.sql`
    SELECT 1 AS one FROM "GroupMember" m1
    JOIN "GroupMember" m2 ON m2."groupId" = m1."groupId" AND m2."userId" = ${b}
    JOIN "Group" g ON g."id" = m1."groupId" AND g."disbandedAt" IS NULL
    WHERE m1."userId" = ${a} LIMIT 1`);
  return rows.length > 0;
}

/**
 * After an unfriending or a block, each side's last known presence of the other must not linger
 * ("online" until a reload): when neither friendship nor a shared group (without a block) lets them
 * see it any more, each is told the other's presence is hidden, as a never-seen user's.
 */
export async function hidePresenceIfUnseen(q: Tx, out: Outbox, a: number, b: number, blocked: boolean): Promise<void> {
  if (!blocked && (await shareActiveGroup(q, a, b))) return;
  out.toUser(a, "presence.changed.v1", { userId: b, ...HIDDEN_PRESENCE });
  out.toUser(b, "presence.changed.v1", { userId: a, ...HIDDEN_PRESENCE });
}

/**
 * Who sees `userId`'s presence and profile: friends and the members of the active groups they
 * share, without a block either way; at most `cap` of them (the fan-out bound).
 */
export async function watchersOf(q: Tx, userId: number, cap: number): Promise<number[]> {
  return (await watchersOfMany(q, [userId], cap)).get(userId) ?? [];
}

/** Three lists of ids a statement: within SQLite's 999 parameters. */
const WATCHED_PER_QUERY = 300;

/**
 * watchersOf for many users in one query per 300 (a gateway's mass reconnect changes thousands of
 * users' presence at once; a query each held social's queue for seconds, issue #19). Each user's
 * watchers are the lowest `cap` ids; users nobody watches are absent.
 */
export async function watchersOfMany(q: Tx, userIds: readonly number[], cap: number): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  for (const part of chunks([...new Set(userIds)], WATCHED_PER_QUERY)) {
    const ids = Prisma.join(part);
    const rows = await q.$queryRaw<Array<{ subject: bigint | number; watcher: bigint | number }>>(Prisma.sql`
      SELECT "subject", "watcher" FROM (
        SELECT p."subject", p."watcher", ROW_NUMBER() OVER (PARTITION BY p."subject" ORDER BY p."watcher") AS "n"
          FROM (
            SELECT "userAId" AS "subject", "userBId" AS "watcher" FROM "Friendship" WHERE "userAId" IN (${ids})
            UNION SELECT "userBId", "userAId" FROM "Friendship" WHERE "userBId" IN (${ids})
            UNION SELECT m1."userId", m2."userId" FROM "GroupMember" m1
              JOIN "Group" g ON g."id" = m1."groupId" AND g."disbandedAt" IS NULL
              JOIN "GroupMember" m2 ON m2."groupId" = m1."groupId"
              WHERE m1."userId" IN (${ids}) AND m2."userId" <> m1."userId"
          ) p
         WHERE NOT EXISTS (
           SELECT 1 FROM "Block" b
            WHERE (b."blockerId" = p."subject" AND b."blockedId" = p."watcher")
               OR (b."blockerId" = p."watcher" AND b."blockedId" = p."subject"))
      ) ranked
      WHERE "n" <= ${cap}
      ORDER BY "subject", "watcher"`);
    for (const row of rows) {
      const subject = Number(row.subject);
      const watchers = out.get(subject);
      if (watchers) watchers.push(Number(row.watcher));
      else out.set(subject, [Number(row.watcher)]);
    }
  }
  return out;
}
