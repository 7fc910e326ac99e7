/**
 * Tunables of the chat service, with production defaults; tests shrink the time-based ones (the
 * services' one config shape: packages/runtime merge-config.ts). `env.ts` maps the environment onto
 * a partial of it.
 */
import { CHAT_LIMITS } from "@sealroom/proto/chat";
import { BACKUP_LIMITS } from "@sealroom/proto/backup";
import { BLOB_LIMITS } from "@sealroom/proto/chat-blobs";
import { mergeConfig, type DeepPartial, type Rate } from "@sealroom/runtime";
import { defaultWriterLimits, type WriterLimits } from "./writer.js";

export interface ChatConfig {
  /** How often the group timeline looks for GroupEvents whose doorbell was lost. */
  timelinePollMs: number;
  /** Typing notices are forwarded at most once per this, per user and conversation. */
  typingIntervalMs: number;
  /**
   * How often every end-to-end encrypted conversation's group is checked against who may be there
   * (reconciler.ts): the safety net behind the doorbells (commits, kicks) and for devices auth deletes.
   */
  mlsSweepMs: number;
  /** How often the checkpointer thread folds the WAL into the database file (SQLite only). */
  checkpointMs: number;
  /**
   * SQLite: threads that read history and sync pages and the conversation list, each with a
   * read-only connection of its own (read-pool.ts); 0 reads them on the event loop, on the
   * service's connection. PostgreSQL reads on its pool whatever this says. 0 by default: with a
   * thread a page's reply can reach a client after live events published while it was read; the
   * SDK merges replies against live events (packages/sdk/src/chat/conversation.ts, Order), but the
   * browser chat story still failed 3 of 4 runs with a thread (docs/DEPLOYMENT.md).
   */
  readThreads: number;
  /**
   * A reader thread holding requests that answers none for this long is stuck: the page it is
   * reading fails with TIMEOUT and the thread is replaced (read-pool.ts). Below the gateway's
   * command timeout (5 s), so the client learns it from chat, and above SQLite's usual waits.
   */
  readTimeoutMs: number;
  /** PostgreSQL: this instance's pooled connections (the writer's batches and the reads). */
  poolSize: number;
  writer: WriterLimits;
  /**
   * Each user's budget for send, edit and delete, across all their connections and gateways; null:
   * none. The process (main.ts) always sets it (CHAT_SEND_RATE_PER_SEC, CHAT_SEND_BURST).
   */
  sendRate: Rate | null;
  /**
   * Each user's budget for reading the log (`chat.history` and `chat.sync`), in entries (a page
   * costs its requested `limit`), across all their connections and gateways; null: none. Without
   * it a user with many connections multiplied one connection's reading rate (S7 in BENCHMARKS.md).
   * The process sets it (CHAT_READ_ENTRIES_PER_SEC, CHAT_READ_BURST).
   */
  readRate: Rate | null;
  /**
   * Each user's budget for attachment bytes moved (`chat.blob.put` by its chunk's bytes,
   * `chat.blob.get` by a full chunk's), across all their connections; null: none. Without it one
   * user's uploads took everyone's message latency from ~3 ms to ~40 ms (S7). The process sets it
   * (CHAT_BLOB_BYTES_PER_SEC, CHAT_BLOB_BURST_BYTES).
   */
  blobRate: Rate | null;
  /**
   * Each user's budget for archive entries stored (`chat.backup.put`, by its entries), across all
   * their connections; null: none. A device catching up seals what it reads in pages of
   * BACKUP_LIMITS.putMax. The process sets it (CHAT_BACKUP_ENTRIES_PER_SEC, CHAT_BACKUP_BURST).
   * `chat.backup.get` is charged to `readRate`, by the seqs it covers.
   */
  backupRate: Rate | null;
  /** Sealed bytes one user's history archive may hold (CHAT_ARCHIVE_QUOTA_BYTES; QUOTA_EXCEEDED beyond). */
  archiveQuotaBytes: number;
  /**
   * Refuse plaintext `chat.send` and `chat.edit` everywhere (ENCRYPTION_REQUIRED), not only in
   * conversations whose MLS group exists: no client can put new plaintext on the server. On by
   * default (the product's promise); an operator whose bots or tools use the SDK without its `e2e`
   * option turns it off (CHAT_REQUIRE_E2E=0), and the plaintext test harnesses do.
   */
  requireEncryption: boolean;
  blobs: BlobLimits;
}

/** Attachments (blobs.ts): what the operator allows, checked at chat.blob.start before any byte is sent. */
export interface BlobLimits {
  /** The object store bucket in NATS JetStream holding every blob's chunks. */
  bucket: string;
  /** Sealed bytes of one file at most (CHAT_BLOB_MAX_BYTES; 100 MiB of plaintext seal to a little more). */
  maxFileBytes: number;
  /** Sealed bytes one user's blobs, complete and in progress, may hold together (CHAT_BLOB_QUOTA_BYTES). */
  quotaBytes: number;
  /** An upload not committed within this long is collected, its chunks deleted (CHAT_BLOB_UPLOAD_TTL_MS). */
  uploadTtlMs: number;
  /** How often abandoned uploads are looked for. */
  sweepMs: number;
  /** Object store replicas (1 for one nats-server; 3 on a JetStream cluster). */
  replicas: number;
}

export type ChatConfigInput = DeepPartial<ChatConfig>;

export const defaultChatConfig: ChatConfig = {
  timelinePollMs: 5000,
  typingIntervalMs: CHAT_LIMITS.typingIntervalMs,
  checkpointMs: 1000,
  mlsSweepMs: 60_000,
  readThreads: 1,
  readTimeoutMs: 3000,
  poolSize: 10,
  writer: defaultWriterLimits,
  sendRate: null,
  readRate: null,
  blobRate: null,
  backupRate: null,
  archiveQuotaBytes: 1024 * 1024 * 1024,
  requireEncryption: true,
  blobs: {
    bucket: "sealroom-blobs",
    // 100 MiB of plaintext: its 3,200 chunks' tags on top.
    maxFileBytes: 100 * 1024 * 1024 + 3200 * 16,
    quotaBytes: 1024 * 1024 * 1024,
    uploadTtlMs: 24 * 60 * 60 * 1000,
    sweepMs: 10 * 60 * 1000,
    replicas: 1,
  },
};

/** Merges `input` over the defaults (an undefined field means the default) and checks the result. */
export function resolveChatConfig(input: ChatConfigInput = {}): ChatConfig {
  const config = mergeConfig(defaultChatConfig, input);
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new Error(`invalid chat config: ${what}`);
  };
  check(
    config.timelinePollMs > 0 && config.checkpointMs > 0 && config.mlsSweepMs > 0,
    "timelinePollMs, checkpointMs and mlsSweepMs must be > 0",
  );
  check(config.typingIntervalMs >= 0, "typingIntervalMs must be >= 0");
  const { writer, sendRate, readRate, blobRate, backupRate } = config;
  check(config.poolSize >= 1, "poolSize must be >= 1");
  check(Number.isInteger(config.readThreads) && config.readThreads >= 0, "readThreads must be an integer >= 0");
  check(config.readTimeoutMs > 0, "readTimeoutMs must be > 0");
  check(
    (writer.maxBatch === null || writer.maxBatch >= 1) && writer.deadlineMs > 0 && writer.maxQueue >= 0,
    "writer limits",
  );
  const { blobs } = config;
  check(
    blobs.maxFileBytes >= 16 && blobs.quotaBytes >= 0 && blobs.uploadTtlMs > 0 && blobs.sweepMs > 0,
    "blobs: maxFileBytes >= 16, quotaBytes >= 0, uploadTtlMs and sweepMs > 0",
  );
  check(/^[A-Za-z0-9_-]+$/.test(blobs.bucket) && blobs.replicas >= 1, "blobs: bucket name and replicas");
  check(sendRate === null || (sendRate.perSec > 0 && sendRate.burst >= 1), "sendRate: perSec > 0 and burst >= 1");
  check(
    readRate === null || (readRate.perSec > 0 && readRate.burst >= CHAT_LIMITS.pageMax),
    "readRate: perSec > 0 and burst >= one full page",
  );
  check(
    blobRate === null || (blobRate.perSec > 0 && blobRate.burst >= BLOB_LIMITS.chunkSealedBytes),
    "blobRate: perSec > 0 and burst >= one chunk",
  );
  check(
    backupRate === null || (backupRate.perSec > 0 && backupRate.burst >= BACKUP_LIMITS.putMax),
    "backupRate: perSec > 0 and burst >= one full put",
  );
  check(config.archiveQuotaBytes >= 0, "archiveQuotaBytes must be >= 0");
  return config;
}
