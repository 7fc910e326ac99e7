/**
 * The single writer of one chat process: every write (sends, edits, deletes, read pointers, group
 * timeline entries) is a job; the jobs that arrive within one event-loop turn (up to `maxBatch`)
 * run in ONE transaction, each in its own savepoint, then commit together (group commit). A job
 * that refuses (throws) leaves nothing behind and fails alone; a transaction that fails as a whole
 * (SQLite: the file stayed locked by another process; PostgreSQL: a deadlock, a serialization
 * failure, a lock wait past `lock_timeout`, a lost connection before COMMIT) rolls back wholly and
 * is retried after a backoff, until each job's deadline: then every job in it gets UNAVAILABLE
 * (retryable; a send retried with its clientMsgId is safe). Never a half-write.
 *
 * Only after COMMIT are the jobs' promises resolved and their `after` hooks (the NATS doorbells)
 * run: ack after commit, publish after commit.
 *
 * SQLite: the transaction is `BEGIN IMMEDIATE` on the process's one connection, so it holds the
 * write lock from its first statement; its statements settle at once, so a batch still runs start
 * to COMMIT within one event-loop turn. For the first NO_WAIT_MS of a batch's wait the BEGIN does
 * not wait for a lock another process holds (`noWait`): it fails at once and is tried again a few
 * ms later, so the event loop goes on serving reads and deliveries (social's longest writes hold
 * the lock 15-25 ms). After that it waits in the busy timeout again, on the event loop: a writer
 * that only polled could lose every race to processes waiting in theirs.
 * PostgreSQL (several hosts write at once): each job locks the rows it appends to (the
 * conversation, `FOR UPDATE`), so seq stays gapless; a batch's jobs run in the order of their
 * `key` (the conversation), so two hosts' batches take those locks in one global order and do not
 * deadlock each other; a job whose insert hits a unique violation (another host just wrote the
 * same clientMsgId, or created the same conversation) runs again in a fresh savepoint, where its
 * reads see that row: the dedupe answers, never an error.
 */
import { isRetryable } from "@sealroom/db/retry";
import { CommitOutcomeUnknown, isConnectionError, isUniqueViolation, type SqlDb, type SqlTx } from "@sealroom/db/sql";
import { AppError } from "@sealroom/proto/errors";
import { backoffMs, systemClock, type Clock, type Logger } from "@sealroom/runtime";

/** What a job returns: its value, and what to do once it is committed. */
export interface Outcome<T> {
  value: T;
  after?: () => void;
}

/**
 * Runs inside the batch's transaction, in its own savepoint. `now` is the batch's clock (Unix ms).
 * It must use `tx` for every statement (on SQLite a statement outside it would wait for the batch).
 */
export type Job<T> = (tx: SqlTx, now: number) => Promise<Outcome<T>>;

export interface SubmitOptions {
  /** What the job locks (the conversation id): on PostgreSQL a batch runs its jobs in key order. */
  key?: string;
}

export interface WriterLimits {
  /**
   * Jobs per transaction; null: the engine's default, 512 on SQLite (one lock for the whole process
   * anyway), 64 on PostgreSQL, where a batch holds its conversations' row locks until COMMIT (other
   * hosts wait that long) and each job's savepoint is a subtransaction (a backend caches 64 before
   * overflowing, which slows every other session's snapshots).
   */
  maxBatch: number | null;
  /** A job still not committed this long after it was submitted fails with UNAVAILABLE. */
  deadlineMs: number;
  /** Jobs waiting beyond this are refused at once with UNAVAILABLE (back-pressure). */
  maxQueue: number;
}

export const defaultWriterLimits: WriterLimits = { maxBatch: null, deadlineMs: 5000, maxQueue: 20_000 };

export interface WriterOptions extends Partial<WriterLimits> {
  clock?: Clock;
}

interface Pending {
  job: Job<unknown>;
  key: string;
  submitted: number;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

type Result = { ok: true; outcome: Outcome<unknown> } | { ok: false; err: unknown };

export interface WriterStats {
  batches: number;
  jobs: number;
  /** Whole batches run again (lock, deadlock, serialization failure). */
  retries: number;
  /** Single jobs run again after a unique violation (PostgreSQL: another host wrote first). */
  jobRetries: number;
}

/**
 * The `key` of a job that locks the user's row (`FOR UPDATE`, a per-user quota: attachments, the
 * history archive). One key for every such job, so that on PostgreSQL they take user locks in the
 * one order of keys, whatever the job: two batches cannot each hold one user and wait for the other.
 */
export const userLockKey = (userId: number): string => `user:${userId}`;

/** Runs of one job after unique violations, before its error is final. */
const JOB_ATTEMPTS = 4;

/** SQLite: how long a batch asks for the write lock without waiting for it (see above). */
const NO_WAIT_MS = 250;
/** SQLite: the pause between two such asks, about as often as SQLite's own busy handler looks. */
const NO_WAIT_BACKOFF = { baseMs: 2, maxMs: 25 };
/** A lost transaction otherwise (PostgreSQL's deadlocks and serialization failures included). */
const RETRY_BACKOFF = { baseMs: 5, maxMs: 200 };

export class Writer {
  private readonly queue: Pending[] = [];
  private scheduled = false;
  private running: Promise<void> | undefined;
  private readonly maxBatch: number;
  private readonly deadlineMs: number;
  private readonly maxQueue: number;
  private readonly clock: Clock;
  readonly stats: WriterStats = { batches: 0, jobs: 0, retries: 0, jobRetries: 0 };

  constructor(
    private readonly db: SqlDb,
    private readonly log: Logger,
    opts: WriterOptions = {},
  ) {
    this.maxBatch = opts.maxBatch ?? (db.dialect === "postgresql" ? 64 : 512);
    this.deadlineMs = opts.deadlineMs ?? defaultWriterLimits.deadlineMs;
    this.maxQueue = opts.maxQueue ?? defaultWriterLimits.maxQueue;
    this.clock = opts.clock ?? systemClock;
  }

  get queued(): number {
    return this.queue.length;
  }

  submit<T>(job: Job<T>, opts: SubmitOptions = {}): Promise<T> {
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(new AppError("UNAVAILABLE", "The chat service is busy. Try again."));
    }
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        job: job as Job<unknown>,
        key: opts.key ?? "",
        submitted: this.clock(),
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      this.schedule();
    });
  }

  /** Resolves once every job submitted so far has settled. */
  async idle(): Promise<void> {
    while (this.queue.length > 0 || this.running) await (this.running ?? new Promise((r) => setImmediate(r)));
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    // setImmediate, not a microtask: every command that arrived in this turn joins the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.running = this.drain().finally(() => {
        this.running = undefined;
        if (this.queue.length > 0) this.schedule();
      });
    });
  }

  private async drain(): Promise<void> {
    const batch = this.queue.splice(0, this.maxBatch);
    // A stable sort: one conversation's jobs keep their order (and so their seqs).
    if (this.db.dialect === "postgresql") batch.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    // Real time, not this.clock (tests freeze that): the window bounds how long the loop stays free.
    const started = performance.now();
    // Tries that waited in the busy timeout (every try on PostgreSQL): they set RETRY_BACKOFF's pace.
    let waited = 0;
    for (let attempt = 0; batch.length > 0; attempt++) {
      const noWait = this.db.dialect === "sqlite" && performance.now() - started < NO_WAIT_MS;
      const done = await this.tryBatch(batch, noWait);
      if (done) return;
      this.stats.retries++;
      // The transaction lost (lock, deadlock): give up on jobs past their deadline, back off, retry the rest.
      const now = this.clock();
      for (let i = batch.length - 1; i >= 0; i--) {
        if (now - batch[i]!.submitted >= this.deadlineMs) {
          batch[i]!.reject(new AppError("UNAVAILABLE", "The database is busy. Try again."));
          batch.splice(i, 1);
        }
      }
      const pause = noWait ? backoffMs(attempt, NO_WAIT_BACKOFF) : backoffMs(waited++, RETRY_BACKOFF);
      await new Promise((r) => setTimeout(r, pause));
    }
  }

  /** Whether the whole transaction may run again: it lost a race, or (PostgreSQL) the connection failed before COMMIT. */
  private retryable(err: unknown): boolean {
    if (err instanceof AppError) return false;
    // packages/db's one policy (busy, 40001, 40P01, a lock wait past lock_timeout 55P03).
    if (isRetryable(err)) return true;
    return this.db.dialect === "postgresql" && !(err instanceof CommitOutcomeUnknown) && isConnectionError(err);
  }

  /** One job in its savepoint; a unique violation runs it again (another host wrote first). */
  private async runJob(tx: SqlTx, p: Pending, now: number): Promise<Result> {
    for (let attempt = 1; ; attempt++) {
      try {
        return { ok: true, outcome: await tx.savepoint((sp) => p.job(sp, now)) };
      } catch (err) {
        // The whole batch: rethrown to the transaction, which rolls back.
        if (this.retryable(err)) throw err;
        if (isUniqueViolation(err) && attempt < JOB_ATTEMPTS) {
          this.stats.jobRetries++;
          continue;
        }
        return { ok: false, err };
      }
    }
  }

  /** One attempt: true when the batch committed (or failed for good), false when it should be retried. */
  private async tryBatch(batch: Pending[], noWait: boolean): Promise<boolean> {
    let results: Result[] = [];
    try {
      await this.db.transaction(
        async (tx) => {
          results = [];
          const now = this.clock();
          for (const p of batch) results.push(await this.runJob(tx, p, now));
        },
        { noWait },
      );
    } catch (err) {
      if (this.retryable(err)) return false;
      this.failAll(batch, err);
      return true;
    }
    this.stats.batches++;
    this.stats.jobs += batch.length;
    batch.forEach((p, i) => {
      const r = results[i]!;
      if (r.ok) p.resolve(r.outcome.value);
      else {
        if (!(r.err instanceof AppError)) this.log.error({ err: r.err }, "chat write job failed");
        p.reject(r.err);
      }
    });
    for (const r of results) {
      if (!r.ok || !r.outcome.after) continue;
      try {
        r.outcome.after();
      } catch (err) {
        this.log.error({ err }, "after-commit hook failed");
      }
    }
    return true;
  }

  private failAll(batch: Pending[], err: unknown): void {
    this.log.error({ err }, "chat write transaction failed");
    for (const p of batch) p.reject(err instanceof AppError ? err : new AppError("UNAVAILABLE"));
  }
}
