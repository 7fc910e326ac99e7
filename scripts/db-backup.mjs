#!/usr/bin/env node
// Online backup of the SQLite database while Sealroom runs (SQLite's backup API through
// better-sqlite3: a consistent snapshot, writers are not stopped), then an integrity check of the copy.
//   npm run db:backup [-- DEST]
// The database is DATABASE_URL (file:...), else $DATA_DIR/sealroom.db, else data/sealroom.db.
// DEST defaults to <database dir>/backups/sealroom-<UTC time>.db. Restore: docs/DEPLOYMENT.md.
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";

// A backup holds every message: owner only (the copy and its directory), whatever the shell's umask.
process.umask(0o077);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const fail = (line) => {
  console.error(`db-backup: ${line}`);
  process.exit(1);
};

const url = process.env.DATABASE_URL;
if (url && !url.startsWith("file:")) fail(`DATABASE_URL must be a file: URL, not ${url}`);
const source = url
  ? path.resolve(url.slice("file:".length))
  : path.join(path.resolve(process.env.DATA_DIR ?? path.join(root, "data")), "sealroom.db");
if (!existsSync(source)) fail(`${source} does not exist`);

const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const dest = path.resolve(process.argv[2] ?? path.join(path.dirname(source), "backups", `sealroom-${stamp}.db`));
if (existsSync(dest)) fail(`${dest} exists already`);
mkdirSync(path.dirname(dest), { recursive: true, mode: 0o700 });

// Into a temp name first: a backup file that exists is a complete, checked one.
const partial = `${dest}.partial`;
rmSync(partial, { force: true });
const db = new Database(source, { readonly: true, fileMustExist: true });
const t0 = Date.now();
try {
  await db.backup(partial);
} catch (err) {
  rmSync(partial, { force: true });
  fail(`backup failed: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  db.close();
}
// The copy inherits WAL mode; a backup should be one self-contained file (no -wal/-shm beside it).
const copy = new Database(partial);
copy.pragma("journal_mode = DELETE");
const check = copy.pragma("integrity_check", { simple: true });
copy.close();
if (check !== "ok") {
  rmSync(partial, { force: true });
  fail(`the copy failed its integrity check: ${check}`);
}
renameSync(partial, dest);
const mib = (statSync(dest).size / 2 ** 20).toFixed(1);
console.log(`db-backup: ${source} -> ${dest} (${mib} MiB, ${Date.now() - t0} ms, integrity ok)`);
