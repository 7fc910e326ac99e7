/**
 * The one place that builds a Prisma client: the better-sqlite3 driver adapter (no engine binaries),
 * WAL journal, and the pragmas every process must share.
 *
 * Hazard (docs/DEVELOPMENT.md, "Two hazards of the SQLite adapter"): the adapter holds ONE connection, so a query issued while an interactive
 * transaction is open in the same process runs inside it. Services use single statements and batch
 * transactions (`$transaction([...])`), or `serialize()` for read-then-write sequences.
 */
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "./generated/prisma/client.js";
import { timedAdapter, type DbObserver } from "./timing.js";

export { Prisma } from "./generated/prisma/client.js";
export type * from "./generated/prisma/client.js";
export { migrateDatabase } from "./migrate.js";
export { SerialQueue } from "./serial.js";
export type { DbObserver } from "./timing.js";

export type Db = PrismaClient;

export interface DbOptions {
  /** `file:/absolute/path.db` or `file:./relative.db` (relative to the working directory). */
  url: string;
  /** Milliseconds to wait on a locked database before SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Called with the duration of every statement (the services' database latency metric). */
  observe?: DbObserver | undefined;
}

export async function createDb({ url, busyTimeoutMs = 5000, observe }: DbOptions): Promise<Db> {
  // SQLite creates the database, WAL and SHM files with the process's umask: under the usual 022
  // every local user could read the messages. Owner only, for this and any file the process makes.
  process.umask(0o077);
  const plain = new PrismaBetterSQLite3({ url, timeout: busyTimeoutMs });
  const adapter = observe ? timedAdapter(plain, observe) : plain;
  const db = new PrismaClient({ adapter });
  // journal_mode returns a row, so it goes through $queryRaw; the others return none.
  await db.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  await db.$executeRawUnsafe("PRAGMA synchronous = NORMAL");
  await db.$executeRawUnsafe("PRAGMA foreign_keys = ON");
  return db;
}
