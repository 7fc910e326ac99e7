/**
 * The chat service: conversations (DMs and groups) as gapless, ordered logs in the database
 * (SQLite or PostgreSQL), written by one batching writer per process (writer.ts), delivered live
 * over NATS after commit, and read back through history and sync. Several instances may share the
 * queue group and the database (the SQLite file on one host, or PostgreSQL from several hosts).
 * The database is the truth, NATS the doorbell (README "Architecture"; docs/protocol/chat.md).
 *
 * Prisma owns the schema; this service runs its hot path through its own connection
 * (@sealroom/db/sql): why, in docs/DEVELOPMENT.md "Measured costs".
 */
import { engineOfDb, type Db } from "@sealroom/db";
import { dialectOf, openSql, sqliteFile, type SqlDb } from "@sealroom/db/sql";
import { AppError } from "@sealroom/proto/errors";
import { sessionRevokedSchema } from "@sealroom/proto/broadcasts";
import { BLOB_LIMITS } from "@sealroom/proto/chat-blobs";
import { groupDoorbellSchema } from "@sealroom/proto/social";
import { QUEUE, SUBJECTS } from "@sealroom/proto/subjects";
import {
  KeyedTokenBucket,
  serveCommands,
  systemClock,
  type Clock,
  type Drainable,
  type Handlers,
  type Logger,
  type Metrics,
  type NatsConnection,
} from "@sealroom/runtime";
import { lazyBlobStore, openObjectBlobStore } from "./blob-store.js";
import { createBackup } from "./backup.js";
import { createBlobs, type Blobs } from "./blobs.js";
import { startCheckpointer, type Checkpointer } from "./checkpointer.js";
import { createMessages } from "./messages.js";
import { createMls } from "./mls.js";
import { createReconciler, type Reconciler } from "./reconciler.js";
import { loadServerSender } from "./server-sender.js";
import { natsPublish } from "./publish.js";
import { ReadPool } from "./read-pool.js";
import { createReads } from "./reads.js";
import { createSettings } from "./settings.js";
import { createTimeline } from "./timeline.js";
import { createTyping } from "./typing.js";
import { Writer, type WriterStats } from "./writer.js";
import { resolveChatConfig, type ChatConfigInput } from "./config.js";

export { CURSOR_NAME } from "./timeline.js";
export { defaultChatConfig, resolveChatConfig, type ChatConfig, type ChatConfigInput } from "./config.js";

export interface ChatServiceDeps {
  nc: NatsConnection;
  /** The Prisma client of the shared database. */
  db: Db;
  /**
   * The database's URL (DATABASE_URL: `file:` or `postgresql://`), which the service opens
   * itself. Without it, the service asks the Prisma client for its SQLite file.
   */
  databaseUrl?: string;
  log: Logger;
  metrics?: Metrics;
  /** Identifies this process in health replies (several instances share the queue group). */
  instance: string;
  /** Merged over defaultChatConfig (config.ts). */
  config?: ChatConfigInput;
  clock?: Clock;
}

export interface ChatService {
  start(): Promise<void>;
  /** Stops taking requests and lets in-flight ones finish; the caller owns `nc` and `db`. */
  stop(): Promise<void>;
  /** Turns the GroupEvents committed so far into timeline entries (also runs by itself). */
  catchUpTimeline(): Promise<void>;
  /**
   * Proposes the removal of the leaves that no longer belong in a conversation's MLS group (one
   * conversation, or all of them as the periodic sweep does); resolves with how many proposals
   * it appended (0 for the sweep). Also runs by itself.
   */
  reconcileMls(conversationId?: string): Promise<number>;
  /** Collects uploads not committed within the TTL; resolves with how many (also runs by itself). */
  sweepBlobs(): Promise<number>;
  readonly writerStats: WriterStats | undefined;
}

export function createChatService({
  nc,
  db,
  databaseUrl,
  log,
  metrics,
  instance,
  config: input,
  clock = systemClock,
}: ChatServiceDeps): ChatService {
  const config = resolveChatConfig(input);
  let subs: Drainable[] = [];
  let sql: SqlDb | undefined;
  let writer: Writer | undefined;
  let timeline: ReturnType<typeof createTimeline> | undefined;
  let poll: ReturnType<typeof setInterval> | undefined;
  let checkpointer: Checkpointer | undefined;
  let readPool: ReadPool | undefined;
  let reconciler: Reconciler | undefined;
  let sweep: ReturnType<typeof setInterval> | undefined;
  let blobSweep: ReturnType<typeof setInterval> | undefined;
  let blobs: Blobs | undefined;

  const catchUp = () => {
    void timeline?.catchUp().catch((err: unknown) => log.error({ err }, "group timeline catch-up failed"));
  };

  return {
    get writerStats() {
      return writer?.stats;
    },

    async start() {
      if (databaseUrl === undefined && engineOfDb(db) !== "sqlite")
        throw new Error("createChatService: pass databaseUrl (the client cannot tell its PostgreSQL url)");
      const url = databaseUrl ?? `file:${await databaseFile(db)}`;
      sql = openSql(url, {
        // As auth and social name theirs (pg_stat_activity tells the services apart).
        applicationName: "sealroom-chat",
        onError: (err) => log.warn({ err }, "idle database connection failed"),
        poolSize: config.poolSize,
      });
      // SQLite only: PostgreSQL checkpoints by itself, off every client's path.
      if (dialectOf(url) === "sqlite") {
        checkpointer = startCheckpointer(sqliteFile(url), config.checkpointMs, (message) =>
          log.warn({ message }, "WAL checkpoint failed"),
        );
        if (config.readThreads > 0) {
          const pool = new ReadPool({ url, threads: config.readThreads, timeoutMs: config.readTimeoutMs, log, clock });
          // A thread that cannot open the file (not in WAL mode, say) fails the start, not each page.
          await pool.ready().catch(async (err: unknown) => {
            await pool.close();
            throw err;
          });
          readPool = pool;
        }
      }
      writer = new Writer(sql, log, { clock, ...config.writer });
      const publish = natsPublish(nc, log);
      const deps = { db: sql, writer, publish, log, clock };
      const sender = await loadServerSender(db);
      const members = createReconciler({ ...deps, sender });
      reconciler = members;
      const messages = createMessages({ ...deps, requireEncryption: config.requireEncryption });
      const mls = createMls({ ...deps, sender, onCommit: (key) => members.schedule(key) });
      const reads = createReads(readPool ? { ...deps, pages: readPool } : deps);
      const settings = createSettings(deps);
      const typing = createTyping({
        db: sql,
        publish,
        clock,
        intervalMs: config.typingIntervalMs,
      });
      const store = lazyBlobStore(
        () => openObjectBlobStore(nc, { bucket: config.blobs.bucket, replicas: config.blobs.replicas }),
        log,
      );
      const attachments = createBlobs({ db: sql, writer, store, limits: config.blobs, clock, log });
      blobs = attachments;
      const archive = createBackup({ db: sql, writer, quotaBytes: config.archiveQuotaBytes, log });
      timeline = createTimeline({ ...deps, onDeparture: (key) => members.schedule(key) });
      await timeline.catchUp();

      // Kept here because a gateway's per-connection bucket does not stop a user with connections on
      // several gateways from multiplying their rate. In this instance's memory: N chat instances
      // allow up to N times the rate.
      const limiter = config.sendRate ? new KeyedTokenBucket<number>(config.sendRate, clock) : undefined;
      const budget = (userId: number) => {
        const wait = limiter?.take(userId) ?? 0;
        if (wait > 0) throw new AppError("RATE_LIMITED", "Sending too fast.", wait);
        return userId;
      };
      const readLimiter = config.readRate ? new KeyedTokenBucket<number>(config.readRate, clock) : undefined;
      /** Charged before any query, so a refused page costs the database nothing. */
      const readBudget = (userId: number, entries: number) => {
        const wait = readLimiter?.take(userId, entries) ?? 0;
        if (wait > 0) throw new AppError("RATE_LIMITED", "Reading history too fast.", wait);
        return userId;
      };
      const blobLimiter = config.blobRate ? new KeyedTokenBucket<number>(config.blobRate, clock) : undefined;
      /** Bytes of attachments moved; a chunk's base64url text is 4/3 of its bytes. */
      const blobBudget = (userId: number, bytes: number) => {
        const wait = blobLimiter?.take(userId, bytes) ?? 0;
        if (wait > 0) throw new AppError("RATE_LIMITED", "Moving files too fast.", wait);
        return userId;
      };
      const backupLimiter = config.backupRate ? new KeyedTokenBucket<number>(config.backupRate, clock) : undefined;
      /** Archive entries stored, charged before any query. */
      const backupBudget = (userId: number, entries: number) => {
        const wait = backupLimiter?.take(userId, entries) ?? 0;
        if (wait > 0) throw new AppError("RATE_LIMITED", "Backing up history too fast.", wait);
        return userId;
      };
      const handlers: Handlers<"chat"> = {
        "chat.send": async (ctx, b) => messages.send(budget(ctx.userId), b.conversationId, b.clientMsgId, b.text),
        "chat.history": async (ctx, b) =>
          reads.history(readBudget(ctx.userId, b.limit), b.conversationId, b.beforeSeq, b.limit),
        "chat.sync": async (ctx, b) =>
          reads.sync(readBudget(ctx.userId, b.limit), b.conversationId, b.afterSeq, b.limit),
        "chat.conversations": async (ctx, b) => reads.conversations(ctx.userId, b.after),
        "chat.markRead": async (ctx, b) => reads.markRead(ctx.userId, b.conversationId, b.seq),
        "chat.receipts": async (ctx, b) => ({
          conversationId: b.conversationId,
          receipts: await reads.receipts(ctx.userId, b.conversationId),
        }),
        "chat.typing": async (ctx, b) => typing.typing(ctx.userId, b.conversationId),
        "chat.edit": async (ctx, b) => messages.edit(budget(ctx.userId), b.conversationId, b.seq, b.text),
        "chat.delete": async (ctx, b) => messages.delete(budget(ctx.userId), b.conversationId, b.seq),
        "chat.settings.set": async (ctx, { conversationId, ...change }) =>
          settings.set(ctx.userId, conversationId, change),
        "chat.mls.send": async (ctx, b) => mls.send(budget(ctx.userId), ctx.sessionId, b),
        "chat.mls.welcomes": async (ctx) => mls.welcomes(ctx.sessionId),
        "chat.mls.ackWelcomes": async (ctx, b) => mls.ackWelcomes(ctx.sessionId, b.ids),
        "chat.mls.groupInfo": async (ctx, b) => mls.groupInfo(ctx.userId, b.conversationId),
        "chat.mls.serverSender": async () => mls.serverSender(),
        "chat.blob.start": async (ctx, b) => attachments.start(ctx.userId, b.conversationId, b.size),
        "chat.blob.put": async (ctx, b) =>
          attachments.put(blobBudget(ctx.userId, Math.floor((b.data.length * 3) / 4)), b.blobId, b.index, b.data),
        "chat.blob.status": async (ctx, b) => attachments.status(ctx.userId, b.blobId),
        "chat.blob.commit": async (ctx, b) => attachments.commit(ctx.userId, b.blobId),
        "chat.blob.get": async (ctx, b) =>
          attachments.get(blobBudget(ctx.userId, BLOB_LIMITS.chunkSealedBytes), b.blobId, b.index),
        "chat.blob.delete": async (ctx, b) => attachments.delete(ctx.userId, b.blobId),
        "chat.backup.put": async (ctx, b) =>
          archive.put(backupBudget(ctx.userId, b.entries.length), b.conversationId, b.entries),
        "chat.backup.delete": async (ctx, b) =>
          archive.delete(backupBudget(ctx.userId, b.seqs.length), b.conversationId, b.seqs),
        "chat.backup.get": async (ctx, b) =>
          archive.get(readBudget(ctx.userId, b.toSeq - b.fromSeq + 1), b.conversationId, b.fromSeq, b.toSeq),
      };
      const opts = { nc, service: "chat" as const, handlers, log, instance };
      subs = serveCommands(metrics ? { ...opts, metrics } : opts);
      // One instance per doorbell is enough: the cursor, not the doorbell, says what is new.
      subs.push(
        nc.subscribe(SUBJECTS.groupEvents, {
          queue: QUEUE.chat,
          callback: (err, msg) => {
            if (err) return log.warn({ err }, "group doorbell subscription failed");
            let data: unknown;
            try {
              data = msg.json();
            } catch {
              data = undefined;
            }
            if (groupDoorbellSchema.safeParse(data).success) catchUp();
          },
        }),
      );
      // Auth signed sessions out and deleted their devices: their leaves must go (reconciler.ts).
      subs.push(
        nc.subscribe(SUBJECTS.sessionRevoked, {
          queue: QUEUE.chat,
          callback: (err, msg) => {
            if (err) return log.warn({ err }, "session revocation subscription failed");
            let data: unknown;
            try {
              data = msg.json();
            } catch {
              data = undefined;
            }
            const revoked = sessionRevokedSchema.safeParse(data);
            if (!revoked.success) return;
            members
              .user(revoked.data.userId)
              .catch((e: unknown) => log.warn({ err: e }, "MLS membership reconcile failed"));
          },
        }),
      );
      poll = setInterval(catchUp, config.timelinePollMs);
      poll.unref();
      // The safety net of membership sync: a lost doorbell or a device deleted by auth (logout,
      // expiry) is caught here.
      sweep = setInterval(() => {
        void members.sweep().catch((err: unknown) => log.error({ err }, "MLS membership sweep failed"));
      }, config.mlsSweepMs);
      sweep.unref();
      blobSweep = setInterval(() => {
        void attachments.sweep().catch((err: unknown) => log.error({ err }, "abandoned upload sweep failed"));
      }, config.blobs.sweepMs);
      blobSweep.unref();
      // The subscriptions only count once the server has them: flush before reporting ready.
      await nc.flush();
      log.info({ instance }, "chat service ready");
    },

    async stop() {
      clearInterval(poll);
      clearInterval(sweep);
      clearInterval(blobSweep);
      const draining = subs;
      subs = [];
      if (!nc.isClosed()) await Promise.all(draining.map((s) => s.drain()));
      const stopping = timeline;
      timeline = undefined;
      await stopping?.settled();
      await reconciler?.settled();
      reconciler = undefined;
      await writer?.idle();
      await readPool?.close();
      readPool = undefined;
      await checkpointer?.stop();
      checkpointer = undefined;
      await sql?.close();
      sql = undefined;
      blobs = undefined;
    },

    sweepBlobs() {
      return blobs ? blobs.sweep() : Promise.resolve(0);
    },

    catchUpTimeline() {
      return timeline ? timeline.catchUp() : Promise.resolve();
    },

    async reconcileMls(conversationId) {
      if (!reconciler) return 0;
      if (conversationId !== undefined) return reconciler.reconcile(conversationId);
      await reconciler.sweep();
      return 0;
    },
  };
}

/** The file behind a Prisma client on SQLite (`PRAGMA database_list`). */
async function databaseFile(db: { $queryRawUnsafe<T>(sql: string): Promise<T> }): Promise<string> {
  const rows = await db.$queryRawUnsafe<Array<{ name: string; file: string }>>("PRAGMA database_list");
  const main = rows.find((r) => r.name === "main");
  if (!main?.file) throw new Error("the database has no file (in-memory databases cannot be shared)");
  return main.file;
}
