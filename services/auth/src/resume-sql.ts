/**
 * auth.resume's statements, hand-written (@sealroom/db/sql, the same text on both engines): a
 * resume storm after a gateway dies is auth's hottest path, and through Prisma each resume cost
 * ~3.7 ms of auth CPU in 8 statements (`npm run bench -w @sealroom/auth`).
 */
import { sql } from "@sealroom/db/sql";

/** What a resume needs to know about a ticket. DateTime columns come back as Unix ms on both engines. */
export interface ResumeRow {
  usedAt: number | null;
  expiresAt: number;
  sessionId: string;
  sessionExpiresAt: number;
  revokedAt: number | null;
  /** The hash of the ticket the session's latest resume consumed. */
  lastTicket: string | null;
  userId: number;
  username: string;
}

/** Prisma's DateTime text (ISO, UTC), which both engines take for a DateTime column. */
export function dateParam(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+00:00");
}

export const resumeSql = {
  /** The ticket, its session and the session's user, in one statement. */
  ticket: sql<[string], ResumeRow>(
    `SELECT t."usedAt", t."expiresAt", s."id" AS "sessionId", s."expiresAt" AS "sessionExpiresAt",
            s."revokedAt", s."lastTicket", u."id" AS "userId", u."username"
       FROM "Ticket" t JOIN "Session" s ON s."id" = t."sessionId" JOIN "User" u ON u."id" = s."userId"
      WHERE t."hash" = ?`,
  ),
  /** The statement that makes a ticket single-use: it changes no row if someone consumed it first. */
  consume: sql<[string, string]>(`UPDATE "Ticket" SET "usedAt" = ? WHERE "hash" = ? AND "usedAt" IS NULL`),
  insertTicket: sql<[string, string, string, string]>(
    `INSERT INTO "Ticket" ("hash", "sessionId", "createdAt", "expiresAt") VALUES (?, ?, ?, ?)`,
  ),
  touchSession: sql<[string, string, string]>(`UPDATE "Session" SET "lastUsedAt" = ?, "lastTicket" = ? WHERE "id" = ?`),
  /** Resuming is when a device comes back: its lastActiveAt follows without a write per command. */
  touchDevice: sql<[string, string]>(`UPDATE "Device" SET "lastActiveAt" = ? WHERE "sessionId" = ?`),
  /**
   * A retried resume's guard: one row only while the session is live and the presented ticket is
   * the one its latest resume consumed. The no-op SET takes the session's row lock on PostgreSQL,
   * so concurrent retries of one session run one after the other.
   */
  retryGuard: sql<[string, string]>(
    `UPDATE "Session" SET "lastTicket" = "lastTicket" WHERE "id" = ? AND "revokedAt" IS NULL AND "lastTicket" = ?`,
  ),
  /** Marks the session's unused tickets used (replaced): presenting one later is reuse. */
  replaceUnused: sql<[string, string]>(`UPDATE "Ticket" SET "usedAt" = ? WHERE "sessionId" = ? AND "usedAt" IS NULL`),
};
