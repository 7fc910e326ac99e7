/**
 * Every database access of one social instance goes through one queue: the driver adapter has a
 * single connection, and a query issued while an interactive transaction is open would run inside
 * it (docs/DEVELOPMENT.md, hazard 1).
 *
 * Writes are interactive transactions whose first statement is a write, so each holds SQLite's
 * write lock from its first statement and decides on what it reads: no other writer, in this
 * process or another instance, can commit in between (hazard 2). That serializes every mutation
 * of a group, a friendship or a lease across all instances, in the database. None of them awaits
 * anything but its own queries, so a transaction never spans a macrotask and cannot stall another
 * connection of this process on the lock. (Two connections of ONE process whose transactions start
 * in the same macrotask would interleave, and the synchronous busy wait of one would stall the
 * other until the busy timeout: in-process tests start each instance's work from its own task.)
 */
import { SerialQueue, type Db, type Prisma } from "@sealroom/db";
import { backoffMs, isBusy } from "@sealroom/runtime";

export type Tx = Prisma.TransactionClient;

export interface Store {
  /** Reads outside a transaction (each statement sees the latest commit). */
  read<T>(op: (q: Tx) => Promise<T>): Promise<T>;
  /** A read-only transaction: several reads that see one consistent snapshot, without the write lock. */
  snapshot<T>(op: (q: Tx) => Promise<T>): Promise<T>;
  /** A serialized write transaction; an exception rolls it back. Retried when the file stays busy. */
  write<T>(op: (tx: Tx) => Promise<T>): Promise<T>;
}

/** A statement that writes nothing but takes the write lock. */
const TAKE_WRITE_LOCK = `DELETE FROM "Notice" WHERE 0`;
const ATTEMPTS = 5;

export function createStore(db: Db): Store {
  const queue = new SerialQueue();
  return {
    read: (op) => queue.run(() => op(db)),
    snapshot: (op) => queue.run(() => db.$transaction((tx) => op(tx), { maxWait: 10_000, timeout: 10_000 })),
    async write(op) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await queue.run(() =>
            db.$transaction(
              async (tx) => {
                await tx.$executeRawUnsafe(TAKE_WRITE_LOCK);
                return op(tx);
              },
              { maxWait: 10_000, timeout: 10_000 },
            ),
          );
        } catch (err) {
          if (attempt >= ATTEMPTS || !isBusy(err)) throw err;
          // Another process held the lock past the busy timeout: back off outside the queue.
          await new Promise((r) => setTimeout(r, backoffMs(attempt, { baseMs: 20 })));
        }
      }
    },
  };
}
