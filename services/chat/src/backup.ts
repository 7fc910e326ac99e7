/**
 * The history archive (chat.backup.put, .get and .delete, docs/protocol/chat.md "History
 * backup"; proto backup.ts): each user's own store of message contents their devices sealed under
 * the user's backup key, at the (conversation, seq) of the application message they came from. The
 * service sees sizes, counts, timing and which messages a user archived, never a key or plaintext.
 *
 * Who: only ever the caller's own archive. A put must name application messages (`mls.app`) of a
 * conversation the caller may read, within what they may see of it (a group member from their
 * join, a former member up to their departure), so an archive cannot grow beside the log nor
 * reach messages the caller was never shown.
 *
 * Written once: an entry already stored at a seq stays (the content at a seq never changes, and
 * any of the user's devices seals it as well as another), until the user's devices delete it (the
 * message was deleted for everyone). The operator's per-user quota over the
 * archive's bytes (ArchiveUsage) is checked and moved in the same writer job as the inserts, which
 * locks the user's row on PostgreSQL, so two hosts cannot both admit the last bytes.
 */
import { sql, type SqlDb, type Statement } from "@sealroom/db/sql";
import { BACKUP_LIMITS, type ArchiveEntry } from "@sealroom/proto/backup";
import { AppError } from "@sealroom/proto/errors";
import type { Logger } from "@sealroom/runtime";
import { resolveAccess, visibleEnd } from "./access.js";
import { queries } from "./queries.js";
import { userLockKey, type Writer } from "./writer.js";

/** A nonce and a tag at least: anything shorter cannot be a sealed entry. */
const SEALED_BYTES_MIN = 12 + 16;

const Q = {
  /** PostgreSQL: the user's row, locked until the job commits (quota checks take turns per user). */
  lockUser: sql<[number], { id: number }>({
    sqlite: `SELECT "id" FROM "User" WHERE "id" = ?`,
    postgresql: `SELECT "id" FROM "User" WHERE "id" = ? FOR UPDATE`,
  }),
  usedBytes: sql<[number], { bytes: number }>(`SELECT "bytes" FROM "ArchiveUsage" WHERE "userId" = ?`),
  freeUsed: sql<[number, number]>(`UPDATE "ArchiveUsage" SET "bytes" = "bytes" - ? WHERE "userId" = ?`),
  addUsed: sql<[number, number, number]>(
    `INSERT INTO "ArchiveUsage" ("userId", "bytes") VALUES (?, ?)
     ON CONFLICT ("userId") DO UPDATE SET "bytes" = "ArchiveUsage"."bytes" + ?`,
  ),
  insert: sql<[number, number, number, number, Buffer]>(
    `INSERT INTO "ArchiveEntry" ("userId", "conversationId", "seq", "keyVersion", "sealed") VALUES (?, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING`,
  ),
  range: sql<[number, number, number, number], { seq: number; keyVersion: number; sealed: Buffer }>(
    `SELECT "seq", "keyVersion", "sealed" FROM "ArchiveEntry"
     WHERE "userId" = ? AND "conversationId" = ? AND "seq" >= ? AND "seq" <= ? ORDER BY "seq"`,
  ),
};

/**
 * Statements taking `n` seqs (`IN (?, ..., ?)`), made once per `n` (at most BACKUP_LIMITS.putMax
 * of each): one query for a whole put, prepared like every other statement.
 */
function perCount<R>(text: (list: string) => string) {
  const made = new Map<number, Statement<number[], R>>();
  return (n: number) => {
    let stmt = made.get(n);
    if (!stmt) {
      stmt = sql<number[], R>(text(Array.from({ length: n }, () => "?").join(", ")));
      made.set(n, stmt);
    }
    return stmt;
  };
}

/** Of these seqs, the application messages within (visibleFrom, end]. */
const appSeqs = perCount<{ seq: number }>(
  (list) => `SELECT "seq" FROM "Message"
    WHERE "conversationId" = ? AND "seq" > ? AND "seq" <= ? AND "kind" = 'mls.app' AND "seq" IN (${list})`,
);
/** Of these seqs, the user's entries and their sizes. */
const entrySizes = perCount<{ seq: number; bytes: number }>(
  (list) => `SELECT "seq", length("sealed") AS "bytes" FROM "ArchiveEntry"
    WHERE "userId" = ? AND "conversationId" = ? AND "seq" IN (${list})`,
);
const deleteEntries = perCount<never>(
  (list) => `DELETE FROM "ArchiveEntry" WHERE "userId" = ? AND "conversationId" = ? AND "seq" IN (${list})`,
);
/** Of these seqs, those the user's archive holds already. */
const storedSeqs = perCount<{ seq: number }>(
  (list) => `SELECT "seq" FROM "ArchiveEntry" WHERE "userId" = ? AND "conversationId" = ? AND "seq" IN (${list})`,
);

interface Sealed {
  seq: number;
  keyVersion: number;
  bytes: Buffer;
}

/** Decodes an entry, refusing a non-canonical spelling or a wrong size (what is stored is what was sent). */
function decodeEntry(entry: ArchiveEntry): Sealed {
  const bytes = Buffer.from(entry.sealed, "base64url");
  if (bytes.toString("base64url") !== entry.sealed) {
    throw new AppError("BAD_REQUEST", `The entry at seq ${entry.seq} is not canonical base64url.`);
  }
  if (bytes.length < SEALED_BYTES_MIN || bytes.length > BACKUP_LIMITS.entryBytesMax) {
    throw new AppError("BAD_REQUEST", `The entry at seq ${entry.seq} is not a sealed entry's size.`);
  }
  return { seq: entry.seq, keyVersion: entry.keyVersion, bytes };
}

export interface BackupDeps {
  db: SqlDb;
  writer: Writer;
  /** Bytes of sealed entries one user's archive may hold (CHAT_ARCHIVE_QUOTA_BYTES). */
  quotaBytes: number;
  log: Logger;
}

export function createBackup({ db, writer, quotaBytes, log }: BackupDeps) {
  /** The conversation's id if `seqs` are all application messages `userId` may see; BAD_REQUEST naming one that is not. */
  function checkSeqs(userId: number, key: string, seqs: number[]): Promise<number> {
    return db.snapshot(async (tx) => {
      const access = await resolveAccess(queries(tx), userId, key, "read");
      const conv = access.conv;
      const found = conv
        ? await tx.all(appSeqs(seqs.length), [conv.id, access.visibleFrom, visibleEnd(access, conv.lastSeq), ...seqs])
        : [];
      const apps = new Set(found.map((r) => r.seq));
      const missing = seqs.find((s) => !apps.has(s));
      if (missing !== undefined || !conv) {
        throw new AppError("BAD_REQUEST", `Seq ${missing ?? seqs[0]} is not an application message you can see here.`);
      }
      return conv.id;
    });
  }

  return {
    async put(userId: number, key: string, entries: ArchiveEntry[]): Promise<{ stored: number }> {
      const sealed = entries.map(decodeEntry);
      const seqs = sealed.map((e) => e.seq);
      if (new Set(seqs).size !== seqs.length) throw new AppError("BAD_REQUEST", "A seq appears twice in this put.");
      const convId = await checkSeqs(userId, key, seqs);
      const stored = await writer.submit(
        async (tx) => {
          await tx.get(Q.lockUser, [userId]);
          const held = new Set((await tx.all(storedSeqs(seqs.length), [userId, convId, ...seqs])).map((r) => r.seq));
          const fresh = sealed.filter((e) => !held.has(e.seq));
          if (fresh.length === 0) return { value: 0 };
          const bytes = fresh.reduce((sum, e) => sum + e.bytes.length, 0);
          const used = (await tx.get(Q.usedBytes, [userId]))?.bytes ?? 0;
          if (used + bytes > quotaBytes) {
            throw new AppError("QUOTA_EXCEEDED", "Your storage quota for the history backup is used up.");
          }
          for (const e of fresh) await tx.run(Q.insert, [userId, convId, e.seq, e.keyVersion, e.bytes]);
          await tx.run(Q.addUsed, [userId, bytes, bytes]);
          return { value: fresh.length };
        },
        { key: userLockKey(userId) },
      );
      log.debug({ userId, stored }, "archive entries stored");
      return { stored };
    },

    async delete(userId: number, key: string, seqs: number[]): Promise<{ deleted: number }> {
      const unique = [...new Set(seqs)];
      const conv = await queries(db).convByKey.get(key);
      if (!conv) return { deleted: 0 };
      const deleted = await writer.submit(
        async (tx) => {
          await tx.get(Q.lockUser, [userId]);
          const rows = await tx.all(entrySizes(unique.length), [userId, conv.id, ...unique]);
          if (rows.length === 0) return { value: 0 };
          await tx.run(deleteEntries(unique.length), [userId, conv.id, ...unique]);
          await tx.run(Q.freeUsed, [rows.reduce((sum, r) => sum + Number(r.bytes), 0), userId]);
          return { value: rows.length };
        },
        { key: userLockKey(userId) },
      );
      log.debug({ userId, deleted }, "archive entries deleted");
      return { deleted };
    },

    async get(userId: number, key: string, fromSeq: number, toSeq: number): Promise<{ entries: ArchiveEntry[] }> {
      // The schema says so too; the archive is read here only within one page's bound.
      if (toSeq < fromSeq || toSeq - fromSeq >= BACKUP_LIMITS.getRangeMax) {
        throw new AppError("BAD_REQUEST", `toSeq must be fromSeq to fromSeq + ${BACKUP_LIMITS.getRangeMax - 1}.`);
      }
      const conv = await queries(db).convByKey.get(key);
      if (!conv) return { entries: [] };
      const rows = await db.all(Q.range, [userId, conv.id, fromSeq, toSeq]);
      return {
        entries: rows.map((r) => ({
          seq: r.seq,
          keyVersion: r.keyVersion,
          sealed: Buffer.from(r.sealed).toString("base64url"),
        })),
      };
    },
  };
}

export type Backup = ReturnType<typeof createBackup>;
