/** Users: lookup, creation and password updates. */
import { Prisma } from "@sealroom/db";
import type { PasswordChanged, PublicUser } from "@sealroom/proto/auth";
import type { Clock } from "./clock.js";
import type { Store } from "./store.js";
import { reservedSkeleton } from "./skeleton.js";
import { mintTicket, newSessionId } from "./tickets.js";

export interface StoredUser extends PublicUser {
  usernameKey: string;
  passwordHash: string;
}

export interface NewPassword {
  userId: number;
  /** The session of the connection that changes the password: revoked with every other one. */
  sessionId: string;
  /** The hash the password was verified against; the change applies only if it is still current. */
  oldHash: string;
  newHash: string;
  sessionTtlMs: number;
  ticketTtlMs: number;
}

/** Why a password change applied nothing. */
export type PasswordNotChanged = "password-changed-meanwhile" | "session-ended";

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
   * In one transaction: the new hash, every session of the user revoked (the changing one too),
   * every unused ticket deleted, and a new session with its first ticket for the connection that
   * made the change, which keeps its end-to-end device (moved to the new session); every other
   * device of the user is deleted. Nothing at all if the password changed or the session ended meanwhile.
   */
  changePassword(change: NewPassword): Promise<PasswordChanged | PasswordNotChanged>;
}

const userFields = { id: true, username: true, usernameKey: true, passwordHash: true } as const;

export function createAccounts({ store, clock }: { store: Store; clock: Clock }): Accounts {
  return {
    findByKey: (usernameKey) => store.run((db) => db.user.findUnique({ where: { usernameKey }, select: userFields })),

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
      const now = new Date(clock());
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
      const nowMs = clock();
      const now = new Date(nowMs);
      // A new session, not a new ticket for the old one: anyone who resumed with a stolen ticket
      // shares the old session's id, and only a session id the thief never saw leaves him out.
      const sessionId = newSessionId();
      const expiresAt = new Date(nowMs + c.sessionTtlMs);
      const t = mintTicket(nowMs, c.ticketTtlMs, expiresAt);
      try {
        await store.run((db) =>
          db.$transaction([
            // The two gates: each `update` fails (P2025), rolling the whole batch back, if the
            // password changed since it was verified or the changing session ended meanwhile.
            db.user.update({
              where: { id: c.userId, passwordHash: c.oldHash },
              data: { passwordHash: c.newHash, passwordChangedAt: now },
              select: { id: true },
            }),
            db.session.update({
              where: { id: c.sessionId, userId: c.userId, revokedAt: null, expiresAt: { gt: now } },
              data: { revokedAt: now },
              select: { id: true },
            }),
            db.session.updateMany({ where: { userId: c.userId, revokedAt: null }, data: { revokedAt: now } }),
            db.ticket.deleteMany({ where: { usedAt: null, session: { userId: c.userId } } }),
            db.session.create({
              data: { id: sessionId, userId: c.userId, createdAt: now, lastUsedAt: now, expiresAt },
            }),
            db.ticket.create({ data: { hash: t.hash, sessionId, createdAt: now, expiresAt: t.expiresAt } }),
            // This connection's device follows it to the new session; the other sessions' devices
            // are signed out with them.
            db.device.updateMany({ where: { sessionId: c.sessionId }, data: { sessionId } }),
            db.device.deleteMany({ where: { userId: c.userId, sessionId: { not: sessionId } } }),
          ]),
        );
      } catch (err) {
        if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2025")) throw err;
        const user = await store.run((db) =>
          db.user.findUnique({ where: { id: c.userId }, select: { passwordHash: true } }),
        );
        return user?.passwordHash === c.oldHash ? "session-ended" : "password-changed-meanwhile";
      }
      return { sessionId, ticket: t.ticket, ticketExpiresAt: t.expiresAt.getTime() };
    },
  };
}
