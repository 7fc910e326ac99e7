/**
 * The single writer of one chat process: every write (sends, edits, deletes, read pointers, group
 * timeline entries) is a job; the jobs that arrive within one event-loop turn (up to `maxBatch`)
 * run in ONE `BEGIN IMMEDIATE` transaction, each in its own savepoint, then commit together
 * (group commit). A job that refuses (throws) leaves nothing behind and fails alone; a transaction
 * that fails as a whole (the file stayed locked by another process) rolls back wholly and is
 * retried after a backoff, until each job's deadline: then every job in it gets UNAVAILABLE
 * (retryable; a send retried with its clientMsgId is safe). Never a half-write.
 *
 * Only after COMMIT are the jobs' promises resolved and their `after` hooks (the NATS doorbells)
 * run: ack after commit, publish after commit.
 */
import { AppError } from "@sealroom/proto/errors";
import { backoffMs, isBusy, systemClock, type Clock, type Logger } from "@sealroom/runtime";
import type { Sqlite } from "./sqlite.js";

/** What a job returns: its value, and what to do once it is committed. */
export interface Outcome<T> {
  value: T;
  after?: () => void;
}

/** Runs inside the transaction, synchronously. `now` is the batch's clock (Unix ms). */
export type Job<T> = (now: number) => Outcome<T>;

export interface WriterLimits {
  /** Jobs committed in one transaction at most. */
  maxBatch: number;
  /** A job still not committed this long after it was submitted fails with UNAVAILABLE. */
  deadlineMs: number;
  /** Jobs waiting beyond this are refused at once with UNAVAILABLE (back-pressure). */
  maxQueue: number;
}

export const defaultWriterLimits: WriterLimits = { maxBatch: 512, deadlineMs: 5000, maxQueue: 20_000 };

export interface WriterOptions extends Partial<WriterLimits> {
  clock?: Clock;
}

interface Pending {
  job: Job<unknown>;
  submitted: number;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

export interface WriterStats {
  batches: number;
  jobs: number;
  retries: number;
}

export class Writer {
  private readonly queue: Pending[] = [];
  private scheduled = false;
  private running: Promise<void> | undefined;
  private readonly maxBatch: number;
  private readonly deadlineMs: number;
  private readonly maxQueue: number;
  private readonly clock: Clock;
  private readonly begin;
  private readonly commit;
  private readonly rollback;
  private readonly savepoint;
  private readonly release;
  private readonly rollbackTo;
  readonly stats: WriterStats = { batches: 0, jobs: 0, retries: 0 };

  constructor(
    private readonly sqlite: Sqlite,
    private readonly log: Logger,
    opts: WriterOptions = {},
  ) {
    this.maxBatch = opts.maxBatch ?? defaultWriterLimits.maxBatch;
    this.deadlineMs = opts.deadlineMs ?? defaultWriterLimits.deadlineMs;
    this.maxQueue = opts.maxQueue ?? defaultWriterLimits.maxQueue;
    this.clock = opts.clock ?? systemClock;
    this.begin = sqlite.prepare("BEGIN IMMEDIATE");
    this.commit = sqlite.prepare("COMMIT");
    this.rollback = sqlite.prepare("ROLLBACK");
    this.savepoint = sqlite.prepare("SAVEPOINT job");
    this.release = sqlite.prepare("RELEASE job");
    this.rollbackTo = sqlite.prepare("ROLLBACK TO job");
  }

  get queued(): number {
    return this.queue.length;
  }

  submit<T>(job: Job<T>): Promise<T> {
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(new AppError("UNAVAILABLE", "The chat service is busy. Try again."));
    }
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ job, submitted: this.clock(), resolve: resolve as (v: unknown) => void, reject });
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
    for (let attempt = 0; batch.length > 0; attempt++) {
      const done = this.tryBatch(batch);
      if (done) return;
      this.stats.retries++;
      // The lock stayed taken: give up on jobs past their deadline, back off, retry the rest.
      const now = this.clock();
      for (let i = batch.length - 1; i >= 0; i--) {
        if (now - batch[i]!.submitted >= this.deadlineMs) {
          batch[i]!.reject(new AppError("UNAVAILABLE", "The database is busy. Try again."));
          batch.splice(i, 1);
        }
      }
      await new Promise((r) => setTimeout(r, backoffMs(attempt, { baseMs: 5, maxMs: 200 })));
    }
  }

  /** One attempt: true when the batch committed (or failed for good), false when it should be retried. */
  private tryBatch(batch: Pending[]): boolean {
    const results: Array<{ ok: true; outcome: Outcome<unknown> } | { ok: false; err: unknown }> = [];
    try {
      this.begin.run();
    } catch (err) {
      if (isBusy(err)) return false;
      this.failAll(batch, err);
      return true;
    }
    try {
      const now = this.clock();
      for (const p of batch) {
        this.savepoint.run();
        try {
          results.push({ ok: true, outcome: p.job(now) });
          this.release.run();
        } catch (err) {
          this.rollbackTo.run();
          this.release.run();
          if (isBusy(err)) throw err;
          results.push({ ok: false, err });
        }
      }
      this.commit.run();
    } catch (err) {
      this.safeRollback();
      if (isBusy(err)) return false;
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

  private safeRollback(): void {
    if (!this.sqlite.inTransaction) return;
    try {
      this.rollback.run();
    } catch (err) {
      this.log.error({ err }, "rollback failed");
    }
  }
}
