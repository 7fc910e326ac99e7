/**
 * Presence: gateways report, this service decides.
 *
 * Each gateway reports its signed-in connection count per user (one Presence row per user and
 * gateway) and renews its GatewayLease with heartbeats. A user is online while any of their rows
 * with connections > 0 belongs to a gateway whose lease has not expired. Every change runs in a
 * serialized write transaction that compares the user's online state before and after, so each
 * online/offline transition is decided (and published) exactly once, whichever instance handles
 * the report, a "gateway down", or the sweep of an expired lease (every instance sweeps; the first
 * to take the write lock finds the expired lease, the others find nothing).
 *
 * Reports carry a per-gateway increasing stamp kept in Presence.updatedAt: a late report never
 * overwrites a newer count. Rows whose count fell to 0 stay as tombstones for a while so a late
 * report cannot revive them either.
 */
import {
  PRESENCE_REPORT_MAX_ENTRIES,
  type PresenceAck,
  type PresenceDown,
  type PresenceHeartbeat,
  type PresenceReport,
} from "@sealroom/proto/gateway-presence";
import { Prisma } from "@sealroom/db";
import { mutate, type Deps } from "./deps.js";
import type { Outbox } from "./outbox.js";
import type { Tx } from "./store.js";
import { chunks, onlineAmong } from "./views.js";

/** Users going offline get lastSeenAt = now; each transition goes to the outbox. */
async function applyTransitions(
  tx: Tx,
  out: Outbox,
  users: readonly number[],
  before: Set<number>,
  after: Set<number>,
  now: Date,
): Promise<void> {
  const wentOffline = users.filter((u) => before.has(u) && !after.has(u));
  const cameOnline = users.filter((u) => !before.has(u) && after.has(u));
  // In parts: a gateway that goes down can take thousands, more than one statement may name.
  for (const part of chunks(wentOffline))
    await tx.user.updateMany({ where: { id: { in: part } }, data: { lastSeenAt: now } });
  for (const userId of [...cameOnline, ...wentOffline]) out.presence(userId);
}

/**
 * Forgets a gateway: its lease and rows go, and its users who are not online elsewhere go
 * offline. Used for "down", for expired leases, and before renewing a lease that had lapsed.
 */
async function expireGateway(tx: Tx, out: Outbox, gatewayId: string, now: Date): Promise<void> {
  const rows = await tx.presence.findMany({ where: { gatewayId, connections: { gt: 0 } }, select: { userId: true } });
  await tx.presence.deleteMany({ where: { gatewayId } });
  await tx.gatewayLease.deleteMany({ where: { gatewayId } });
  const users = rows.map((r) => r.userId);
  // They counted as online through this gateway until now (an expired lease is announced here).
  const stillOnline = await onlineAmong(tx, users, now);
  await applyTransitions(tx, out, users, new Set(users), stillOnline, now);
}

/** Renews the lease; a lease that had lapsed is expired first. Returns whether it was live. */
async function renewLease(tx: Tx, out: Outbox, gatewayId: string, ttlMs: number, now: Date): Promise<boolean> {
  const lease = await tx.gatewayLease.findUnique({ where: { gatewayId } });
  const live = lease !== null && lease.expiresAt > now;
  if (lease && !live) await expireGateway(tx, out, gatewayId, now);
  const expiresAt = new Date(now.getTime() + ttlMs);
  await tx.gatewayLease.upsert({ where: { gatewayId }, create: { gatewayId, expiresAt }, update: { expiresAt } });
  return live;
}

type HereRow = { userId: number; connections: number; updatedAt: Date };

/** Four parameters a row: within SQLite's 999 a statement. */
const ROWS_PER_INSERT = 200;

/**
 * A report's counts in a few statements, whatever its size: one UPDATE per distinct count (a mass
 * reconnect or disconnect is one or two) and multi-row INSERTs. A statement per row, and Prisma's
 * createMany (whose plan is compiled at the size of its data), held the write lock ~100 ms for a
 * report of 200 (issue #19: `BENCH=presence npm run bench -w @sealroom/social`). Dates bind as
 * Prisma's own writes store them (presence.test.ts reads them back through Prisma on both engines).
 */
async function writeCounts(
  tx: Tx,
  gatewayId: string,
  changes: ReadonlyMap<number, number>,
  here: ReadonlyMap<number, HereRow>,
  stamp: Date,
): Promise<void> {
  const updates = new Map<number, number[]>();
  const created: Prisma.Sql[] = [];
  for (const [userId, connections] of changes) {
    if (!here.has(userId)) created.push(Prisma.sql`(${userId}, ${gatewayId}, ${connections}, ${stamp})`);
    else if (updates.has(connections)) updates.get(connections)!.push(userId);
    else updates.set(connections, [userId]);
  }
  for (const [connections, userIds] of updates)
    await tx.$executeRaw(Prisma.sql`
      UPDATE "Presence" SET "connections" = ${connections}, "updatedAt" = ${stamp}
       WHERE "gatewayId" = ${gatewayId} AND "userId" IN (${Prisma.join(userIds)})`);
  for (const part of chunks(created, ROWS_PER_INSERT))
    await tx.$executeRaw(Prisma.sql`
      INSERT INTO "Presence" ("userId", "gatewayId", "connections", "updatedAt") VALUES ${Prisma.join(part)}`);
}

export function createPresence(deps: Deps) {
  const { config } = deps;

  return {
    async report(r: PresenceReport): Promise<PresenceAck> {
      return mutate(deps, async (tx, out, now) => {
        const { gatewayId, reset } = r;
        const live = await renewLease(tx, out, gatewayId, r.ttlMs, now);
        const stamp = new Date(r.stamp);
        // A user named twice counts once, with the last entry.
        const reported = new Map(r.entries.slice(0, PRESENCE_REPORT_MAX_ENTRIES).map((e) => [e.userId, e.connections]));
        // This gateway's rows of the reported users; on a reset all of them, since everything it
        // reported before is replaced.
        const rows = await tx.presence.findMany({
          where: reset ? { gatewayId } : { gatewayId, userId: { in: [...reported.keys()] } },
          select: { userId: true, connections: true, updatedAt: true },
        });
        const here = new Map(rows.map((row) => [row.userId, row]));
        const users = [
          ...new Set([...reported.keys(), ...rows.filter((row) => row.connections > 0).map((row) => row.userId)]),
        ];
        // Online before and after, from this gateway's counts (its lease was just renewed) and the
        // others': the same answer as onlineAmong before and after the writes, in one query.
        const elsewhere = await onlineAmong(tx, users, now, { except: gatewayId });
        // A count stamped later than this report is left alone, unless the report is a reset.
        const changes = new Map(
          [...reported].filter(([userId]) => {
            const row = here.get(userId);
            return reset || row === undefined || row.updatedAt <= stamp;
          }),
        );
        const countAfter = (userId: number) =>
          changes.get(userId) ?? (reset ? 0 : (here.get(userId)?.connections ?? 0));
        if (reset) {
          // Whatever its stamp (a restarted gateway's clock may be behind its predecessor's):
          // tombstones carrying this stamp, so a late report from before the reset cannot revive
          // them, overwritten by the entries below.
          await tx.presence.updateMany({ where: { gatewayId }, data: { connections: 0, updatedAt: stamp } });
        }
        await writeCounts(tx, gatewayId, changes, here, stamp);
        const online = (count: (userId: number) => number) =>
          new Set(users.filter((u) => elsewhere.has(u) || count(u) > 0));
        const before = online((u) => here.get(u)?.connections ?? 0);
        await applyTransitions(tx, out, users, before, online(countAfter), now);
        return { resync: !live && !reset };
      });
    },

    async heartbeat(h: PresenceHeartbeat): Promise<PresenceAck> {
      return mutate(deps, async (tx, out, now) => ({
        resync: !(await renewLease(tx, out, h.gatewayId, h.ttlMs, now)),
      }));
    },

    async down(d: PresenceDown): Promise<PresenceAck> {
      await mutate(deps, (tx, out, now) => expireGateway(tx, out, d.gatewayId, now));
      return { resync: false };
    },

    /** Expires lapsed leases and drops old tombstones; returns how many leases were expired. */
    async sweep(): Promise<number> {
      return mutate(deps, async (tx, out, now) => {
        const expired = await tx.gatewayLease.findMany({
          where: { expiresAt: { lte: now } },
          select: { gatewayId: true },
        });
        for (const { gatewayId } of expired) await expireGateway(tx, out, gatewayId, now);
        await tx.presence.deleteMany({
          where: { connections: 0, updatedAt: { lt: new Date(now.getTime() - config.presenceTombstoneMs) } },
        });
        return expired.length;
      });
    },
  };
}
