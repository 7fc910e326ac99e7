import { z } from "zod";
import { baseEnv, intFromEnv, parseEnv } from "@sealroom/runtime";
import { CHAT_LIMITS } from "@sealroom/proto/chat";
import { BACKUP_LIMITS } from "@sealroom/proto/backup";
import { BLOB_LIMITS } from "@sealroom/proto/chat-blobs";
import { defaultChatConfig, type ChatConfigInput } from "./config.js";

const schema = z.object({
  ...baseEnv,
  /**
   * The database every service shares: `file:/path/to/sealroom.db` (SQLite, one host) or
   * `postgresql://user@host:5432/db` (`postgres://` too; PostgreSQL, any number of hosts).
   */
  DATABASE_URL: z
    .string()
    .regex(/^(file:|postgres(ql)?:\/\/).+/, "must be file:/path/to/sealroom.db or postgresql://user@host:5432/db"),
  /** Each user's budget for send, edit and delete (all their connections together), per second and burst. */
  CHAT_SEND_RATE_PER_SEC: intFromEnv(20, 1),
  CHAT_SEND_BURST: intFromEnv(60, 1),
  /**
   * Each user's budget for history and sync (all their connections together), in entries per second
   * and burst: by default what one connection may read (20 pages of 200 a second, 60 at once).
   */
  CHAT_READ_ENTRIES_PER_SEC: intFromEnv(4000, 1),
  CHAT_READ_BURST: intFromEnv(12_000, CHAT_LIMITS.pageMax),
  /** Each user's attachment bytes up and down (all their connections together), per second and burst. */
  CHAT_BLOB_BYTES_PER_SEC: intFromEnv(1024 * 1024, 1),
  CHAT_BLOB_BURST_BYTES: intFromEnv(8 * 1024 * 1024, BLOB_LIMITS.chunkSealedBytes),
  /** Each user's history archive entries stored (all their connections together), per second and burst. */
  CHAT_BACKUP_ENTRIES_PER_SEC: intFromEnv(500, 1),
  CHAT_BACKUP_BURST: intFromEnv(2500, BACKUP_LIMITS.putMax),
  /** History backup: sealed bytes per user's archive at most (default 1 GiB). */
  CHAT_ARCHIVE_QUOTA_BYTES: intFromEnv(defaultChatConfig.archiveQuotaBytes, 0),
  /**
   * SQLite: threads reading history and sync pages and the conversation list off the event loop,
   * each with its own read-only connection; 0 reads them on the event loop (ChatConfig.readThreads).
   */
  CHAT_READ_THREADS: intFromEnv(defaultChatConfig.readThreads, 0),
  /** A reader thread that answers nothing for this many ms is replaced, its page TIMEOUT (ChatConfig.readTimeoutMs). */
  CHAT_READ_TIMEOUT_MS: intFromEnv(defaultChatConfig.readTimeoutMs, 1),
  /** 1 (default): plaintext sends and edits are refused in every conversation (ChatConfig.requireEncryption). */
  CHAT_REQUIRE_E2E: z.enum(["0", "1"]).default("1"),
  /** Attachments: sealed bytes per file at most (default 100 MiB of plaintext and its chunks' tags). */
  CHAT_BLOB_MAX_BYTES: intFromEnv(defaultChatConfig.blobs.maxFileBytes, 16),
  /** Attachments: sealed bytes per user at most, complete and in progress together (default 1 GiB). */
  CHAT_BLOB_QUOTA_BYTES: intFromEnv(defaultChatConfig.blobs.quotaBytes, 0),
  /** Attachments: an upload not committed within this many ms is deleted (default 24 h). */
  CHAT_BLOB_UPLOAD_TTL_MS: intFromEnv(defaultChatConfig.blobs.uploadTtlMs, 1),
  /** Attachments: replicas of the JetStream object store (3 on a JetStream cluster). */
  CHAT_BLOB_REPLICAS: intFromEnv(defaultChatConfig.blobs.replicas, 1),
});

export type ChatEnv = z.output<typeof schema>;

/** The only place the chat service reads `process.env`. */
export const loadEnv = (env: NodeJS.ProcessEnv = process.env): ChatEnv => parseEnv(schema, env);

export function chatConfigFromEnv(env: ChatEnv): ChatConfigInput {
  return {
    sendRate: { perSec: env.CHAT_SEND_RATE_PER_SEC, burst: env.CHAT_SEND_BURST },
    readRate: { perSec: env.CHAT_READ_ENTRIES_PER_SEC, burst: env.CHAT_READ_BURST },
    blobRate: { perSec: env.CHAT_BLOB_BYTES_PER_SEC, burst: env.CHAT_BLOB_BURST_BYTES },
    backupRate: { perSec: env.CHAT_BACKUP_ENTRIES_PER_SEC, burst: env.CHAT_BACKUP_BURST },
    archiveQuotaBytes: env.CHAT_ARCHIVE_QUOTA_BYTES,
    readThreads: env.CHAT_READ_THREADS,
    readTimeoutMs: env.CHAT_READ_TIMEOUT_MS,
    requireEncryption: env.CHAT_REQUIRE_E2E === "1",
    blobs: {
      maxFileBytes: env.CHAT_BLOB_MAX_BYTES,
      quotaBytes: env.CHAT_BLOB_QUOTA_BYTES,
      uploadTtlMs: env.CHAT_BLOB_UPLOAD_TTL_MS,
      replicas: env.CHAT_BLOB_REPLICAS,
    },
  };
}
