/**
 * Attachment blobs (docs/protocol/chat.md, "Attachments"; proto chat-blobs.ts): the chat service
 * decides who may upload and download, because it knows who may read a conversation; the sealed
 * chunks go to a BlobStore (blob-store.ts: NATS JetStream's object store), the bookkeeping to the
 * database (Blob, BlobChunk). The service sees sizes, counts and timing, never a key or plaintext.
 *
 * Who: the uploader uploads, reads and deletes their own blob; once committed, whoever may read
 * the conversation it was uploaded for downloads it (a former group member only blobs from before
 * they left). Anyone else gets NOT_FOUND, as for an unknown blob.
 *
 * Limits, checked at chat.blob.start before any byte is sent: the operator's per-file size
 * (BLOB_TOO_LARGE) and per-user quota over every blob of the user, complete or in progress
 * (QUOTA_EXCEEDED). The quota check and the insert run in one writer job that locks the user's
 * row on PostgreSQL, so two hosts cannot both admit the last bytes.
 *
 * Collected: uploads not committed within the TTL (`sweep`), and blobs their uploader deletes
 * (the SDK does when its message is deleted). The service cannot see which message names a blob
 * (that is inside the encryption), so a committed blob otherwise stays until its uploader deletes it.
 */
import { randomBytes } from "node:crypto";
import { sql, type SqlDb, type SqlExec } from "@sealroom/db/sql";
import { BLOB_LIMITS, blobChunkCount, blobChunkSize, type BlobStatus } from "@sealroom/proto/chat-blobs";
import { AppError } from "@sealroom/proto/errors";
import type { Clock, Logger } from "@sealroom/runtime";
import { resolveAccess } from "./access.js";
import type { BlobStore } from "./blob-store.js";
import type { BlobLimits } from "./config.js";
import { queries } from "./queries.js";
import { userLockKey, type Writer } from "./writer.js";

interface BlobRow {
  id: string;
  uploaderId: number;
  conversationId: string;
  size: number;
  chunks: number;
  createdMs: number;
  committedMs: number | null;
}

const COLUMNS = `"id", "uploaderId", "conversationId", "size", "chunks", "createdMs", "committedMs"`;
const Q = {
  blob: sql<[string], BlobRow>(`SELECT ${COLUMNS} FROM "Blob" WHERE "id" = ?`),
  /** PostgreSQL: the user's row, locked until the job commits (quota checks take turns per user). */
  lockUser: sql<[number], { id: number }>({
    sqlite: `SELECT "id" FROM "User" WHERE "id" = ?`,
    postgresql: `SELECT "id" FROM "User" WHERE "id" = ? FOR UPDATE`,
  }),
  usedBytes: sql<[number], { used: number | null }>(`SELECT SUM("size") AS "used" FROM "Blob" WHERE "uploaderId" = ?`),
  insert: sql<[string, number, string, number, number, number]>(
    `INSERT INTO "Blob" ("id", "uploaderId", "conversationId", "size", "chunks", "createdMs") VALUES (?, ?, ?, ?, ?, ?)`,
  ),
  addChunk: sql<[string, number]>(`INSERT INTO "BlobChunk" ("blobId", "idx") VALUES (?, ?) ON CONFLICT DO NOTHING`),
  storedChunks: sql<[string], { idx: number }>(`SELECT "idx" FROM "BlobChunk" WHERE "blobId" = ? ORDER BY "idx"`),
  countChunks: sql<[string], { n: number }>(`SELECT COUNT(*) AS "n" FROM "BlobChunk" WHERE "blobId" = ?`),
  commit: sql<[number, string]>(`UPDATE "Blob" SET "committedMs" = ? WHERE "id" = ? AND "committedMs" IS NULL`),
  deleteChunks: sql<[string]>(`DELETE FROM "BlobChunk" WHERE "blobId" = ?`),
  deleteBlob: sql<[string]>(`DELETE FROM "Blob" WHERE "id" = ?`),
  abandoned: sql<[number, number], { id: string; chunks: number }>(
    `SELECT "id", "chunks" FROM "Blob" WHERE "committedMs" IS NULL AND "createdMs" < ? ORDER BY "createdMs" LIMIT ?`,
  ),
};

/** Abandoned uploads collected per sweep round (the next round takes the rest). */
const SWEEP_BATCH = 100;

const notFound = () => new AppError("NOT_FOUND", "No such attachment.");

export interface BlobDeps {
  db: SqlDb;
  writer: Writer;
  store: BlobStore;
  limits: BlobLimits;
  clock: Clock;
  log: Logger;
}

/** Decodes a chunk, refusing a non-canonical base64url spelling (what is stored is what was sent). */
function decodeChunk(data: string): Uint8Array {
  const bytes = Buffer.from(data, "base64url");
  if (bytes.toString("base64url") !== data) throw new AppError("BAD_REQUEST", "A chunk is not canonical base64url.");
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

export function createBlobs({ db, writer, store, limits, clock, log }: BlobDeps) {
  const rowOf = (ex: SqlExec, blobId: string) => ex.get(Q.blob, [blobId]);

  /** The uploader's own blob, or NOT_FOUND. */
  async function own(userId: number, blobId: string): Promise<BlobRow> {
    const row = await rowOf(db, blobId);
    if (!row || row.uploaderId !== userId) throw notFound();
    return row;
  }

  /** Whether `userId` may read `row`'s conversation, as far as the blob's time goes. */
  async function mayRead(userId: number, row: BlobRow): Promise<boolean> {
    try {
      const access = await resolveAccess(queries(db), userId, row.conversationId, "read");
      if (access.kind === "group" && access.former) return row.createdMs <= access.former.removedMs;
      return true;
    } catch (err) {
      if (err instanceof AppError) return false;
      throw err;
    }
  }

  /** The uploader's blob at any time, a committed blob for its readers; NOT_FOUND otherwise. */
  async function readable(userId: number, blobId: string): Promise<BlobRow> {
    const row = await rowOf(db, blobId);
    if (!row) throw notFound();
    if (row.uploaderId === userId) return row;
    if (row.committedMs === null || !(await mayRead(userId, row))) throw notFound();
    return row;
  }

  async function statusOf(row: BlobRow): Promise<BlobStatus> {
    const stored = await db.all(Q.storedChunks, [row.id]);
    const missing: number[] = [];
    let next = 0;
    const gap = (until: number) => {
      for (; next < until && missing.length < BLOB_LIMITS.missingPageMax; next++) missing.push(next);
      next = until + 1;
    };
    for (const { idx } of stored) if (idx < row.chunks) gap(idx);
    gap(row.chunks);
    return {
      blobId: row.id,
      conversationId: row.conversationId,
      size: row.size,
      chunks: row.chunks,
      committed: row.committedMs !== null,
      missing,
    };
  }

  /** Deletes a blob's chunks, then its rows (a failure in between leaves a row to delete again). */
  async function remove(blobId: string, chunks: number): Promise<void> {
    await store.deleteBlob(blobId, chunks);
    await writer.submit(
      async (tx) => {
        await tx.run(Q.deleteChunks, [blobId]);
        await tx.run(Q.deleteBlob, [blobId]);
        return { value: undefined };
      },
      { key: `blob:${blobId}` },
    );
  }

  return {
    async start(userId: number, conversationId: string, size: number) {
      const chunks = blobChunkCount(size);
      if (chunks === undefined) throw new AppError("BAD_REQUEST", "No file seals to that size.");
      if (size > limits.maxFileBytes) throw new AppError("BLOB_TOO_LARGE");
      await resolveAccess(queries(db), userId, conversationId, "post");
      const blobId = randomBytes(16).toString("base64url");
      await writer.submit(
        async (tx, now) => {
          await tx.get(Q.lockUser, [userId]);
          const used = (await tx.get(Q.usedBytes, [userId]))?.used ?? 0;
          if (used + size > limits.quotaBytes) {
            throw new AppError("QUOTA_EXCEEDED", "Your storage quota for attachments is used up.");
          }
          await tx.run(Q.insert, [blobId, userId, conversationId, size, chunks, now]);
          return { value: undefined };
        },
        { key: userLockKey(userId) },
      );
      return { blobId, chunks, chunkBytes: BLOB_LIMITS.chunkSealedBytes };
    },

    async put(userId: number, blobId: string, index: number, data: string) {
      const row = await own(userId, blobId);
      if (row.committedMs !== null) throw new AppError("CONFLICT", "This upload is committed already.");
      if (index >= row.chunks) throw new AppError("BAD_REQUEST", "No such chunk in this blob.");
      const sealed = decodeChunk(data);
      if (sealed.length !== blobChunkSize(row.size, row.chunks, index))
        throw new AppError("BAD_REQUEST", "A chunk of the wrong length.");
      await store.putChunk(blobId, index, sealed);
      await db.run(Q.addChunk, [blobId, index]);
      // Deleted (by its uploader, or collected) while this chunk was on its way: do not leave it behind.
      if (!(await rowOf(db, blobId))) {
        await store.deleteBlob(blobId, row.chunks);
        throw notFound();
      }
      return { blobId, index };
    },

    async status(userId: number, blobId: string): Promise<BlobStatus> {
      return statusOf(await readable(userId, blobId));
    },

    async commit(userId: number, blobId: string): Promise<BlobStatus> {
      const row = await own(userId, blobId);
      if (row.committedMs === null) {
        const stored = (await db.get(Q.countChunks, [blobId]))?.n ?? 0;
        if (stored < row.chunks) throw new AppError("BLOB_INCOMPLETE");
        const now = clock();
        await writer.submit(
          async (tx) => {
            await tx.run(Q.commit, [now, blobId]);
            return { value: undefined };
          },
          { key: `blob:${blobId}` },
        );
        row.committedMs = now;
      }
      return statusOf(row);
    },

    async get(userId: number, blobId: string, index: number) {
      const row = await readable(userId, blobId);
      if (index >= row.chunks) throw new AppError("BAD_REQUEST", "No such chunk in this blob.");
      const sealed = await store.getChunk(blobId, index);
      if (!sealed) throw notFound();
      return { blobId, index, data: Buffer.from(sealed).toString("base64url") };
    },

    async delete(userId: number, blobId: string): Promise<Record<string, never>> {
      const row = await own(userId, blobId);
      await remove(blobId, row.chunks);
      return {};
    },

    /** Collects uploads not committed within the TTL; resolves with how many it deleted. */
    async sweep(): Promise<number> {
      let deleted = 0;
      for (;;) {
        const rows = await db.all(Q.abandoned, [clock() - limits.uploadTtlMs, SWEEP_BATCH]);
        for (const r of rows) {
          await remove(r.id, r.chunks);
          deleted++;
        }
        if (rows.length < SWEEP_BATCH) break;
      }
      if (deleted > 0) log.info({ deleted }, "abandoned uploads collected");
      return deleted;
    },
  };
}

export type Blobs = ReturnType<typeof createBlobs>;
