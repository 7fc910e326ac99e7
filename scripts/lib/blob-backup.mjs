// The attachments' half of a backup (scripts/db-backup.mjs, scripts/db-restore-blobs.mjs): the
// sealed chunks in NATS JetStream's object store (bucket `sealroom-blobs`, one object
// `<blobId>.<index>` per chunk: services/chat/src/blob-store.ts), copied to and from a directory
// beside the database copy, `<backup>.blobs/`, one file per blob (its chunks in order, exactly the
// row's size). The database copy's Blob rows are the manifest: which blobs, their sizes and
// chunk counts, so the files need no index of their own.
import { closeSync, existsSync, openSync, readFileSync, readSync, rmSync, statSync, writeSync } from "node:fs";
import path from "node:path";
import { Objm } from "@nats-io/obj";
import { connect } from "@nats-io/transport-node";

export const BUCKET = "sealroom-blobs";

/** Sealed bytes of each chunk (packages/proto, built): loaded when needed, so `npm start` can name the file below before a build. */
const chunkSize = async () => (await import("@sealroom/proto/chat-blobs")).blobChunkSize;

/** Where `npm start` leaves the chat role's NATS address and password for db:backup (0600). */
export const credentialsFile = (dataDir) => path.join(dataDir, "nats-backup.json");

/** A blob id names a file: base64url only (the service's ids are), never a path. */
const safeId = (id) => /^[A-Za-z0-9_-]{1,64}$/.test(id);

/** A URL as it may be printed (a password in it replaced). */
export const redactUrl = (url) => url.replace(/\/\/[^@/,]*@/g, "//***@");

/** Complete blobs (committed) of a SQLite database file: those a backup holds. */
export function committedBlobs(db) {
  const table = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'Blob'`).get();
  if (!table) return [];
  return db.prepare(`SELECT "id", "size", "chunks" FROM "Blob" WHERE "committedMs" IS NOT NULL ORDER BY "id"`).all();
}

/**
 * How to reach NATS, as the services take it: NATS_URL with NATS_USER / NATS_PASSWORD (or
 * NATS_CHAT_PASSWORD as user chat, or NATS_TOKEN); else the file `npm start` writes while it runs.
 * Undefined when neither is there.
 */
export function natsTarget(env, dataDir) {
  if (env.NATS_URL) {
    const user = env.NATS_USER || (env.NATS_CHAT_PASSWORD ? "chat" : undefined);
    const pass = env.NATS_PASSWORD || env.NATS_CHAT_PASSWORD || undefined;
    return { url: env.NATS_URL, user, pass, token: env.NATS_TOKEN || undefined, from: "NATS_URL" };
  }
  const file = credentialsFile(dataDir);
  if (!existsSync(file)) return undefined;
  const { url, user, password } = JSON.parse(readFileSync(file, "utf8"));
  return { url, user, pass: password, from: file };
}

/** One connection attempt, no reconnects: a backup either reaches NATS now or says it cannot. */
export async function connectTarget(target) {
  return connect({
    servers: target.url.split(","),
    ...(target.token ? { token: target.token } : {}),
    ...(target.user ? { user: target.user, pass: target.pass ?? "" } : {}),
    // The chat role may subscribe to its own inbox only (deploy/nats/auth.conf).
    inboxPrefix: target.user ? `_INBOX.${target.user}` : "_INBOX",
    timeout: 5000,
    maxReconnectAttempts: 0,
    reconnect: false,
  });
}

const READ_AHEAD = 8;

/** A chunk, null if it is not stored, "damaged" if its digest does not match; anything else throws. */
async function readChunk(os, name) {
  try {
    return await os.getBlob(name);
  } catch (err) {
    if (err instanceof Error && /digests do not match/.test(err.message)) return "damaged";
    throw err;
  }
}

/**
 * Copies every blob of `rows` into `dir` (which exists). A blob whose chunks are gone (deleted
 * since the snapshot) or do not match its row is left out and reported, not fatal.
 */
export async function backupBlobs(nc, rows, dir) {
  const result = { copied: 0, bytes: 0, missing: [], damaged: [] };
  const blobChunkSize = await chunkSize();
  let os;
  try {
    os = await new Objm(nc).open(BUCKET);
  } catch (err) {
    // No bucket (a store wiped since the rows were written): every blob is missing.
    if (!(err instanceof Error && /not found/.test(err.message))) throw err;
    result.missing.push(...rows.map((r) => r.id));
    return result;
  }
  for (const row of rows) {
    if (!safeId(row.id)) {
      result.damaged.push(row.id);
      continue;
    }
    const file = path.join(dir, row.id);
    const fd = openSync(file, "wx", 0o600);
    let problem;
    try {
      // READ_AHEAD chunks in flight, written in order: one at a time read 5 MiB/s on loopback, 8 read 10.
      for (let from = 0; from < row.chunks && !problem; from += READ_AHEAD) {
        const indices = Array.from({ length: Math.min(READ_AHEAD, row.chunks - from) }, (_, k) => from + k);
        const chunks = await Promise.all(indices.map((i) => readChunk(os, `${row.id}.${i}`)));
        for (const [k, chunk] of chunks.entries()) {
          if (chunk === "damaged" || !chunk) problem = chunk ? "damaged" : "missing";
          else if (chunk.length !== blobChunkSize(row.size, row.chunks, from + k)) problem = "damaged";
          if (problem) break;
          writeSync(fd, chunk);
        }
      }
    } finally {
      closeSync(fd);
    }
    if (!problem && statSync(file).size !== row.size) problem = "damaged";
    if (problem) {
      rmSync(file, { force: true });
      result[problem].push(row.id);
      continue;
    }
    result.copied++;
    result.bytes += row.size;
  }
  return result;
}

/**
 * Puts the blobs of `rows` from `dir` back into the bucket (created if missing, `replicas` as the
 * chat service would), skipping chunks already stored with the right size. Blobs without a file
 * in `dir` (left out of the backup) or whose file has the wrong size are reported.
 */
export async function restoreBlobs(nc, rows, dir, replicas) {
  const result = { restored: 0, present: 0, chunks: 0, bytes: 0, missing: [], damaged: [] };
  const blobChunkSize = await chunkSize();
  const os = await new Objm(nc).create(BUCKET, { storage: "file", replicas });
  for (const row of rows) {
    const file = safeId(row.id) ? path.join(dir, row.id) : undefined;
    if (!file || !existsSync(file)) {
      result.missing.push(row.id);
      continue;
    }
    if (statSync(file).size !== row.size) {
      result.damaged.push(row.id);
      continue;
    }
    const fd = openSync(file, "r");
    let put = 0;
    try {
      for (let i = 0, offset = 0; i < row.chunks; i++) {
        const size = blobChunkSize(row.size, row.chunks, i);
        const name = `${row.id}.${i}`;
        const info = await os.info(name);
        if (!info || info.deleted || info.size !== size) {
          const chunk = Buffer.alloc(size);
          readSync(fd, chunk, 0, size, offset);
          await os.putBlob({ name }, chunk);
          put++;
          result.bytes += size;
        }
        offset += size;
      }
    } finally {
      closeSync(fd);
    }
    result.chunks += put;
    if (put > 0) result.restored++;
    else result.present++;
  }
  return result;
}
