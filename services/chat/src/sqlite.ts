/**
 * The chat service's own connection to the shared SQLite file (better-sqlite3, synchronous).
 *
 * Why not Prisma here: the message write is the hot path (docs/DEVELOPMENT.md scenario S2, >= 5,000 messages/s
 * end to end). Prisma costs ~300 us per query (docs/DEVELOPMENT.md, "Measured costs"); a send needs ~6 statements (dedupe,
 * permission, seq, insert, recipients), so even batched Prisma statements cap a process far below
 * the target, and a read-then-write transaction through Prisma needs an interactive transaction
 * (hazard 1: one shared connection) whose BUSY_SNAPSHOT failures across processes are hazard 2.
 * Here each batch is one synchronous `BEGIN IMMEDIATE ... COMMIT`: it holds the write lock from its
 * first statement, decides on what it reads, and no other code of this process can interleave with
 * it. Measured by `npm run bench -w @sealroom/chat` (see bench/write-path.bench.ts).
 * Prisma stays the owner of the schema and its migrations; this file only opens the same database.
 */
import Database from "better-sqlite3";

export type Sqlite = Database.Database;

/**
 * How long one statement waits, synchronously, for another connection's write lock. Kept short:
 * the wait blocks this process's event loop. Longer contention is retried asynchronously by the
 * writer (see writer.ts), which backs off without blocking.
 */
export const BUSY_TIMEOUT_MS = 50;

export function openSqlite(file: string): Sqlite {
  const sqlite = new Database(file, { fileMustExist: true });
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  // Checkpoints run in a worker thread (checkpointer.ts), not inside this connection's commits.
  sqlite.pragma("wal_autocheckpoint = 0");
  return sqlite;
}

/** The file behind a Prisma client (or any client that answers `PRAGMA database_list`). */
export async function databaseFile(db: { $queryRawUnsafe<T>(sql: string): Promise<T> }): Promise<string> {
  const rows = await db.$queryRawUnsafe<Array<{ name: string; file: string }>>("PRAGMA database_list");
  const main = rows.find((r) => r.name === "main");
  if (!main?.file) throw new Error("the database has no file (in-memory databases cannot be shared)");
  return main.file;
}

/** Prisma's DateTime text format in SQLite, for the rare DateTime column this service writes. */
export function prismaDateTime(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+00:00");
}
