#!/usr/bin/env node
// Online backup of the SQLite database while Sealroom runs (SQLite's backup API through
// better-sqlite3: a consistent snapshot, writers are not stopped), then an integrity check of the copy,
// then the attachments that snapshot names (scripts/lib/blob-backup.mjs) into DEST.blobs/.
//   npm run db:backup [-- DEST] [--no-blobs]
// The database is DATABASE_URL (file:...), else $DATA_DIR/sealroom.db, else data/sealroom.db.
// DEST defaults to <database dir>/backups/sealroom-<UTC time>.db. NATS (for the blobs): NATS_URL
// with the chat role's NATS_USER / NATS_PASSWORD, else what `npm start` left in its data dir.
// Restore: docs/DEPLOYMENT.md (the blobs: npm run db:restore-blobs).
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
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

const args = process.argv.slice(2);
const withBlobs = !args.includes("--no-blobs");
const positional = args.filter((a) => a !== "--no-blobs");
if (positional.length > 1 || positional.some((a) => a.startsWith("--")))
  fail(`usage: npm run db:backup [-- DEST] [--no-blobs]`);

const url = process.env.DATABASE_URL;
if (url && !url.startsWith("file:")) fail(`DATABASE_URL must be a file: URL, not ${url}`);
const source = url
  ? path.resolve(url.slice("file:".length))
  : path.join(path.resolve(process.env.DATA_DIR ?? path.join(root, "data")), "sealroom.db");
if (!existsSync(source)) fail(`${source} does not exist`);

const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const dest = path.resolve(positional[0] ?? path.join(path.dirname(source), "backups", `sealroom-${stamp}.db`));
const blobsDir = `${dest}.blobs`;
if (existsSync(dest)) fail(`${dest} exists already`);
if (withBlobs && existsSync(blobsDir)) fail(`${blobsDir} exists already`);
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
if (check !== "ok") {
  copy.close();
  rmSync(partial, { force: true });
  fail(`the copy failed its integrity check: ${check}`);
}
const blobs = withBlobs ? await copyBlobs(copy) : undefined;
copy.close();
// The blobs first: a database copy that exists has its blobs beside it.
if (blobs?.partialDir) renameSync(blobs.partialDir, blobsDir);
renameSync(partial, dest);
const mib = (statSync(dest).size / 2 ** 20).toFixed(1);
console.log(`db-backup: ${source} -> ${dest} (${mib} MiB, ${Date.now() - t0} ms, integrity ok)`);
if (blobs) console.log(`db-backup: ${blobs.summary}`);
else console.log("db-backup: blobs (attachments) skipped (--no-blobs)");

/**
 * The committed blobs the snapshot names, into `<dest>.blobs.partial/` (renamed by the caller).
 * None: no NATS needed, and no directory.
 * Blobs added after the snapshot are not needed (no row of this copy names them).
 */
async function copyBlobs(snapshot) {
  const lib = await import("./lib/blob-backup.mjs");
  const rows = lib.committedBlobs(snapshot);
  const partialDir = `${blobsDir}.partial`;
  rmSync(partialDir, { recursive: true, force: true });
  const abandon = (line) => {
    snapshot.close();
    rmSync(partialDir, { recursive: true, force: true });
    rmSync(partial, { force: true });
    fail(`${line}; nothing was written`);
  };
  if (rows.length === 0) return { summary: "no blobs (attachments) in this database" };
  mkdirSync(partialDir, { mode: 0o700 });

  const dataDir = process.env.DATA_DIR ? path.resolve(process.env.DATA_DIR) : path.dirname(source);
  const target = lib.natsTarget(process.env, dataDir);
  const skip = "run with --no-blobs to back up the database alone";
  if (!target)
    abandon(
      `the database names ${rows.length} attachment blob(s), kept in NATS JetStream, and no NATS is known: ` +
        `npm start is not running (no ${lib.credentialsFile(dataDir)}) and NATS_URL is not set ` +
        `(with the chat role's NATS_USER=chat and NATS_PASSWORD); ${skip}`,
    );
  let nc;
  try {
    nc = await lib.connectTarget(target);
  } catch (err) {
    abandon(
      `cannot reach NATS at ${lib.redactUrl(target.url)} (from ${target.from}) for the ${rows.length} ` +
        `attachment blob(s) the database names: ${err instanceof Error ? err.message : String(err)}; ${skip}`,
    );
  }
  let result;
  try {
    result = await lib.backupBlobs(nc, rows, partialDir);
  } catch (err) {
    abandon(`copying the blobs failed: ${err instanceof Error ? err.message : String(err)}; ${skip}`);
  } finally {
    await nc.close();
  }
  const files = readdirSync(partialDir).length;
  if (files !== result.copied) abandon(`the blob copy holds ${files} files, expected ${result.copied}`);
  const lost = [
    ...result.missing.map((id) => `${id} (missing: deleted since the snapshot?)`),
    ...result.damaged.map((id) => `${id} (chunks do not match the row)`),
  ];
  for (const line of lost) console.error(`db-backup: blob ${line}: not in the backup`);
  const mibBlobs = (result.bytes / 2 ** 20).toFixed(1);
  const summary =
    `${result.copied} of ${rows.length} blobs (${mibBlobs} MiB, sizes and chunks checked) -> ${blobsDir}` +
    (lost.length ? `; ${lost.length} left out (listed above)` : "");
  return { partialDir, summary };
}
