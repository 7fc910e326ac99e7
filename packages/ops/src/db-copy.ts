/**
 * `npm run db:copy -- --from file:... --to postgresql://...`: moves an installation's data into an
 * empty, migrated database, table by table in dependency order, in batches, through Prisma's API
 * (so either engine on either side), then verifies it. The source is first snapshotted with SQLite's
 * backup API, so a running installation is copied as one consistent state (what it writes after
 * that is not copied: stop it before the copy if it must be complete).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { createDb, engineOf, Prisma, redactUrl as redact, type Db } from "@sealroom/db";
import { insertStatements, type Value } from "./insert.js";

interface Table {
  model: Prisma.ModelName;
  /** The primary key's columns: pages are ordered by them. */
  key: string[];
  /** An autoincrement id: PostgreSQL's sequence must move past the copied ids. */
  serial?: true;
  /** No DateTime column: copied with multi-row INSERTs (insert.ts), ~7x faster than createMany. */
  raw?: true;
}

/** Every model, parents before children (Session needs its User, Ticket its Session). */
export const TABLES: Table[] = [
  { model: "User", key: ["id"], serial: true },
  { model: "Session", key: ["id"] },
  { model: "Ticket", key: ["hash"] },
  { model: "Device", key: ["id"] },
  { model: "KeyPackage", key: ["ref"] },
  { model: "AuthThrottle", key: ["key"] },
  { model: "AuthSecret", key: ["name"] },
  { model: "Friendship", key: ["userAId", "userBId"] },
  { model: "FriendRequest", key: ["id"], serial: true },
  { model: "Block", key: ["blockerId", "blockedId"] },
  { model: "Notice", key: ["id"], serial: true },
  { model: "Group", key: ["id"], serial: true },
  { model: "GroupMember", key: ["groupId", "userId"] },
  { model: "FormerMember", key: ["groupId", "userId"] },
  { model: "GroupInvite", key: ["id"], serial: true },
  { model: "GroupEvent", key: ["id"], serial: true },
  { model: "Presence", key: ["userId", "gatewayId"] },
  { model: "GatewayLease", key: ["gatewayId"] },
  { model: "Conversation", key: ["id"], serial: true },
  { model: "Message", key: ["id"], serial: true, raw: true },
  { model: "ConversationMember", key: ["conversationId", "userId"], raw: true },
  { model: "MlsGroupInfo", key: ["conversationId"], raw: true },
  { model: "MlsWelcome", key: ["id"], serial: true, raw: true },
  { model: "ConversationSetting", key: ["userId", "conversationKey"], raw: true },
  // The attachments' bookkeeping; their bytes stay in NATS JetStream's object store (DEPLOYMENT.md).
  { model: "Blob", key: ["id"], raw: true },
  { model: "BlobChunk", key: ["blobId", "idx"], raw: true },
  // The history backup (docs/E2E.md section 12): sealed entries and wrapped keys, copied as stored.
  { model: "BackupKey", key: ["userId"] },
  { model: "BackupKeyLink", key: ["userId", "version"] },
  { model: "BackupDeviceWrap", key: ["deviceId"] },
  { model: "ArchiveEntry", key: ["userId", "conversationId", "seq"] },
  { model: "ArchiveUsage", key: ["userId"] },
  // Profile pictures (docs/protocol/social.md, "Avatars"): the image bytes live in the row.
  { model: "Avatar", key: ["userId"] },
  { model: "GroupAvatar", key: ["groupId"] },
  { model: "Cursor", key: ["name"], raw: true },
];

type Row = Record<string, unknown>;
/** A client or the transaction of one. */
type Client = Prisma.TransactionClient | Db;
/** The part of a Prisma model delegate the copy uses, the same for every model. */
interface Delegate {
  count(): Promise<number>;
  findMany(args: { where?: Row; orderBy: Row[]; take: number; skip?: number }): Promise<Row[]>;
  createMany(args: { data: Row[] }): Promise<{ count: number }>;
}
const delegate = (db: Client, model: string): Delegate =>
  (db as unknown as Record<string, Delegate>)[model[0]!.toLowerCase() + model.slice(1)]!;

export interface TableCheck {
  table: string;
  source: number;
  target: number;
}

export interface CopyResult {
  tables: TableCheck[];
  conversations: number;
  /** Rows copied per second, overall. */
  rowsPerSecond: number;
  /** What the verification found wrong; empty when the copy is verified. */
  problems: string[];
}

export class CopyRefused extends Error {}

/** How long the one transaction of a copy may stay open. */
const COPY_TIMEOUT_MS = 6 * 3600_000;

/** Every conversation's seq range: "<lastSeq> <count> <min> <max>" per key. */
async function seqRanges(db: Db): Promise<Map<string, string>> {
  const convs = await db.conversation.findMany({ select: { id: true, key: true, lastSeq: true } });
  const stats = await db.message.groupBy({
    by: ["conversationId"],
    _count: { _all: true },
    _min: { seq: true },
    _max: { seq: true },
  });
  const byConv = new Map(stats.map((s) => [s.conversationId, s]));
  return new Map(
    convs.map((c) => {
      const s = byConv.get(c.id);
      return [c.key, `${c.lastSeq} ${s?._count._all ?? 0} ${s?._min.seq ?? 0} ${s?._max.seq ?? 0}`];
    }),
  );
}

/** Problems of one side's conversations: every log must be seq 1..lastSeq without a gap. */
function gapProblems(side: string, ranges: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const [key, range] of ranges) {
    const [last, count, min, max] = range.split(" ").map(Number) as [number, number, number, number];
    const gapless = count === last && max === last && (last === 0 ? min === 0 : min === 1);
    if (!gapless) problems.push(`${side} ${key}: lastSeq ${last} but ${count} entries, seq ${min}..${max}`);
  }
  return problems;
}

/** Counts per table, and the seq range of every conversation, on both sides. */
export async function verifyCopy(source: Db, target: Db): Promise<Omit<CopyResult, "rowsPerSecond">> {
  const tables: TableCheck[] = [];
  for (const { model } of TABLES) {
    tables.push({
      table: model,
      source: await delegate(source, model).count(),
      target: await delegate(target, model).count(),
    });
  }
  const problems = tables
    .filter((t) => t.source !== t.target)
    .map((t) => `${t.table}: ${t.source} rows in the source, ${t.target} in the target`);
  const from = await seqRanges(source);
  const to = await seqRanges(target);
  problems.push(...gapProblems("source", from), ...gapProblems("target", to));
  for (const [key, range] of from) {
    if (to.get(key) !== range)
      problems.push(`${key}: source ${range}, target ${to.get(key) ?? "missing"} (lastSeq count min max)`);
  }
  return { tables, conversations: from.size, problems };
}

/** Moves PostgreSQL's id sequences past the copied ids, so new rows do not collide with them. */
async function resetSequences(target: Client): Promise<void> {
  for (const { model } of TABLES.filter((t) => t.serial)) {
    await target.$queryRawUnsafe(
      `SELECT setval(pg_get_serial_sequence('"${model}"', 'id'), (SELECT COALESCE(MAX("id"), 0) + 1 FROM "${model}"), false)`,
    );
  }
}

/** A value for a raw INSERT: only what both engines store the same way from a parameter. */
function plain(model: string, column: string, value: unknown): Value {
  if (value === null || typeof value === "string" || typeof value === "number") return value;
  // SQLite has no booleans to bind; PostgreSQL reads the parameter '1' or '0' as a boolean.
  if (typeof value === "boolean") return value ? 1 : 0;
  throw new Error(`${model}.${column} holds a ${typeof value}: this table cannot be copied with raw INSERTs`);
}

async function copyTable(source: Db, target: Client, table: Table, batch: number): Promise<number> {
  const from = delegate(source, table.model);
  const to = delegate(target, table.model);
  const orderBy = table.key.map((column) => ({ [column]: "asc" }));
  const single = table.key.length === 1 ? table.key[0]! : undefined;
  let copied = 0;
  let after: unknown;
  for (;;) {
    // One key column: keyset pages; a composite key: offset pages (those tables are small).
    const rows = single
      ? await from.findMany({
          ...(after === undefined ? {} : { where: { [single]: { gt: after } } }),
          orderBy,
          take: batch,
        })
      : await from.findMany({ orderBy, take: batch, skip: copied });
    if (rows.length === 0) return copied;
    if (table.raw) {
      const columns = Object.keys(rows[0]!);
      const values = rows.map((row) => columns.map((c) => plain(table.model, c, row[c])));
      for (const statement of insertStatements(target, table.model, columns, values)) await statement;
    } else {
      await to.createMany({ data: rows });
    }
    copied += rows.length;
    if (single) after = rows.at(-1)![single];
    if (rows.length < batch) return copied;
  }
}

export interface CopyOptions {
  /** `file:` url of the installation to copy. */
  from: string;
  /** url of an empty, migrated database (PostgreSQL, or another SQLite file). */
  to: string;
  /** Rows per batch. */
  batch?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

/**
 * Copies `from` into `to` and verifies the copy. Throws CopyRefused, changing nothing, when the
 * source is not a file, the target is not migrated, or the target holds any row.
 */
export async function copyDatabase({ from, to, batch = 1000, log = () => {} }: CopyOptions): Promise<CopyResult> {
  if (!from.startsWith("file:"))
    throw new CopyRefused(`--from must be a file: url (the SQLite installation), not ${redact(from)}`);
  const known = new Set(TABLES.map((t) => t.model));
  const missing = Object.values(Prisma.ModelName).filter((m) => !known.has(m));
  if (missing.length > 0) throw new Error(`db-copy does not know the tables ${missing.join(", ")}: add them to TABLES`);

  const file = path.resolve(from.slice("file:".length));
  if (to.startsWith("file:") && !existsSync(to.slice("file:".length)))
    throw new CopyRefused(`${to} does not exist: migrate it first (DATABASE_URL=<target> npm run db:migrate)`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "sealroom-copy-"));
  const snapshot = path.join(dir, "snapshot.db");
  let source: Db | undefined;
  let target: Db | undefined;
  try {
    if (!existsSync(file)) throw new CopyRefused(`${file} does not exist`);
    const live = new Database(file, { readonly: true, fileMustExist: true });
    try {
      await live.backup(snapshot);
    } finally {
      live.close();
    }
    source = await createDb({ url: `file:${snapshot}` });
    target = await createDb({ url: to });
    const occupied: string[] = [];
    for (const { model } of TABLES) {
      let rows: number;
      try {
        rows = await delegate(target, model).count();
      } catch (err) {
        throw new CopyRefused(
          `${redact(to)} is not a migrated Sealroom database (${model}: ${err instanceof Error ? err.message.split("\n").at(-1) : String(err)}); ` +
            "migrate it first: DATABASE_URL=<target> npm run db:migrate",
        );
      }
      if (rows > 0) occupied.push(`${model} (${rows})`);
    }
    if (occupied.length > 0) {
      throw new CopyRefused(
        `${redact(to)} is not empty: ${occupied.join(", ")}. db:copy only fills an empty database; nothing was written`,
      );
    }
    const t0 = performance.now();
    let rows = 0;
    // One transaction: a copy that fails half way leaves the target as empty as it was, so it can
    // simply be run again.
    const snapshotDb = source;
    await target.$transaction(
      async (tx) => {
        for (const table of TABLES) {
          const n = await copyTable(snapshotDb, tx, table, batch);
          rows += n;
          log(`${table.model}: ${n} rows`);
        }
        if (engineOf(to) === "postgresql") await resetSequences(tx);
      },
      { timeout: COPY_TIMEOUT_MS, maxWait: 60_000 },
    );
    const seconds = (performance.now() - t0) / 1000;
    const verified = await verifyCopy(source, target);
    return { ...verified, rowsPerSecond: Math.round(rows / Math.max(seconds, 0.001)) };
  } finally {
    await source?.$disconnect();
    await target?.$disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}
