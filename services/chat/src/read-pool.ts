/**
 * Page reads (history, sync, the conversation list) on reader threads, SQLite only. On the
 * service's one connection a page is read synchronously on the event loop, so every page delays
 * the writer and every other command of the process by its length, and a wait for another
 * process's lock (the busy timeout) stalls them all (BENCHMARKS.md, S6). Here each thread
 * (read-thread.ts) holds a read-only connection of its own (WAL lets readers go on beside the
 * writer) and runs a request's whole read in one snapshot transaction: the event loop only posts
 * the request and gets the finished page back, as the JSON bytes of its reply value (transferred,
 * not cloned), which serveCommands sends as they are: the event loop neither deserializes a
 * structured clone of the page nor serializes it again (~80 µs of a 50-entry page, BENCHMARKS.md).
 *
 * - Read-your-writes: the writer acknowledges after COMMIT, and a request sent after that begins
 *   its own read transaction, which sees every committed write.
 * - Authorization is the same code (pages.ts) inside the same snapshot as the rows it guards.
 * - A thread that dies (a crash, an out-of-memory) is replaced; its requests in flight are sent
 *   again once (a read has no effect to repeat), then fail with INTERNAL.
 * - A thread that answers nothing for `timeoutMs` while it holds requests is stuck (a read waiting
 *   out SQLite's busy timeout behind another process's lock, a pathological query): the request it
 *   is reading (its oldest: a thread serves in order) fails with TIMEOUT, retryable, before the
 *   gateway's own command timeout; the thread is ended and replaced at once, and its other requests
 *   go to the live threads as after a death. Progress, not each request's age, is what is bounded:
 *   a thread that keeps answering under load is busy, not stuck.
 *
 * PostgreSQL reads stay on the pool (reads.ts): they never block the event loop.
 */
import { Worker } from "node:worker_threads";
import { AppError, type AppErrorShape } from "@sealroom/proto/errors";
import type { ConversationSummary, ConversationsCursor, Page } from "@sealroom/proto/chat";
import { EncodedValue, type Clock, type Logger } from "@sealroom/runtime";
import type { Pages } from "./pages.js";

/** What a reader thread starts with. */
export interface ReadWorkerData {
  /** The SQLite database (`file:`), in WAL mode. */
  url: string;
  /** The parent's log level; the thread's lines are logged by the parent. */
  logLevel: string;
  /** The parent runs from TypeScript sources (the tests): the thread must too. */
  fromSource: boolean;
}

/** One page read: which, and its arguments. */
export type ReadCall =
  | { op: "history"; args: Parameters<Pages["history"]> }
  | { op: "sync"; args: Parameters<Pages["sync"]> }
  | { op: "conversations"; args: Parameters<Pages["conversations"]> };

/** A read as sent, with the parent's time (the clock decides whether a mute has ended). */
export type ReadRequest = ReadCall & { id: number; now: number };

/**
 * What a thread posts: that it is ready (its connection open), a reply (an expected refusal as its
 * AppError; null: it failed), or a log line.
 */
export type ReadReply =
  | { ready: true }
  | { id: number; ok: true; json: Uint8Array }
  | { id: number; ok: false; error: AppErrorShape | null }
  | { log: string };

/** Finish the requests sent so far, close the connection, exit. */
export type ReadWorkerCommand = "stop";

export interface ReadPoolOptions {
  url: string;
  threads: number;
  /** A thread holding requests that answers none for this long is stuck (ChatConfig.readTimeoutMs). */
  timeoutMs: number;
  log: Logger;
  clock: Clock;
}

export interface ReadPoolStats {
  /** Threads that died and were replaced. */
  restarts: number;
  /** Requests sent again after their thread died or was found stuck. */
  retried: number;
  /** Threads found stuck (their oldest request failed with TIMEOUT) and replaced. */
  timeouts: number;
}

interface Pending {
  request: ReadRequest;
  /** Threads it was sent to. */
  attempts: number;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
  startedMs: number;
  /** Settles when the thread has opened its connection, or failed before. */
  ready: Promise<void>;
  markReady(): void;
  isReady: boolean;
  /** Fires when the thread has held requests without answering any for timeoutMs. */
  watchdog: ReturnType<typeof setTimeout> | undefined;
}

/** Sends of one request, its first included, before it fails with INTERNAL. */
const ATTEMPTS = 2;
/** A thread that dies sooner than this after starting is replaced after a growing delay (a crash loop). */
const QUICK_DEATH_MS = 1000;
const MAX_RESTART_DELAY_MS = 5000;

const LEVELS: Record<number, "trace" | "debug" | "info" | "warn" | "error" | "fatal"> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};

/** Pages's reads, each answered with its value's JSON (what a handler may return as is). */
export type EncodedPages = {
  [K in keyof Pages]: (...args: Parameters<Pages[K]>) => Promise<EncodedValue<Awaited<ReturnType<Pages[K]>>>>;
};

export class ReadPool implements EncodedPages {
  private readonly slots: Array<Thread | undefined>;
  /** Requests waiting for a thread (every slot is between a death and its replacement). */
  private readonly waiting: Pending[] = [];
  private nextId = 1;
  private stopping = false;
  private restartDelayMs = 0;
  private readonly fromSource = import.meta.url.endsWith(".ts");
  readonly stats: ReadPoolStats = { restarts: 0, retried: 0, timeouts: 0 };

  constructor(private readonly opts: ReadPoolOptions) {
    if (opts.threads < 1) throw new Error("ReadPool: threads must be >= 1");
    if (!(opts.timeoutMs > 0)) throw new Error("ReadPool: timeoutMs must be > 0");
    this.slots = Array.from({ length: opts.threads }, () => undefined);
    for (let i = 0; i < opts.threads; i++) this.start(i);
  }

  /**
   * Resolves when every first thread has its connection open; rejects when one died before (the
   * file cannot be opened read-only, say: the service should not start). Requests sent before are
   * queued by the threads, but a thread takes a while to load (seconds from sources, in the tests).
   */
  ready(): Promise<void> {
    return Promise.all(this.slots.map((t) => t?.ready)).then(() => undefined);
  }

  history(userId: number, key: string, beforeSeq: number | undefined, limit: number): Promise<EncodedValue<Page>> {
    return this.request({ op: "history", args: [userId, key, beforeSeq, limit] });
  }

  sync(userId: number, key: string, afterSeq: number, limit: number): Promise<EncodedValue<Page>> {
    return this.request({ op: "sync", args: [userId, key, afterSeq, limit] });
  }

  conversations(
    userId: number,
    after: ConversationsCursor | undefined,
  ): Promise<EncodedValue<{ conversations: ConversationSummary[]; more: boolean }>> {
    return this.request({ op: "conversations", args: [userId, after] });
  }

  /** The threads now running (tests end them to check recovery). */
  get workers(): Worker[] {
    return this.slots.flatMap((t) => (t ? [t.worker] : []));
  }

  /** Lets the requests sent so far finish, then ends the threads. */
  async close(): Promise<void> {
    this.stopping = true;
    for (const t of this.slots) if (t) clearTimeout(t.watchdog);
    for (const p of this.waiting.splice(0)) p.reject(new AppError("UNAVAILABLE"));
    const stop: ReadWorkerCommand = "stop";
    await Promise.all(
      this.slots.map(
        (t) =>
          t &&
          new Promise<void>((resolve) => {
            t.worker.once("exit", () => resolve());
            t.worker.postMessage(stop);
          }),
      ),
    );
  }

  /**
   * `T` is the reply's type for `op` (pages.ts's, which the thread runs and serializes): the one
   * place it is asserted.
   */
  private request<T>(call: ReadCall): Promise<EncodedValue<T>> {
    if (this.stopping) return Promise.reject(new AppError("UNAVAILABLE"));
    return new Promise<EncodedValue<T>>((resolve, reject) => {
      const request: ReadRequest = { id: this.nextId++, now: this.opts.clock(), ...call };
      this.send({ request, attempts: 0, resolve: resolve as (v: unknown) => void, reject });
    });
  }

  /** To the live thread with the fewest requests in flight. */
  private send(p: Pending): void {
    let best: Thread | undefined;
    for (const t of this.slots) if (t && (!best || t.pending.size < best.pending.size)) best = t;
    if (!best) {
      this.waiting.push(p);
      return;
    }
    p.attempts++;
    best.pending.set(p.request.id, p);
    best.worker.postMessage(p.request);
    if (!best.watchdog) this.arm(best);
  }

  /** From now (a start, an answer): if the thread still holds requests, it must answer one in time. */
  private arm(thread: Thread): void {
    clearTimeout(thread.watchdog);
    thread.watchdog = undefined;
    if (!thread.isReady || thread.pending.size === 0 || this.stopping) return;
    thread.watchdog = setTimeout(() => this.stuck(thread), this.opts.timeoutMs);
    thread.watchdog.unref();
  }

  private stuck(thread: Thread): void {
    const slot = this.slots.indexOf(thread);
    if (slot < 0 || this.stopping) return;
    this.stats.timeouts++;
    this.slots[slot] = undefined;
    const [reading, ...queued] = thread.pending.values();
    thread.pending.clear();
    this.opts.log.error(
      { timeoutMs: this.opts.timeoutMs, inFlight: queued.length + 1 },
      "chat reader thread answered nothing in time; replacing it",
    );
    reading?.reject(new AppError("TIMEOUT", "The page took too long to read. Try again."));
    // Its exit (once its blocking call returns) finds the slot taken and does nothing more.
    void thread.worker.terminate();
    this.start(slot);
    this.resend(queued);
  }

  /** Requests of a thread that is gone: to another, or INTERNAL after ATTEMPTS sends. */
  private resend(requests: Iterable<Pending>): void {
    for (const p of requests) {
      if (p.attempts >= ATTEMPTS) p.reject(new AppError("INTERNAL"));
      else {
        this.stats.retried++;
        this.send(p);
      }
    }
  }

  private start(slot: number): void {
    const workerData: ReadWorkerData = {
      url: this.opts.url,
      logLevel: this.opts.log.level,
      fromSource: this.fromSource,
    };
    const worker = new Worker(new URL("./read-worker.js", import.meta.url), { workerData });
    let markReady!: () => void;
    let failed!: (err: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failed = reject;
    });
    // Nobody may be waiting (a replacement thread): the exit is logged below.
    ready.catch(() => undefined);
    worker.once("exit", (code) => failed(new Error(`chat reader thread exited (${code}) before it was ready`)));
    const thread: Thread = {
      worker,
      pending: new Map(),
      startedMs: Date.now(),
      ready,
      markReady,
      isReady: false,
      watchdog: undefined,
    };
    this.slots[slot] = thread;
    worker.on("message", (m: ReadReply) => this.onReply(thread, m));
    worker.on("error", (err) => this.opts.log.error({ err }, "chat reader thread failed"));
    worker.once("exit", (code) => this.onExit(slot, thread, code));
    for (const p of this.waiting.splice(0)) this.send(p);
  }

  private onReply(thread: Thread, m: ReadReply): void {
    if ("ready" in m) {
      thread.isReady = true;
      thread.markReady();
      return this.arm(thread);
    }
    if ("log" in m) return this.relay(m.log);
    const p = thread.pending.get(m.id);
    if (!p) return;
    thread.pending.delete(m.id);
    this.arm(thread);
    if (m.ok) p.resolve(new EncodedValue(m.json));
    else p.reject(m.error ? AppError.from(m.error) : new AppError("INTERNAL"));
  }

  /** A thread's log line, logged as the parent's own at its level. */
  private relay(line: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return;
    }
    // The thread's own pino line: an object, but checked rather than trusted.
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return;
    const entry: Record<string, unknown> = { ...parsed };
    const { level, msg, time: _time, pid: _pid, hostname: _hostname, name: _name, ...fields } = entry;
    const method = LEVELS[typeof level === "number" ? level : 50] ?? "error";
    this.opts.log[method]({ ...fields, thread: "reader" }, typeof msg === "string" ? msg : "");
  }

  private onExit(slot: number, thread: Thread, code: number): void {
    clearTimeout(thread.watchdog);
    // Found stuck before: replaced already, its requests answered or sent elsewhere.
    if (this.slots[slot] !== thread && !this.stopping) return;
    if (this.slots[slot] === thread) this.slots[slot] = undefined;
    if (this.stopping) {
      for (const p of thread.pending.values()) p.reject(new AppError("UNAVAILABLE"));
      return;
    }
    this.stats.restarts++;
    this.opts.log.error({ code, inFlight: thread.pending.size }, "chat reader thread exited; starting another");
    const lived = Date.now() - thread.startedMs;
    this.restartDelayMs =
      lived < QUICK_DEATH_MS ? Math.min(Math.max(this.restartDelayMs * 2, 50), MAX_RESTART_DELAY_MS) : 0;
    const replace = () => {
      if (!this.stopping && this.slots[slot] === undefined) this.start(slot);
    };
    if (this.restartDelayMs === 0) replace();
    else setTimeout(replace, this.restartDelayMs).unref();
    this.resend(thread.pending.values());
  }
}
