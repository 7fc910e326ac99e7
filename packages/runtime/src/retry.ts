/**
 * When and how long to retry a database transaction that found the SQLite file locked by another
 * connection (another instance, or this process's other connection). One policy for the social
 * service's Prisma transactions and the chat service's batched writer.
 */
import { AppError } from "@sealroom/proto/errors";

/**
 * SQLITE_BUSY and friends, from better-sqlite3 (its `code`) or from Prisma's driver adapter (its
 * codes P1008/P2034, or the SQLite text in the message): the whole transaction may be retried.
 * An AppError is an answer, never busy.
 */
export function isBusy(err: unknown): boolean {
  if (!(err instanceof Error) || err instanceof AppError) return false;
  const code = "code" in err ? err.code : undefined;
  if (typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))) return true;
  return code === "P1008" || code === "P2034" || /SQLITE_BUSY|database is locked|timed out/i.test(err.message);
}

export interface Backoff {
  /** The delay before the retry after attempt 0. */
  baseMs: number;
  /** The longest delay, before jitter. */
  maxMs?: number;
}

/**
 * Exponential backoff with jitter (x0.5 to x1.5), so instances that collided do not collide again
 * in step: `min(maxMs, baseMs x 2^attempt)`.
 */
export function backoffMs(
  attempt: number,
  { baseMs, maxMs = Number.POSITIVE_INFINITY }: Backoff,
  random: () => number = Math.random,
): number {
  return Math.min(maxMs, baseMs * 2 ** attempt) * (0.5 + random());
}
