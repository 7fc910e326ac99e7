/**
 * Every write of the social service is an interactive transaction that reads, decides and writes
 * (a group's members, caps, roles, invitations, friendships, presence leases). Its correctness
 * needs those transactions to behave as if they ran one after another, across all instances: a
 * decision must never rest on rows another instance changed in between. Each engine gets that
 * differently; both retry a transaction that lost a race through @sealroom/db's one retry policy
 * (`mutate` starts each attempt with a fresh outbox, so a retried attempt announces nothing twice).
 *
 * SQLite: every database access of one instance goes through one queue (the driver adapter has a
 * single connection, and a query issued while an interactive transaction is open would run inside
 * it: docs/DEVELOPMENT.md, hazard 1). Each write's first statement is a write, so it holds SQLite's
 * write lock from its first statement and decides on what it reads: no other writer, in this
 * process or another instance, can commit in between (hazard 2). None of them awaits anything but
 * its own queries, so a transaction never spans a macrotask and cannot stall another connection of
 * this process on the lock. (Two connections of ONE process whose transactions start in the same
 * macrotask would interleave, and the synchronous busy wait of one would stall the other until the
 * busy timeout: in-process tests start each instance's work from its own task.)
 *
 * PostgreSQL: reads and snapshots run side by side (each transaction has a pooled connection of its
 * own); one instance's writes take turns (see postgresStore). Writes run SERIALIZABLE:
 * PostgreSQL guarantees their outcome equals SOME serial order and aborts a transaction whose reads
 * another one invalidated (serialization_failure 40001, or deadlock_detected 40P01), which is then
 * run again. Snapshots run REPEATABLE READ, READ ONLY (one consistent view, never aborted for it).
 */
import { engineOfDb, SerialQueue, withRetry, type Db, type Prisma } from "@sealroom/db";

export type Tx = Prisma.TransactionClient;

export interface Store {
  readonly engine: "sqlite" | "postgresql";
  /** Reads outside a transaction (each statement sees the latest commit). */
  read<T>(op: (q: Tx) => Promise<T>): Promise<T>;
  /** A read-only transaction: several reads that see one consistent snapshot, without the write lock. */
  snapshot<T>(op: (q: Tx) => Promise<T>): Promise<T>;
  /** A serialized write transaction; an exception rolls it back. Retried when it lost a race. */
  write<T>(op: (tx: Tx) => Promise<T>): Promise<T>;
}

/** SQLite: a statement that writes nothing but takes the write lock. */
const TAKE_WRITE_LOCK = `DELETE FROM "Notice" WHERE 0`;
const TX_OPTIONS = { maxWait: 10_000, timeout: 10_000 };
/** SQLite: each attempt already waited out the busy timeout (5 s). */
const SQLITE_RETRY = { attempts: 5, baseMs: 40 };
/** PostgreSQL: many instances writing one group at once may lose several rounds: give them room. */
const POSTGRES_RETRY = { attempts: 10, baseMs: 20, maxMs: 500 };

export function createStore(db: Db): Store {
  return engineOfDb(db) === "postgresql" ? postgresStore(db) : sqliteStore(db);
}

function sqliteStore(db: Db): Store {
  const queue = new SerialQueue();
  return {
    engine: "sqlite",
    read: (op) => queue.run(() => op(db)),
    snapshot: (op) => queue.run(() => db.$transaction((tx) => op(tx), TX_OPTIONS)),
    // Another process held the lock past the busy timeout: back off outside the queue, run again.
    write: (op) =>
      withRetry(
        () =>
          queue.run(() =>
            db.$transaction(async (tx) => {
              await tx.$executeRawUnsafe(TAKE_WRITE_LOCK);
              return op(tx);
            }, TX_OPTIONS),
          ),
        SQLITE_RETRY,
      ),
  };
}

/**
 * Key of the transaction-level advisory lock (pg_advisory_xact_lock(bigint)) that every PostgreSQL
 * transaction inserting a GroupEvent takes first: the migration runner's key
 * (packages/db/src/migrate-pg.ts) + 1. Keep it fixed: every social instance must take the same one.
 */
export const GROUP_EVENT_LOCK = "7310312751626371074";

/** The transactions of postgresStore's writes (lockGroupEvents needs to know the engine of a tx). */
const postgresWrites = new WeakSet<object>();

/**
 * Call before inserting a GroupEvent. The chat service turns GroupEvents into timeline entries by
 * reading the rows after a persisted cursor (`id > cursor ORDER BY id`), so ids must become visible
 * in id order. PostgreSQL assigns ids from a sequence at INSERT and makes them visible at COMMIT:
 * two instances' transactions could commit 10 before 9, a reader would move its cursor past 9, and
 * chat would never see event 9. Holding one advisory lock from before the insert until COMMIT makes
 * the inserts (and so their ids) and the commits of all GroupEvent writers take turns in the same
 * order. SQLite: nothing to do (one writer at a time holds the file's write lock from its first
 * statement to its commit).
 */
export async function lockGroupEvents(tx: Tx): Promise<void> {
  if (postgresWrites.has(tx)) await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${GROUP_EVENT_LOCK})`);
}

function postgresStore(db: Db): Store {
  // Writes of this instance take turns (reads and snapshots do not): they mostly touch the same few
  // rows (a gateway's lease, one group), so running them side by side only turns them into
  // serialization failures and retries. Across instances SERIALIZABLE and the retry keep them right.
  const writes = new SerialQueue();
  return {
    engine: "postgresql",
    read: (op) => op(db),
    snapshot: (op) =>
      db.$transaction(async (tx) => {
        // The first statement of the transaction, so it still may set its isolation.
        await tx.$executeRawUnsafe("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        return op(tx);
      }, TX_OPTIONS),
    write: (op) =>
      withRetry(
        () =>
          writes.run(() =>
            db.$transaction(
              (tx) => {
                postgresWrites.add(tx);
                return op(tx);
              },
              { ...TX_OPTIONS, isolationLevel: "Serializable" },
            ),
          ),
        POSTGRES_RETRY,
      ),
  };
}
