#!/usr/bin/env node
// `npm run db:migrate`, compose's `migrate` job and `npm start`: applies the committed migrations
// of DATABASE_URL's engine, safely while Sealroom may be running.
//
// PostgreSQL (postgresql:// or postgres://): prisma/postgresql/migrations, applied by our runner in
// @sealroom/db (packages/db/src/migrate-pg.ts; `prisma migrate deploy` fails through adapter-pg):
// creates the database if missing, takes an advisory lock so that hosts starting together take
// turns, one transaction per migration, refuses a migration changed after it was applied. Running
// services are no obstacle (additive migrations; see docs/DEPLOYMENT.md for the upgrade order).
// It needs the build (packages/db/dist): `npm run build` first.
//
// SQLite (file:): prisma/migrations, by `prisma migrate deploy`:
//   - Nothing pending: says so and exits 0 without starting Prisma. Compose re-runs this job on
//     every `up`, usually with auth, chat and social running; Prisma's migration engine takes
//     SQLite's exclusive locking mode, which fails (SQLITE_BUSY, shown as an unreadable
//     `WASM_ERROR: unknown variant SocketTimeout`) whenever another process has the file open.
//   - Pending, and the database in use: changing the schema under running services is not safe
//     either, so it exits 1 with one line saying what to do (stop them, run it again).
//   - Pending, and nobody has the file open: `prisma migrate deploy` (scripts/prisma.mjs).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import Database from "better-sqlite3";

// The database is created on first run: owner only (see scripts/prisma.mjs).
process.umask(0o077);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const say = (line) => console.error(`migrate: ${line}`);
const url = process.env.DATABASE_URL ?? "file:./data/sealroom.db";
if (/^postgres(ql)?:\/\//.test(url)) await migratePostgresAndExit(url);
if (!url.startsWith("file:")) {
  say(`DATABASE_URL must be a file: URL (SQLite) or a postgresql:// URL, not ${url.replace(/:[^:@/]*@/, ":***@")}`);
  process.exit(1);
}
const file = path.resolve(root, url.slice("file:".length));

const dir = path.join(root, "prisma/migrations");
const committed = readdirSync(dir)
  .filter((name) => existsSync(path.join(dir, name, "migration.sql")))
  .sort();

/** Names of the migrations recorded as applied (Prisma's own table), or [] for a new database. */
function appliedMigrations() {
  if (!existsSync(file)) return [];
  const db = new Database(file, { readonly: true, fileMustExist: true, timeout: 5000 });
  try {
    const table = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`).get();
    if (!table) return [];
    return db
      .prepare(
        `SELECT migration_name AS name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
      )
      .all()
      .map((row) => row.name);
  } finally {
    db.close();
  }
}

/**
 * Whether another process has the database open: the same exclusive lock Prisma will need, tried
 * once without waiting and released at once.
 */
function inUse() {
  if (!existsSync(file)) return false;
  const db = new Database(file, { fileMustExist: true, timeout: 0 });
  try {
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("BEGIN EXCLUSIVE; COMMIT");
    return false;
  } catch (err) {
    if (err?.code === "SQLITE_BUSY" || err?.code === "SQLITE_LOCKED") return true;
    throw err;
  } finally {
    db.close();
  }
}

const applied = new Set(appliedMigrations());
const pending = committed.filter((name) => !applied.has(name));
if (pending.length === 0) {
  say(`${file} is up to date (${committed.length} migrations applied); nothing to do`);
  process.exit(0);
}
if (inUse()) {
  say(
    `${pending.length} migration(s) pending (${pending.join(", ")}) but ${file} is in use: stop what uses it, then migrate ` +
      "(docker compose: `docker compose stop auth chat social && docker compose up -d`; npm start: stop it and start it again)",
  );
  process.exit(1);
}
say(`applying ${pending.join(", ")} to ${file}`);
const result = spawnSync(process.execPath, [path.join(root, "scripts/prisma.mjs"), "migrate", "deploy"], {
  cwd: root,
  env: { ...process.env, DATABASE_URL: `file:${file}` },
  stdio: "inherit",
});
process.exit(result.status ?? 1);

async function migratePostgresAndExit(pgUrl) {
  const runner = path.join(root, "packages/db/dist/migrate-pg.js");
  if (!existsSync(runner)) {
    say("packages/db is not built (packages/db/dist/migrate-pg.js is missing): run `npm run build` first");
    process.exit(1);
  }
  const { migratePostgres } = await import(pathToFileURL(runner).href);
  try {
    const result = await migratePostgres(pgUrl, { createDatabase: true, log: say });
    const shown = pgUrl.replace(/:[^:@/]*@/, ":***@");
    if (result.unknown.length) {
      say(
        `${shown} has migrations this version does not know (${result.unknown.join(", ")}): it was migrated by a newer version`,
      );
    }
    say(
      result.applied.length
        ? `applied ${result.applied.join(", ")} to ${shown}`
        : `${shown} is up to date (${result.upToDate.length} migrations applied); nothing to do`,
    );
    process.exit(0);
  } catch (err) {
    say(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
