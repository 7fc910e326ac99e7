#!/usr/bin/env node
// Puts the attachments of a `db:backup` back into NATS JetStream's object store: the blobs that the
// backup's database names, from BACKUP.blobs/ (scripts/lib/blob-backup.mjs). Chunks already stored
// are skipped, so it may run again after an interruption, and into a store that kept some.
//   npm run db:restore-blobs -- BACKUP.db
// NATS as for db:backup: NATS_URL with the chat role's NATS_USER / NATS_PASSWORD, else what
// `npm start` left in its data dir ($DATA_DIR, else data/). The bucket is created if missing with
// CHAT_BLOB_REPLICAS replicas (default 1), as the chat service does. docs/DEPLOYMENT.md, "Restore".
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const fail = (line) => {
  console.error(`db-restore-blobs: ${line}`);
  process.exit(1);
};

const args = process.argv.slice(2);
if (args.length !== 1 || args[0].startsWith("--")) fail("usage: npm run db:restore-blobs -- BACKUP.db");
const backup = path.resolve(args[0]);
if (!existsSync(backup)) fail(`${backup} does not exist`);
const dir = `${backup}.blobs`;
const replicas = Number(process.env.CHAT_BLOB_REPLICAS ?? "1");
if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) fail("CHAT_BLOB_REPLICAS must be 1 to 5");

const lib = await import("./lib/blob-backup.mjs");
const db = new Database(backup, { readonly: true, fileMustExist: true });
const rows = lib.committedBlobs(db);
db.close();
if (rows.length === 0) {
  console.log(`db-restore-blobs: ${backup} names no blobs (attachments): nothing to do`);
  process.exit(0);
}
if (!existsSync(dir))
  fail(`${dir} does not exist: the backup names ${rows.length} blob(s) but was taken without them (--no-blobs?)`);

const dataDir = path.resolve(process.env.DATA_DIR ?? path.join(root, "data"));
const target = lib.natsTarget(process.env, dataDir);
if (!target)
  fail(
    `no NATS is known: start Sealroom (npm start; no ${lib.credentialsFile(dataDir)} yet) or set NATS_URL ` +
      `with the chat role's NATS_USER=chat and NATS_PASSWORD`,
  );
let nc;
try {
  nc = await lib.connectTarget(target);
} catch (err) {
  fail(
    `cannot reach NATS at ${lib.redactUrl(target.url)} (from ${target.from}): ${err instanceof Error ? err.message : String(err)}`,
  );
}
const t0 = Date.now();
let result;
try {
  result = await lib.restoreBlobs(nc, rows, dir, replicas);
} catch (err) {
  fail(`restoring the blobs failed: ${err instanceof Error ? err.message : String(err)}; run it again to resume`);
} finally {
  await nc.close();
}
for (const id of result.missing)
  console.error(`db-restore-blobs: blob ${id}: not in the backup (left out when it was taken)`);
for (const id of result.damaged)
  console.error(`db-restore-blobs: blob ${id}: its file does not match the row; not restored`);
const mib = (result.bytes / 2 ** 20).toFixed(1);
console.log(
  `db-restore-blobs: ${result.restored} blobs restored (${result.chunks} chunks, ${mib} MiB), ${result.present} already present, ` +
    `${result.missing.length + result.damaged.length} not available, of ${rows.length} (${Date.now() - t0} ms)`,
);
process.exitCode = result.damaged.length > 0 ? 1 : 0;
