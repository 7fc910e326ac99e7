/**
 * A fresh, migrated database per caller, on the engine the tests run against:
 * `SEALROOM_TEST_DB=sqlite` (the default) or `SEALROOM_TEST_DB=postgresql` (vitest's `node-pg`
 * project sets it).
 *
 * - SQLite: a copy of a template file migrated once per migrations hash, in its own temp dir.
 * - PostgreSQL (server: SEALROOM_TEST_PG_URL, default postgresql://postgres@127.0.0.1:5432/postgres):
 *   a template database `sealroom_tpl_<hash>` per migrations hash, built once (under an advisory
 *   lock, so concurrent test files do not race to build it), then `CREATE DATABASE
 *   sealroom_t_<random> TEMPLATE sealroom_tpl_<hash>` per call (a file copy, ~50 ms) and
 *   `DROP DATABASE ... WITH (FORCE)` on remove().
 */
import { createHash, randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { migrateDatabase, migratePostgres, type Engine } from "@sealroom/db";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** The engine of this test run (SEALROOM_TEST_DB). */
export function testEngine(): Engine {
  const value = process.env.SEALROOM_TEST_DB ?? "sqlite";
  if (value === "sqlite" || value === "postgresql") return value;
  throw new Error(`SEALROOM_TEST_DB must be "sqlite" or "postgresql", not ${JSON.stringify(value)}`);
}

/** The PostgreSQL server tests use: a url of a database to connect to for CREATE/DROP DATABASE. */
export const TEST_PG_URL = process.env.SEALROOM_TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/** Hash of every committed migration of one engine, so a changed schema gets a new template. */
function migrationsHash(dir: string): string {
  const h = createHash("sha256");
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name, "migration.sql");
    if (existsSync(file)) h.update(name).update(readFileSync(file));
  }
  return h.digest("hex").slice(0, 16);
}

export interface TempDb {
  /** What to give createDb / DATABASE_URL. */
  url: string;
  engine: Engine;
  /** The SQLite file (undefined on PostgreSQL). */
  file: string | undefined;
  /** Deletes the database (SQLite: its directory; PostgreSQL: DROP DATABASE ... WITH (FORCE)). */
  remove(): Promise<void>;
}

/** A fresh, migrated database on the engine of this test run. */
export async function tempDatabase(): Promise<TempDb> {
  return testEngine() === "postgresql" ? tempPostgres() : tempSqlite();
}

// ---- SQLite

let sqliteTemplate: Promise<string> | undefined;

/** A migrated empty database, built once per schema with `prisma migrate deploy` and then copied. */
function sqliteTemplateFile(): Promise<string> {
  sqliteTemplate ??= (async () => {
    const file = path.join(os.tmpdir(), `sealroom-template-${migrationsHash(path.join(root, "prisma/migrations"))}.db`);
    if (existsSync(file)) return file;
    const tmp = `${file}.${process.pid}.${Date.now()}`;
    await migrateDatabase(`file:${tmp}`);
    renameSync(tmp, file);
    return file;
  })();
  return sqliteTemplate;
}

async function tempSqlite(): Promise<TempDb> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sealroom-db-"));
  const file = path.join(dir, "sealroom.db");
  copyFileSync(await sqliteTemplateFile(), file);
  return {
    url: `file:${file}`,
    engine: "sqlite",
    file,
    remove: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

// ---- PostgreSQL

async function withAdmin<T>(op: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, application_name: "sealroom-testkit" });
  await client.connect();
  try {
    return await op(client);
  } finally {
    await client.end();
  }
}

function urlOf(database: string): string {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Runs a CREATE/ALTER DATABASE that needs nobody connected to a database, retried for a moment on
 * 55006 ("is being accessed by other users"): a backend whose client just disconnected may not
 * have exited yet.
 */
async function whenUnused(admin: pg.Client, sql: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(sql);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== "55006" || attempt >= 50) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

let pgTemplate: Promise<string> | undefined;

/** The template database of the committed PostgreSQL migrations, built by the first test file to need it. */
function postgresTemplate(): Promise<string> {
  pgTemplate ??= (async () => {
    const name = `sealroom_tpl_${migrationsHash(path.join(root, "prisma/postgresql/migrations"))}`;
    return withAdmin(async (admin) => {
      // Advisory locks are per database: every test process takes this one in TEST_PG_URL's.
      const key = `hashtext(${pg.escapeLiteral(name)})`;
      await admin.query(`SELECT pg_advisory_lock(${key})`);
      try {
        const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
        if (exists.rowCount) return name;
        // Built under another name and renamed when complete: a crash mid-way leaves no half template.
        const building = `${name}_b${randomBytes(4).toString("hex")}`;
        await admin.query(`CREATE DATABASE ${building}`);
        try {
          await migratePostgres(urlOf(building));
          await whenUnused(admin, `ALTER DATABASE ${building} RENAME TO ${name}`);
        } catch (err) {
          await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`).catch(() => {});
          throw err;
        }
        return name;
      } finally {
        await admin.query(`SELECT pg_advisory_unlock(${key})`).catch(() => {});
      }
    });
  })();
  return pgTemplate;
}

async function tempPostgres(): Promise<TempDb> {
  const template = await postgresTemplate();
  const name = `sealroom_t_${randomBytes(8).toString("hex")}`;
  await withAdmin((admin) => whenUnused(admin, `CREATE DATABASE ${name} TEMPLATE ${template}`));
  return {
    url: urlOf(name),
    engine: "postgresql",
    file: undefined,
    remove: () => withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

/** The SQLite file of a TempDb, for tests that open it directly; throws on PostgreSQL. */
export function sqliteFile(database: TempDb): string {
  if (database.file === undefined)
    throw new Error(`this test needs SQLite (SEALROOM_TEST_DB=sqlite), not ${database.engine}`);
  return database.file;
}
