/**
 * The PostgreSQL side: a `pg.Pool`. Statements outside a transaction take any pooled connection;
 * a transaction holds one connection from BEGIN to COMMIT. Defined statements are named, so each
 * pooled connection parses them once. Results are parsed per pool (never pg's global parsers):
 * 64-bit integers and numerics to numbers, timestamps to Unix ms, booleans to 1/0, as SQLite
 * returns them.
 */
import pg from "pg";
import { CommitOutcomeUnknown, isConnectionError } from "./errors.js";
import { adHoc, type AnyStatement, type SqlParam } from "./statement.js";
import type { OpenSqlOptions, RunResult, SqlDb, SqlTx, TxOptions } from "./types.js";

const OID = { bool: 16, int8: 20, numeric: 1700, timestamp: 1114, timestamptz: 1184 } as const;

/** "2026-12-03 11:44:04.123" (timestamp, stored as UTC by Prisma) or "...+00" / "...+05:30" (timestamptz). */
export function pgTimestampMs(text: string, zoned: boolean): number | string {
  let iso = text.replace(" ", "T");
  if (!zoned) iso += "Z";
  else if (/[+-]\d\d$/.test(iso)) iso += ":00";
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : text;
}

function int8(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

function typeParsers(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  types.setTypeParser(OID.int8, int8);
  types.setTypeParser(OID.numeric, Number);
  types.setTypeParser(OID.timestamp, (t: string) => pgTimestampMs(t, false));
  types.setTypeParser(OID.timestamptz, (t: string) => pgTimestampMs(t, true));
  types.setTypeParser(OID.bool, (t: string) => (t === "t" ? 1 : 0));
  return types;
}

function values(params: readonly SqlParam[]): unknown[] {
  return params.map((p) => (typeof p === "bigint" ? p.toString() : p));
}

type Target = pg.Pool | pg.PoolClient;

async function query(target: Target, stmt: AnyStatement | string, params: readonly SqlParam[]) {
  const s = typeof stmt === "string" ? adHoc(stmt) : stmt;
  const config: pg.QueryConfig = { text: s.postgresql, values: values(params) };
  if (s.name !== undefined) config.name = s.name;
  return target.query<Record<string, unknown>>(config);
}

class PgExec {
  readonly dialect = "postgresql" as const;
  constructor(protected readonly target: Target) {}

  protected check(): void {}

  async get(stmt: AnyStatement | string, params: readonly SqlParam[] = []): Promise<never> {
    this.check();
    return (await query(this.target, stmt, params)).rows[0] as never;
  }
  async all(stmt: AnyStatement | string, params: readonly SqlParam[] = []): Promise<never> {
    this.check();
    return (await query(this.target, stmt, params)).rows as never;
  }
  async run(stmt: AnyStatement | string, params: readonly SqlParam[] = []): Promise<RunResult> {
    this.check();
    const result = await query(this.target, stmt, params);
    const id = result.rows[0]?.id;
    return typeof id === "number" ? { changes: result.rowCount ?? 0, lastId: id } : { changes: result.rowCount ?? 0 };
  }
}

class PgTx extends PgExec implements SqlTx {
  ended = false;
  private depth = 0;
  constructor(readonly client: pg.PoolClient) {
    super(client);
  }
  protected override check(): void {
    if (this.ended) throw new Error("statement on a transaction that has ended");
  }
  async savepoint<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    this.check();
    const name = `sp${++this.depth}`;
    await this.client.query(`SAVEPOINT ${name}`);
    try {
      const result = await fn(this);
      await this.client.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      // Undoes what fn wrote and clears an aborted transaction's error state.
      await this.client.query(`ROLLBACK TO SAVEPOINT ${name}`);
      await this.client.query(`RELEASE SAVEPOINT ${name}`);
      throw err;
    } finally {
      this.depth--;
    }
  }
}

class PgDb extends PgExec implements SqlDb {
  constructor(
    readonly url: string,
    private readonly pool: pg.Pool,
  ) {
    super(pool);
  }

  async transaction<T>(fn: (tx: SqlTx) => Promise<T>, opts: TxOptions = {}): Promise<T> {
    const client = await this.pool.connect();
    const tx = new PgTx(client);
    /** Set when the connection must not go back to the pool. */
    let broken: Error | undefined;
    try {
      await client.query(opts.readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN");
      let result: T;
      try {
        result = await fn(tx);
      } catch (err) {
        await client.query("ROLLBACK").catch((e: unknown) => (broken = e instanceof Error ? e : new Error(String(e))));
        throw err;
      }
      let done: pg.QueryResult;
      try {
        done = await client.query("COMMIT");
      } catch (err) {
        if (isConnectionError(err)) {
          broken = err instanceof Error ? err : new Error(String(err));
          throw new CommitOutcomeUnknown(err);
        }
        throw err;
      }
      // COMMIT of a transaction left in the failed state rolls back and says so only in its tag.
      if (done.command === "ROLLBACK") throw new Error("the transaction had failed: COMMIT rolled it back");
      return result;
    } catch (err) {
      if (!broken && isConnectionError(err) && !(err instanceof CommitOutcomeUnknown))
        broken = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      tx.ended = true;
      client.release(broken);
    }
  }

  snapshot<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.transaction(fn, { readOnly: true });
  }

  async exec(text: string): Promise<void> {
    await this.pool.query(text);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

export function openPostgres(url: string, opts: OpenSqlOptions = {}): SqlDb {
  const lockTimeout = opts.lockTimeoutMs ?? 2000;
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    types: typeParsers(),
    options: `-c lock_timeout=${lockTimeout}`,
    application_name: opts.applicationName ?? "sealroom",
  });
  pool.on("error", (err) => opts.onError?.(err));
  return new PgDb(url, pool);
}
