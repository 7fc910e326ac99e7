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

export function createPresence(deps: Deps) {
  const { config } = deps;

  return {
    async report(r: PresenceReport): Promise<PresenceAck> {
      return mutate(deps, async (tx, out, now) => {
        const live = await renewLease(tx, out, r.gatewayId, r.ttlMs, now);
        const stamp = new Date(r.stamp);
        const previous = r.reset
          ? await tx.presence.findMany({
              where: { gatewayId: r.gatewayId, connections: { gt: 0 } },
              select: { userId: true },
            })
          : [];
        const users = [...new Set([...r.entries.map((e) => e.userId), ...previous.map((p) => p.userId)])];
        const before = await onlineAmong(tx, users, now);
        if (r.reset) {
          // Everything the gateway reported before is replaced, whatever its stamp (a restarted
          // gateway's clock may be behind its predecessor's): tombstones carrying this stamp, so a
          // late report from before the reset cannot revive them, overwritten by the entries below.
          await tx.presence.updateMany({
            where: { gatewayId: r.gatewayId },
            data: { connections: 0, updatedAt: stamp },
          });
        }
        const rows = await tx.presence.findMany({
          where: { gatewayId: r.gatewayId, userId: { in: r.entries.map((e) => e.userId) } },
        });
        const existing = new Map(rows.map((row) => [row.userId, row]));
        const created = new Map<number, number>();
        for (const e of r.entries.slice(0, PRESENCE_REPORT_MAX_ENTRIES)) {
          const row = existing.get(e.userId);
          const key = { userId_gatewayId: { userId: e.userId, gatewayId: r.gatewayId } };
          if (!row) {
            // A user named twice counts once, with the last entry.
            created.set(e.userId, e.connections);
          } else if (row.updatedAt <= stamp) {
            await tx.presence.update({ where: key, data: { connections: e.connections, updatedAt: stamp } });
          }
        }
        // New rows in one statement: a gateway's first report names every user it holds, and a
        // round trip per row cost seconds on PostgreSQL.
        if (created.size > 0) {
          await tx.presence.createMany({
            data: [...created].map(([userId, connections]) => ({
              userId,
              gatewayId: r.gatewayId,
              connections,
              updatedAt: stamp,
            })),
          });
        }
        const after = await onlineAmong(tx, users, now);
        await applyTransitions(tx, out, users, before, after, now);
        return { resync: !live && !r.reset };
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
