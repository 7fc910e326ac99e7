/**
 * The one retry policy for database work: which errors mean "run the whole transaction again"
 * (isRetryable), how long to wait (backoffMs), and the loop (withRetry). Used by auth, social and
 * the chat writer. No Prisma import: this module is also `@sealroom/db/retry` for packages that
 * must not load a client (runtime re-exports it).
 *
 * What the errors look like, as observed with Prisma 6.19.3 (docs/DEVELOPMENT.md):
 * - SQLite through better-sqlite3 directly: SqliteError with `code` "SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT",
 *   "SQLITE_LOCKED"...
 * - SQLite through Prisma's adapter: SQLITE_BUSY becomes the adapter kind "SocketTimeout", which the
 *   client reports as PrismaClientKnownRequestError P1008 ("Operations timed out"), or the message
 *   text "database is locked".
 * - PostgreSQL through Prisma's adapter: serialization_failure 40001 is the adapter kind
 *   "TransactionWriteConflict": P2034 from a model query, P2010 from a raw query, the SQLSTATE in
 *   `meta.driverAdapterError.cause.originalCode`. deadlock_detected 40P01 has no Prisma code:
 *   from a raw query it is P2010 with the same meta; from a MODEL query the client rethrows the bare
 *   DriverAdapterError (name "DriverAdapterError", `cause.originalCode` "40P01").
 * - PostgreSQL through `pg` directly: DatabaseError with `code` "40001" / "40P01".
 * - lock_not_available 55P03 (a lock wait past lock_timeout, the same conflict seen sooner): `code`
 *   "55P03" from `pg`; through Prisma's adapter P2010 (raw) or a bare DriverAdapterError (model query)
 *   with `cause.originalCode` "55P03".
 * An AppError (an answer to the caller) is never retryable.
 */

/** SQLSTATEs and driver codes after which the whole transaction may run again. */
const RETRYABLE_CODES = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "55P03", // lock_not_available: a lock wait past lock_timeout (chat's @sealroom/db/sql sets one)
  "P1008", // Prisma: operations timed out (SQLite's BUSY through the adapter)
  "P2034", // Prisma: transaction failed due to a write conflict or a deadlock
]);
const RETRYABLE_MESSAGE =
  /SQLITE_BUSY|database is locked|timed out|could not serialize access|deadlock detected|lock timeout/i;

function isRetryableCode(code: unknown): boolean {
  if (typeof code !== "string") return false;
  return RETRYABLE_CODES.has(code) || code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED");
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
}

/** A Prisma driver-adapter error's payload: `{ originalCode, kind, code, ... }`. */
function adapterCauseRetryable(cause: unknown): boolean {
  const c = record(cause);
  if (!c) return false;
  return isRetryableCode(c.originalCode) || isRetryableCode(c.code) || c.kind === "TransactionWriteConflict";
}

/** Whether `err` says the database was busy or the transaction lost a race: retry all of it. */
export function isRetryable(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || err.name === "AppError" || depth > 4) return false;
  const e = err as Error & { code?: unknown; meta?: unknown; cause?: unknown };
  if (isRetryableCode(e.code)) return true;
  // PrismaClientKnownRequestError: meta.driverAdapterError.cause
  const driverAdapterError = record(record(e.meta)?.driverAdapterError);
  if (driverAdapterError && adapterCauseRetryable(driverAdapterError.cause)) return true;
  // A bare DriverAdapterError (40P01 from a model query)
  if (e.name === "DriverAdapterError" && adapterCauseRetryable(e.cause)) return true;
  if (e.cause instanceof Error && isRetryable(e.cause, depth + 1)) return true;
  return RETRYABLE_MESSAGE.test(err.message);
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

export interface RetryOptions extends Partial<Backoff> {
  /** Tries in all, the first included (default 8). */
  attempts?: number;
  /** Called before each wait, e.g. to count retries in a metric. */
  onRetry?: (err: unknown, attempt: number) => void;
}

/**
 * Runs `op` (a whole transaction: it must be safe to run again) until it succeeds, fails with an
 * error that is not retryable, or has run `attempts` times; waits backoffMs between tries.
 */
export async function withRetry<T>(op: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { attempts = 8, baseMs = 10, maxMs = 1000, onRetry } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (attempt >= attempts || !isRetryable(err)) throw err;
      onRetry?.(err, attempt);
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt - 1, { baseMs, maxMs })));
    }
  }
}
