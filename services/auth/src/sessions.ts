/**
 * Sessions and their single-use resume tickets. Every ticket operation is one statement or one
 * batch transaction, so concurrent instances sharing the database cannot both consume a ticket.
 */
import { Prisma, type Db } from "@sealroom/db";
import { AppError } from "@sealroom/proto/errors";
import type { PublicUser, TicketGrant } from "@sealroom/proto/auth";
import type { Logger } from "@sealroom/runtime";
import { fingerprint, type Clock } from "./clock.js";
import type { AuthMetrics } from "./metrics.js";
import type { PublishRevoked } from "./revocations.js";
import type { Store } from "./store.js";
import { dateParam, resumeSql, type ResumeRow } from "./resume-sql.js";
import { createResumeWriter } from "./resume-writes.js";
import { hashTicket, mintTicket, newSessionId, type MintedTicket } from "./tickets.js";

export interface IssuedSession extends TicketGrant {
  sessionId: string;
}

export interface ActiveSession {
  id: string;
  expiresAt: Date;
  user: { id: number; username: string; usernameKey: string; passwordHash: string };
}

export interface Sessions {
  /**
   * A new session for `userId` with its first ticket. With `verifiedHash` (a sign-in: the stored hash
   * the password was checked against), only if that is still the user's hash, else
   * AUTH_INVALID_CREDENTIALS: a password change committed during the check must not be outlived.
   */
  open(userId: number, verifiedHash?: string): Promise<IssuedSession>;
  /**
   * Consumes `ticket` and issues the next. A reused ticket revokes its session, except the retry of
   * a resume whose reply was lost (`isRetry`).
   */
  resume(ticket: string): Promise<IssuedSession & { user: PublicUser }>;
  /** The session if it belongs to `userId` and is neither revoked nor expired. */
  active(userId: number, sessionId: string): Promise<ActiveSession | null>;
  /**
   * Replaces the session's unused tickets with a fresh one; `undefined` if the session has ended.
   * A replaced ticket presented later counts as reuse, like a spent one.
   */
  renew(userId: number, sessionId: string): Promise<TicketGrant | undefined>;
  /**
   * Revokes one session (or, without `sessionId`, all of the user's), deletes their devices, and
   * tells the gateways.
   */
  revoke(userId: number, sessionId?: string): Promise<void>;
  /** Deletes expired tickets. */
  sweep(): Promise<number>;
}

export function createSessions(deps: {
  store: Store;
  clock: Clock;
  config: { sessionTtlMs: number; ticketTtlMs: number; ticketRetryGraceMs: number };
  publish: PublishRevoked;
  log: Logger;
  metrics: AuthMetrics;
}): Sessions {
  const { store, clock, config, publish, log, metrics } = deps;
  const writeResume = createResumeWriter(store);

  /**
   * A used (or renewed-away) ticket presented again means two parties hold the session: end it for
   * both.
   */
  const onReuse = async (sessionId: string, userId: number) => {
    const now = new Date(clock());
    const [revoked] = await store.run((db) =>
      db.$transaction([
        db.session.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: now } }),
        db.ticket.deleteMany({ where: { sessionId, usedAt: null } }),
        db.device.deleteMany({ where: { sessionId } }),
      ]),
    );
    metrics.ticketReuse.inc();
    log.warn({ userId, session: fingerprint(sessionId) }, "resume ticket reused; session revoked");
    if (revoked.count > 0) publish({ userId, sessionIds: [sessionId] });
  };

  const readTicket = (hash: string) => store.sql((db) => db.get(resumeSql.ticket, [hash]));

  const grantOf = (row: ResumeRow, next: MintedTicket) => ({
    user: { id: row.userId, username: row.username },
    sessionId: row.sessionId,
    ticket: next.ticket,
    ticketExpiresAt: next.expiresAt.getTime(),
  });

  /**
   * A spent ticket presented again soon after the session's latest resume consumed it: what a
   * client does when that resume's reply never reached it (the gateway answered TIMEOUT while auth
   * was still writing, the page unloaded mid-resume, the gateway died). Answering it as theft
   * signed the user out of every tab and device on the session.
   */
  const isRetry = (hash: string, row: ResumeRow, nowMs: number) =>
    row.usedAt !== null &&
    row.lastTicket === hash &&
    nowMs - row.usedAt < config.ticketRetryGraceMs &&
    row.revokedAt === null &&
    row.sessionExpiresAt > nowMs;

  /**
   * The retry's answer: the ticket that resume issued is replaced, as renew does, so whoever holds
   * it (nobody, after a lost reply; the owner, if a thief is retrying a copy) ends the session by
   * presenting it. `undefined` when the guard finds the session resumed or revoked since the read.
   */
  const reissue = async (hash: string, row: ResumeRow, nowMs: number) => {
    const next = mintTicket(nowMs, config.ticketTtlMs, new Date(row.sessionExpiresAt));
    const now = dateParam(nowMs);
    const done = await store.sql((db) =>
      db.transaction(async (tx) => {
        if ((await tx.run(resumeSql.retryGuard, [row.sessionId, hash])).changes !== 1) return false;
        await tx.run(resumeSql.replaceUnused, [now, row.sessionId]);
        await tx.run(resumeSql.insertTicket, [next.hash, row.sessionId, now, dateParam(next.expiresAt.getTime())]);
        return true;
      }),
    );
    if (!done) return undefined;
    metrics.ticketRetries.inc();
    log.info({ userId: row.userId, session: fingerprint(row.sessionId) }, "resume retried; its ticket replaced");
    return grantOf(row, next);
  };

  const sessions: Sessions = {
    async open(userId, verifiedHash) {
      const now = clock();
      const id = newSessionId();
      const expiresAt = new Date(now + config.sessionTtlMs);
      const t = mintTicket(now, config.ticketTtlMs, expiresAt);
      // The gate: this no-op update fails (P2025), rolling the batch back, if the password changed
      // since it was verified. A sign-in verifying the old password while the change committed
      // otherwise opened a session after the change had revoked them all.
      const gate = (db: Db) =>
        verifiedHash === undefined
          ? []
          : [
              db.user.update({
                where: { id: userId, passwordHash: verifiedHash },
                data: { passwordHash: verifiedHash },
                select: { id: true },
              }),
            ];
      try {
        await store.run((db) =>
          db.$transaction([
            ...gate(db),
            db.session.create({
              data: { id, userId, createdAt: new Date(now), lastUsedAt: new Date(now), expiresAt },
            }),
            db.ticket.create({
              data: { hash: t.hash, sessionId: id, createdAt: new Date(now), expiresAt: t.expiresAt },
            }),
          ]),
        );
      } catch (err) {
        if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2025")) throw err;
        throw new AppError("AUTH_INVALID_CREDENTIALS");
      }
      return { sessionId: id, ticket: t.ticket, ticketExpiresAt: t.expiresAt.getTime() };
    },

    async resume(ticket) {
      const nowMs = clock();
      const hash = hashTicket(ticket);
      let row = await readTicket(hash);
      if (row?.usedAt === null) {
        if (row.expiresAt <= nowMs || row.revokedAt !== null || row.sessionExpiresAt <= nowMs) {
          throw new AppError("AUTH_TICKET_INVALID");
        }
        const next = mintTicket(nowMs, config.ticketTtlMs, new Date(row.sessionExpiresAt));
        // Consuming this ticket and issuing the next are one transaction: a crash between them left the
        // ticket used and no successor, so the client's retry looked like theft and cost the session
        // (6 of 20 sessions in the chaos test's auth kill). `consume` is the single statement that
        // makes a ticket single-use: if it changes nothing, someone consumed it first (or a revocation
        // deleted it) since the read above, and nothing is written for this resume.
        const consumed = await writeResume({
          hash,
          sessionId: row.sessionId,
          next: { hash: next.hash, expiresAt: dateParam(next.expiresAt.getTime()) },
          now: dateParam(nowMs),
        });
        if (consumed) return grantOf(row, next);
        // Most often this client's own earlier attempt, still queued when its reply timed out.
        row = await readTicket(hash);
      }
      if (row?.usedAt == null) throw new AppError("AUTH_TICKET_INVALID");
      const retried = isRetry(hash, row, nowMs) ? await reissue(hash, row, nowMs) : undefined;
      if (retried) return retried;
      await onReuse(row.sessionId, row.userId);
      throw new AppError("AUTH_TICKET_INVALID");
    },

    active(userId, sessionId) {
      const now = new Date(clock());
      return store.run((db) =>
        db.session.findFirst({
          where: { id: sessionId, userId, revokedAt: null, expiresAt: { gt: now } },
          select: {
            id: true,
            expiresAt: true,
            user: { select: { id: true, username: true, usernameKey: true, passwordHash: true } },
          },
        }),
      );
    },

    async renew(userId, sessionId) {
      const session = await sessions.active(userId, sessionId);
      if (!session) return undefined;
      const now = clock();
      const t = mintTicket(now, config.ticketTtlMs, session.expiresAt);
      // The replaced tickets are marked used, not deleted: whoever presents one later holds a copy
      // of this session that someone else renewed away (a thief renewing after the victim left the
      // victim signed out and the thief in), so resume treats it as reuse and ends the session.
      await store.run((db) =>
        db.$transaction([
          db.ticket.updateMany({ where: { sessionId, usedAt: null }, data: { usedAt: new Date(now) } }),
          db.ticket.create({
            data: { hash: t.hash, sessionId, createdAt: new Date(now), expiresAt: t.expiresAt },
          }),
        ]),
      );
      return { ticket: t.ticket, ticketExpiresAt: t.expiresAt.getTime() };
    },

    async revoke(userId, sessionId) {
      const now = new Date(clock());
      const which = sessionId === undefined ? { userId } : { id: sessionId, userId };
      await store.run((db) =>
        db.$transaction([
          db.session.updateMany({ where: { ...which, revokedAt: null }, data: { revokedAt: now } }),
          db.ticket.deleteMany({ where: { usedAt: null, session: which } }),
          // A signed-out device is gone (its KeyPackages and Welcomes cascade): docs/E2E.md section 6.
          db.device.deleteMany({ where: { session: which } }),
        ]),
      );
      // Published even when the session was already revoked: a gateway may still hold its socket.
      publish(sessionId === undefined ? { userId } : { userId, sessionIds: [sessionId] });
    },

    async sweep() {
      const now = new Date(clock());
      const { count } = await store.run((db) => db.ticket.deleteMany({ where: { expiresAt: { lte: now } } }));
      return count;
    },
  };
  return sessions;
}
