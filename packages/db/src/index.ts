/**
 * The one place that builds a Prisma client, for either engine (chosen by the url, engine.ts):
 *
 * - SQLite (`file:`): the better-sqlite3 driver adapter (no engine binaries), WAL journal, and the
 *   pragmas every process must share. Hazard (docs/DEVELOPMENT.md, "Two hazards of the SQLite
 *   adapter"): the adapter holds ONE connection, so a query issued while an interactive transaction
 *   is open in the same process runs inside it. Services use single statements and batch
 *   transactions (`$transaction([...])`), or `serialize()` for read-then-write sequences.
 * - PostgreSQL (`postgresql://`): @prisma/adapter-pg over a `pg` pool (size from the options), with
 *   session settings (application_name, statement and idle-in-transaction timeouts). Each
 *   interactive transaction has a connection of its own.
 *
 * Both return the same `Db` type (see the cast in createPostgres).
 */
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client.js";
import { PrismaClient as PgPrismaClient } from "./generated/postgresql/client.js";
import { engineOf, type Engine } from "./engine.js";
import { releaseFailedTransactions } from "./pg-release.js";
import { withRetry } from "./retry.js";
import { timedAdapter, type DbObserver } from "./timing.js";

export { Prisma } from "./generated/prisma/client.js";
export type * from "./generated/prisma/client.js";
export { migrateDatabase } from "./migrate.js";
export {
  ensurePostgresDatabase,
  migratePostgres,
  readMigrations,
  POSTGRES_MIGRATIONS_DIR,
  type PostgresMigrateOptions,
  type PostgresMigrateResult,
} from "./migrate-pg.js";
export { SerialQueue } from "./serial.js";
export type { DbObserver } from "./timing.js";
export { DATABASE_URL_HINT, engineOf, isDatabaseUrl, redactUrl, type Engine } from "./engine.js";
export { backoffMs, isRetryable, withRetry, type Backoff, type RetryOptions } from "./retry.js";

export type Db = PrismaClient;

export interface DbOptions {
  /**
   * `file:/absolute/path.db` or `file:./relative.db` (relative to the working directory), or
   * `postgresql://user[:password]@host[:port]/database[?...]`.
   */
  url: string;
  /** SQLite: milliseconds to wait on a locked database before SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Called with the duration of every statement (the services' database latency metric). */
  observe?: DbObserver | undefined;
  /** PostgreSQL: the most connections this client opens (default 10). */
  poolSize?: number;
  /** PostgreSQL: `application_name`, shown in pg_stat_activity (default "sealroom"). */
  applicationName?: string;
  /** PostgreSQL: `statement_timeout` of every session, ms (default 30 s; 0 = none). */
  statementTimeoutMs?: number;
}

const engines = new WeakMap<object, Engine>();

/** The engine behind a client made by createDb (raw SQL and locking differ between them). */
export function engineOfDb(db: Db): Engine {
  const engine = engines.get(db);
  if (!engine) throw new Error("engineOfDb: this client was not made by createDb");
  return engine;
}

export async function createDb(options: DbOptions): Promise<Db> {
  const engine = engineOf(options.url);
  const db = engine === "sqlite" ? await createSqlite(options) : createPostgres(options);
  engines.set(db, engine);
  return db;
}

/** Eight tries, each waiting out the busy timeout, ~16 s of backoff between them: then a service gives up starting. */
const PRAGMA_RETRY = { attempts: 8, baseMs: 250, maxMs: 4_000 };

async function createSqlite({ url, busyTimeoutMs = 5000, observe }: DbOptions): Promise<Db> {
  // SQLite creates the database, WAL and SHM files with the process's umask: under the usual 022
  // every local user could read the messages. Owner only, for this and any file the process makes.
  process.umask(0o077);
  const plain = new PrismaBetterSQLite3({ url, timeout: busyTimeoutMs });
  const adapter = observe ? timedAdapter(plain, observe) : plain;
  const db = new PrismaClient({ adapter });
  // journal_mode returns a row, so it goes through $queryRaw; the others return none. Retried while
  // another process holds a lock past the busy timeout (a service starting on a loaded machine beside
  // a busy writer, or before the file is in WAL mode, exited on SQLITE_BUSY): all three are idempotent.
  await withRetry(async () => {
    await db.$queryRawUnsafe("PRAGMA journal_mode = WAL");
    await db.$executeRawUnsafe("PRAGMA synchronous = NORMAL");
    await db.$executeRawUnsafe("PRAGMA foreign_keys = ON");
  }, PRAGMA_RETRY);
  return db;
}

function createPostgres({
  url,
  observe,
  poolSize = 10,
  applicationName = "sealroom",
  statementTimeoutMs = 30_000,
}: DbOptions): Db {
  const plain = releaseFailedTransactions(
    new PrismaPg(
      {
        connectionString: url,
        max: poolSize,
        application_name: applicationName,
        // Sent as session settings when each connection opens.
        statement_timeout: statementTimeoutMs,
        // A transaction left open by a stalled process would hold its row locks: end it.
        idle_in_transaction_session_timeout: 60_000,
        connectionTimeoutMillis: 10_000,
      },
      // An idle pooled connection that dies (server restart) is dropped by the pool and replaced on
      // next use; without a listener pg would throw it as an uncaught error and end the process.
      { onPoolError: () => {}, onConnectionError: () => {} },
    ),
  );
  const adapter = observe ? timedAdapter(plain, observe) : plain;
  const db = new PgPrismaClient({ adapter });
  // The one cast between the engines. Both clients are generated from the same models
  // (prisma/postgresql/schema.prisma is derived from prisma/schema.prisma by scripts/pg-schema.mjs),
  // so their model methods and results are identical; their types differ only where PostgreSQL's
  // accepts MORE (filter `mode`, field references in `in`, `skipDuplicates`): every call that
  // type-checks against the SQLite client is a valid call of this one. Services are therefore
  // typed against the narrower SQLite client and stay engine-neutral. The nominal difference
  // (private `#fields` of two distinct generated classes) is why TypeScript needs `unknown` here.
  return db as unknown as Db;
}
