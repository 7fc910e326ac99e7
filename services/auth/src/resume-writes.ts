/**
 * auth.resume's write, committed in groups. A gateway's death sends every session it held back at
 * once, and each resume was its own transaction: on SQLite that is one `BEGIN IMMEDIATE` per
 * session, each waiting (synchronously, on auth's event loop) for the write lock while social
 * records the same users' presence (59% of auth's busy time in S5's resume storm).
 * Resumes that arrive while a group is being written wait for the next one, so a storm takes the
 * lock once per group instead of once per session, and a lone resume is written at once.
 *
 * Each resume's statements hang on its own `consume`: one whose ticket was taken first (a reuse, a
 * revocation) writes nothing and rolls back nothing of the others. A group that loses a race is
 * rolled back whole and run again by the store's retry, like any transaction.
 */
import { SQL_POOL_SIZE, type Store } from "./store.js";
import { resumeSql } from "./resume-sql.js";

export interface ResumeWrite {
  /** The presented ticket's hash. */
  hash: string;
  sessionId: string;
  /** The successor's hash and expiry. */
  next: { hash: string; expiresAt: string };
  /** DateTime parameter (resume-sql.ts dateParam). */
  now: string;
}

/** Enough to amortize the lock; small enough that a group holds it only a few milliseconds. */
export const MAX_RESUME_GROUP = 64;

interface Pending extends ResumeWrite {
  done(consumed: boolean): void;
  failed(err: unknown): void;
}

/**
 * Returns the writer: resolves true when the ticket was consumed and its successor stored, false
 * when someone consumed it first. Groups in flight at once: one on SQLite (the store serializes them
 * anyway), the resume connection pool's size on PostgreSQL.
 */
export function createResumeWriter(
  store: Store,
  opts: { maxGroup?: number; concurrency?: number } = {},
): (write: ResumeWrite) => Promise<boolean> {
  const maxGroup = opts.maxGroup ?? MAX_RESUME_GROUP;
  const concurrency = opts.concurrency ?? (store.engine === "sqlite" ? 1 : SQL_POOL_SIZE);
  const waiting: Pending[] = [];
  let inFlight = 0;

  const writeGroup = async (group: Pending[]): Promise<void> => {
    try {
      const consumed = await store.sql((db) =>
        db.transaction(async (tx) => {
          const out: boolean[] = [];
          for (const w of group) {
            const ok = (await tx.run(resumeSql.consume, [w.now, w.hash])).changes === 1;
            if (ok) {
              await tx.run(resumeSql.insertTicket, [w.next.hash, w.sessionId, w.now, w.next.expiresAt]);
              await tx.run(resumeSql.touchSession, [w.now, w.hash, w.sessionId]);
              await tx.run(resumeSql.touchDevice, [w.now, w.sessionId]);
            }
            out.push(ok);
          }
          return out;
        }),
      );
      group.forEach((w, i) => w.done(consumed[i]!));
    } catch (err) {
      for (const w of group) w.failed(err);
    }
  };

  const pump = (): void => {
    while (inFlight < concurrency && waiting.length > 0) {
      inFlight++;
      void writeGroup(waiting.splice(0, maxGroup)).finally(() => {
        inFlight--;
        pump();
      });
    }
  };

  return (write) =>
    new Promise<boolean>((resolve, reject) => {
      waiting.push({ ...write, done: resolve, failed: reject });
      pump();
    });
}
