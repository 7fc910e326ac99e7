/** Users: lookup, creation and password updates. */
import { Prisma } from "@sealroom/db";
import type { PublicUser, TicketGrant } from "@sealroom/proto/auth";
import type { Clock } from "./clock.js";
import type { Store } from "./store.js";
import { reservedSkeleton } from "./skeleton.js";
import { mintTicket } from "./tickets.js";

export interface StoredUser extends PublicUser {
  usernameKey: string;
  passwordHash: string;
}

export interface NewPassword {
  userId: number;
  /** The session that changes the password: it stays, every other one is revoked. */
  sessionId: string;
  sessionExpiresAt: Date;
  /** The hash the password was verified against; the change applies only if it is still current. */
  oldHash: string;
  newHash: string;
  ticketTtlMs: number;
}

export interface Accounts {
  findByKey(usernameKey: string): Promise<StoredUser | null>;
  /** Whether a user holds this key or this confusable skeleton (skeleton.ts). */
  nameTaken(usernameKey: string, usernameSkeleton: string): Promise<boolean>;
  /**
   * `undefined` when the username key or its skeleton is taken (also when another instance just took
   * it: both are unique columns, so of two concurrent look-alikes only one is created).
   */
  create(user: {
    username: string;
    usernameKey: string;
    usernameSkeleton: string;
    passwordHash: string;
  }): Promise<PublicUser | undefined>;
  /**
   * Reserves the skeleton of every user who has none yet (rows from before migration 0003). A name
   * whose skeleton another user already holds keeps none and is reported to `clash`.
   */
  backfillSkeletons(clash: (userId: number) => void): Promise<number>;
  /** Stores a rehash of the same password, unless the password changed meanwhile. */
  replaceHash(userId: number, oldHash: string, newHash: string): Promise<boolean>;
  /**
   * In one transaction: the new hash, every other session revoked, every unused ticket of the user
   * deleted and a fresh one for this session. `undefined` (and nothing revoked) if the password
   * changed meanwhile.
   */
  changePassword(change: NewPassword): Promise<TicketGrant | undefined>;
}

const userFields = { id: true, username: true, usernameKey: true, passwordHash: true } as const;

export function createAccounts({ store, clock }: { store: Store; clock: Clock }): Accounts {
  return {
    findByKey: (usernameKey) =>
      store.run((db) => db.user.findUnique({ where: { usernameKey }, select: userFields })),

    async nameTaken(usernameKey, usernameSkeleton) {
      const found = await store.run((db) =>
        db.user.findFirst({ where: { OR: [{ usernameKey }, { usernameSkeleton }] }, select: { id: true } }),
      );
      return found !== null;
    },

    async backfillSkeletons(clash) {
      let filled = 0;
      let after = 0;
      // In pages, one row at a time: a clash (P2002) must cost only that row.
      for (;;) {
        const page = await store.run((db) =>
          db.user.findMany({
            where: { usernameSkeleton: null, id: { gt: after } },
            orderBy: { id: "asc" },
            take: 500,
            select: { id: true, username: true },
          }),
        );
        for (const user of page) {
          try {
            const { count } = await store.run((db) =>
              db.user.updateMany({
                where: { id: user.id, usernameSkeleton: null },
                data: { usernameSkeleton: reservedSkeleton(user.username) },
              }),
            );
            filled += count;
          } catch (err) {
            if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002")) throw err;
            clash(user.id);
          }
        }
        const last = page.at(-1);
        if (!last) return filled;
        after = last.id;
      }
    },

    async create(user) {
      const now = new Date(clock.now());
      try {
        return await store.run((db) =>
          db.user.create({
            data: { ...user, createdAt: now, passwordChangedAt: now },
            select: { id: true, username: true },
          }),
        );
      } catch (err) {
        if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") return undefined;
        throw err;
      }
    },

    async replaceHash(userId, oldHash, newHash) {
      const { count } = await store.run((db) =>
        db.user.updateMany({ where: { id: userId, passwordHash: oldHash }, data: { passwordHash: newHash } }),
      );
      return count === 1;
    },

    async changePassword(c) {
      const nowMs = clock.now();
      const now = new Date(nowMs);
      const t = mintTicket(nowMs, c.ticketTtlMs, c.sessionExpiresAt);
      const applied = { passwordHash: c.newHash };
      const [changed] = await store.run((db) =>
        db.$transaction([
          db.user.updateMany({
            where: { id: c.userId, passwordHash: c.oldHash },
            data: { passwordHash: c.newHash, passwordChangedAt: now },
          }),
          // The rest applies only if the new hash went in (the user row now holds it).
          db.session.updateMany({
            where: { userId: c.userId, id: { not: c.sessionId }, revokedAt: null, user: applied },
            data: { revokedAt: now },
          }),
          db.ticket.deleteMany({ where: { usedAt: null, session: { userId: c.userId, user: applied } } }),
          db.ticket.create({
            data: { hash: t.hash, sessionId: c.sessionId, createdAt: now, expiresAt: t.expiresAt },
          }),
        ]),
      );
      return changed.count === 1 ? { ticket: t.ticket, ticketExpiresAt: t.expiresAt.getTime() } : undefined;
    },
  };
}
