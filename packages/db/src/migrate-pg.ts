/**
 * Applies the committed PostgreSQL migrations (prisma/postgresql/migrations/NNNN_name/migration.sql).
 *
 * Not `prisma migrate deploy`: through @prisma/adapter-pg (the only way to run the CLI without
 * engine binaries) it fails on PostgreSQL with "Column type 'name' could not be deserialized from
 * the database" (prisma/orm#27403). The SQL itself still comes from `prisma migrate diff`
 * (docs/DEVELOPMENT.md); this runner only applies it:
 *
 * - one session-level advisory lock around everything, so hosts that start together take turns
 *   (the second finds nothing pending);
 * - one transaction per migration, its row in `_sealroom_migrations` (name, sha256 of the file)
 *   written in the same transaction: a migration is applied entirely and recorded, or not at all;
 * - a migration whose file changed after it was applied is refused (its checksum differs), before
 *   anything is applied.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { redactUrl } from "./engine.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const POSTGRES_MIGRATIONS_DIR = path.join(repoRoot, "prisma/postgresql/migrations");

/** Key of the advisory lock every runner takes (pg_advisory_lock(bigint)): "sealroom" + 1. */
const MIGRATION_LOCK = "7310312751626371073";
const TABLE = `"_sealroom_migrations"`;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface PostgresMigrateOptions {
  /** Folder of NNNN_name/migration.sql (default: prisma/postgresql/migrations). */
  dir?: string;
  /** Create the database first when it does not exist (scripts/migrate.mjs). */
  createDatabase?: boolean;
  /** One line per step. */
  log?: (line: string) => void;
}

export interface PostgresMigrateResult {
  /** Migrations this call applied, in order. */
  applied: string[];
  /** Committed migrations that were already applied. */
  upToDate: string[];
  /** Recorded as applied but not among the committed files (a newer version migrated this database). */
  unknown: string[];
}

/** The committed migrations, in name order, with the sha256 of each file. */
export function readMigrations(dir = POSTGRES_MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((name) => existsSync(path.join(dir, name, "migration.sql")))
    .sort()
    .map((name) => {
      const bytes = readFileSync(path.join(dir, name, "migration.sql"));
      return { name, sql: bytes.toString("utf8"), checksum: createHash("sha256").update(bytes).digest("hex") };
    });
}

/** Creates the database named by `url` unless it exists (connecting to the `postgres` database). */
export async function ensurePostgresDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!name) throw new Error(`the PostgreSQL url names no database: ${redactUrl(url)}`);
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString(), application_name: "sealroom-migrate" });
  await client.connect();
  try {
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (exists.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    } catch (err) {
      // Another runner made it in between.
      if ((err as { code?: string }).code === "42P04") return false;
      throw err;
    }
    return true;
  } finally {
    await client.end();
  }
}

export async function migratePostgres(
  url: string,
  options: PostgresMigrateOptions = {},
): Promise<PostgresMigrateResult> {
  const { dir = POSTGRES_MIGRATIONS_DIR, createDatabase = false, log = () => {} } = options;
  const migrations = readMigrations(dir);
  if (createDatabase && (await ensurePostgresDatabase(url)))
    log(`created the database ${new URL(url).pathname.slice(1)}`);
  const client = new pg.Client({ connectionString: url, application_name: "sealroom-migrate" });
  await client.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
    try {
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${TABLE} (
          name TEXT PRIMARY KEY,
          checksum TEXT NOT NULL,
          applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )`,
      );
      const rows = await client.query<{ name: string; checksum: string }>(`SELECT name, checksum FROM ${TABLE}`);
      const recorded = new Map(rows.rows.map((r) => [r.name, r.checksum]));
      for (const m of migrations) {
        const checksum = recorded.get(m.name);
        if (checksum !== undefined && checksum !== m.checksum) {
          throw new Error(
            `migration ${m.name} was changed after it was applied to ${redactUrl(url)} (sha256 ${checksum.slice(0, 12)}... ` +
              `recorded, ${m.checksum.slice(0, 12)}... committed): restore the applied file and add a new migration instead`,
          );
        }
      }
      const committed = new Set(migrations.map((m) => m.name));
      const result: PostgresMigrateResult = {
        applied: [],
        upToDate: migrations.filter((m) => recorded.has(m.name)).map((m) => m.name),
        unknown: [...recorded.keys()].filter((name) => !committed.has(name)).sort(),
      };
      for (const m of migrations.filter((m) => !recorded.has(m.name))) {
        log(`applying ${m.name}`);
        await client.query("BEGIN");
        try {
          // The simple query protocol runs a file of several statements in one call.
          await client.query(m.sql);
          await client.query(`INSERT INTO ${TABLE} (name, checksum) VALUES ($1, $2)`, [m.name, m.checksum]);
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK").catch(() => {});
          throw new Error(`migration ${m.name} failed and was rolled back: ${(err as Error).message}`, { cause: err });
        }
        result.applied.push(m.name);
      }
      return result;
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`).catch(() => {});
    }
  } finally {
    await client.end();
  }
}
