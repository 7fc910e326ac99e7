/**
 * The SQLite side: one better-sqlite3 connection. Statements run synchronously and their results
 * are handed back as already-settled promises, so a transaction whose callback awaits only its
 * statements runs start to COMMIT within one turn of the event loop, as the synchronous code did.
 * Transactions (and statements outside them) are serialized by a gate, so nothing else of the
 * process can run on the connection while one is open (docs/DEVELOPMENT.md, hazard 1).
 */
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import type { AnyStatement, SqlParam } from "./statement.js";
import type { OpenSqlOptions, RunResult, SqlDb, SqlTx, TxOptions } from "./types.js";

/** Short: the wait blocks the event loop. Longer contention is retried asynchronously by callers. */
export const SQLITE_BUSY_TIMEOUT_MS = 50;

interface Prepared {
  stmt: Database.Statement<unknown[], unknown>;
  reader: boolean;
  /** A reader's row from its raw array (see rowFactory). */
  row: ((values: unknown[]) => Record<string, unknown>) | undefined;
}

/** `file:/abs.db`, `file:./rel.db`, `file:///abs.db` (a query string is ignored). */
export function sqliteFile(url: string): string {
  if (url.startsWith("file://")) return fileURLToPath(url.split("?")[0]!);
  if (!url.startsWith("file:")) throw new Error(`not a SQLite url: ${url}`);
  return url.slice("file:".length).split("?")[0]!;
}

/**
 * A DateTime as Prisma stores it in SQLite (Unix ms, or ISO text) or as SQLite's CURRENT_TIMESTAMP
 * writes it ("YYYY-MM-DD HH:MM:SS", UTC), in Unix ms.
 */
export function sqliteDateMs(value: unknown): unknown {
  if (typeof value === "number" || value === null) return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value !== "string") return value;
  const text = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(value) ? `${value.replace(" ", "T")}Z` : value;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : value;
}

const DATE_TYPE = /^(DATETIME|TIMESTAMP|DATE)\b/i;

/**
 * Rows come from better-sqlite3 as arrays (`raw` mode) and become objects here, through a function
 * made once per statement: `(v) => ({ "id": v[0], "createdAt": date(v[1]), ... })`. better-sqlite3's
 * own objects are built property by property in C++, and reading them stays slow; a literal gets
 * one hidden class per statement. Chat's reader thread answered a 50-entry history page (rows,
 * entries, JSON) in ~490 µs of CPU with better-sqlite3's objects and ~210-240 µs this way. Same
 * keys, same order, and a repeated column name keeps its last value, as before. Columns declared
 * DATETIME become Unix ms (sqliteDateMs).
 */
function rowFactory(
  columns: Array<{ name: string; type: string | null }>,
): (values: unknown[]) => Record<string, unknown> {
  const fields = columns.map(({ name, type }, i) => {
    const value = type !== null && DATE_TYPE.test(type) ? `date(v[${i}])` : `v[${i}]`;
    // A computed key for "__proto__", which as a plain key would set the prototype instead.
    return name === "__proto__" ? `["__proto__"]: ${value}` : `${JSON.stringify(name)}: ${value}`;
  });
  // Only column names from our own statements, each a JSON string literal: nothing to inject.
  const make = new Function("date", `return (v) => ({ ${fields.join(", ")} });`) as (
    date: typeof sqliteDateMs,
  ) => (values: unknown[]) => Record<string, unknown>;
  return make(sqliteDateMs);
}

class SqliteExec {
  readonly dialect = "sqlite" as const;
  constructor(protected readonly conn: SqliteConnection) {}

  get(stmt: AnyStatement | string, params: readonly SqlParam[] = []): Promise<never> {
    return this.conn.call(this, "get", stmt, params) as Promise<never>;
  }
  all(stmt: AnyStatement | string, params: readonly SqlParam[] = []): Promise<never> {
    return this.conn.call(this, "all", stmt, params) as Promise<never>;
  }
  run(stmt: AnyStatement | string, params: readonly SqlParam[] = []): Promise<RunResult> {
    return this.conn.call(this, "run", stmt, params) as Promise<RunResult>;
  }
}

/** The savepoint statements of each nesting depth, made once (their texts are then the same strings). */
const savepoints: Array<{ save: string; release: string; rollback: string }> = [];
function savepointTexts(depth: number) {
  return (savepoints[depth] ??= {
    save: `SAVEPOINT sp${depth}`,
    release: `RELEASE sp${depth}`,
    rollback: `ROLLBACK TO sp${depth}`,
  });
}

class SqliteTxImpl extends SqliteExec implements SqlTx {
  ended = false;
  private depth = 0;
  async savepoint<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    const sp = savepointTexts(++this.depth);
    this.conn.raw(sp.save);
    try {
      const result = await fn(this);
      this.conn.raw(sp.release);
      return result;
    } catch (err) {
      if (this.conn.db.inTransaction) {
        this.conn.raw(sp.rollback);
        this.conn.raw(sp.release);
      }
      throw err;
    } finally {
      this.depth--;
    }
  }
}

class SqliteConnection {
  readonly db: Database.Database;
  private readonly prepared: Array<Prepared | undefined> = [];
  private readonly adHoc = new Map<string, Prepared>();
  /** Set while a transaction is open: statements from outside it wait. */
  gate: Promise<void> | undefined;
  /** The open transaction, whose statements pass the gate. */
  current: SqliteTxImpl | undefined;

  private readonly busyTimeoutMs: number;

  constructor(file: string, opts: OpenSqlOptions) {
    this.db = new Database(file, { fileMustExist: opts.fileMustExist ?? true, readonly: opts.readOnly ?? false });
    this.busyTimeoutMs = opts.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS;
    this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    // Setting the journal mode is a write; a read-only connection uses the mode the file has.
    if (!opts.readOnly) this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("foreign_keys = ON");
    // Checkpoints run elsewhere (services/chat checkpointer.ts), not inside this connection's commits.
    this.db.pragma("wal_autocheckpoint = 0");
  }

  private make(text: string): Prepared {
    const s = this.db.prepare<unknown[], unknown>(text);
    const reader = s.reader;
    if (!reader) return { stmt: s, reader, row: undefined };
    const row = rowFactory(s.columns());
    s.raw(true);
    return { stmt: s, reader, row };
  }

  private prepare(stmt: AnyStatement | string): Prepared {
    if (typeof stmt !== "string") return (this.prepared[stmt.id] ??= this.make(stmt.sqlite));
    let p = this.adHoc.get(stmt);
    if (!p) {
      if (this.adHoc.size >= 200) this.adHoc.clear();
      p = this.make(stmt);
      this.adHoc.set(stmt, p);
    }
    return p;
  }

  raw(text: string): void {
    this.prepare(text).stmt.run();
  }

  /** `BEGIN IMMEDIATE` without the busy timeout: SQLITE_BUSY at once when the lock is taken. */
  beginNoWait(): void {
    this.db.pragma("busy_timeout = 0");
    try {
      this.raw("BEGIN IMMEDIATE");
    } finally {
      this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    }
  }

  /** One statement for `from` (the db itself, or a transaction). */
  call(
    from: SqliteExec,
    op: "get" | "all" | "run",
    stmt: AnyStatement | string,
    params: readonly SqlParam[],
  ): Promise<unknown> {
    if (from instanceof SqliteTxImpl) {
      if (from.ended) return Promise.reject(new Error("statement on a transaction that has ended"));
    } else if (this.gate) {
      return this.gate.then(() => this.call(from, op, stmt, params));
    }
    try {
      return Promise.resolve(this.execute(op, stmt, params));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private execute(op: "get" | "all" | "run", stmt: AnyStatement | string, params: readonly SqlParam[]): unknown {
    const p = this.prepare(stmt);
    const args = params as unknown[];
    if (op === "run") {
      if (p.reader) return { changes: p.stmt.all(...args).length };
      const r = p.stmt.run(...args);
      return { changes: r.changes, lastId: Number(r.lastInsertRowid) };
    }
    if (!p.reader) {
      p.stmt.run(...args);
      return op === "get" ? undefined : [];
    }
    const toRow = p.row!;
    if (op === "get") {
      const values = p.stmt.get(...args) as unknown[] | undefined;
      return values && toRow(values);
    }
    const rows = p.stmt.all(...args) as unknown[][];
    for (let i = 0; i < rows.length; i++) (rows as unknown[])[i] = toRow(rows[i]!);
    return rows;
  }
}

class SqliteDbImpl extends SqliteExec implements SqlDb {
  constructor(
    readonly url: string,
    conn: SqliteConnection,
  ) {
    super(conn);
  }

  async transaction<T>(fn: (tx: SqlTx) => Promise<T>, opts: TxOptions = {}): Promise<T> {
    const conn = this.conn;
    while (conn.gate) await conn.gate;
    let open!: () => void;
    conn.gate = new Promise<void>((resolve) => (open = resolve));
    const tx = new SqliteTxImpl(conn);
    conn.current = tx;
    try {
      if (opts.noWait && !opts.readOnly) conn.beginNoWait();
      else conn.raw(opts.readOnly ? "BEGIN" : "BEGIN IMMEDIATE");
      // Read-only as on PostgreSQL: a write in a snapshot fails (SQLITE_READONLY) instead of committing.
      if (opts.readOnly) conn.raw("PRAGMA query_only = ON");
      try {
        const result = await fn(tx);
        conn.raw("COMMIT");
        return result;
      } catch (err) {
        if (conn.db.inTransaction) conn.raw("ROLLBACK");
        throw err;
      } finally {
        if (opts.readOnly) conn.raw("PRAGMA query_only = OFF");
      }
    } finally {
      tx.ended = true;
      conn.current = undefined;
      conn.gate = undefined;
      open();
    }
  }

  snapshot<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.transaction(fn, { readOnly: true });
  }

  async exec(text: string): Promise<void> {
    while (this.conn.gate) await this.conn.gate;
    this.conn.db.exec(text);
  }

  async close(): Promise<void> {
    while (this.conn.gate) await this.conn.gate;
    this.conn.db.close();
  }
}

export function openSqlite(url: string, opts: OpenSqlOptions = {}): SqlDb {
  return new SqliteDbImpl(url, new SqliteConnection(sqliteFile(url), opts));
}
