/**
 * Attachment blobs (issue #17; docs/protocol/chat.md, "Attachments"): the encrypted bytes of a
 * file, which a device seals in chunks (@sealroom/e2e attachment.ts) and uploads with ordinary
 * commands over its encrypted session, one sealed chunk per command, within the 64 KiB command
 * limit. The chat service stores the chunks in NATS JetStream's object store and the blob's row
 * (who uploaded it, for which conversation, its size, whether complete) in the database. The
 * key, the plaintext's name, type and size travel only inside the encrypted message.
 *
 * Lifecycle: `chat.blob.start` declares the conversation and the sealed size (refused BEFORE any
 * byte is sent when over the operator's size or quota limits) and returns a blob id; the uploader
 * `chat.blob.put`s each chunk (any order, again after a reconnect: a chunk stored twice is stored
 * once), asks `chat.blob.status` for what is missing, and `chat.blob.commit`s once all are there.
 * Members of the conversation `chat.blob.get` the chunks of a committed blob. An uncommitted blob
 * is collected after the operator's TTL; the uploader `chat.blob.delete`s a blob whose message was
 * deleted.
 */
import { z } from "zod";
import { conversationIdSchema } from "./chat-ids.js";
import type { CommandSpec } from "./command-spec.js";

/** AES-GCM's tag on each sealed chunk. */
const TAG_BYTES = 16;

export const BLOB_LIMITS = {
  /** Plaintext bytes per chunk (the last may be shorter, or empty for a 0-byte file). */
  chunkPlainBytes: 32 * 1024,
  /** Bytes of a sealed chunk: its plaintext and its tag. As base64url, 43,712 characters: a command fits 64 KiB. */
  chunkSealedBytes: 32 * 1024 + TAG_BYTES,
  /** Bytes of the smallest sealed chunk (an empty plaintext, its tag). */
  chunkSealedMin: TAG_BYTES,
  /** Sealed bytes a blob may declare at most, whatever the operator configures (1 TiB). */
  sizeMax: 2 ** 40,
  /** Missing chunk indexes listed per chat.blob.status reply (ask again after sending them). */
  missingPageMax: 1000,
} as const;

/** base64url characters of `bytes` decoded bytes, without padding. */
const base64urlLength = (bytes: number) => Math.ceil((bytes * 4) / 3);

/** A blob id: 16 random bytes the service chose, base64url without padding. */
export const blobIdSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/, "blob id");

/**
 * One sealed chunk as base64url without padding, at most a full chunk (the service checks the exact
 * length of each chunk and refuses non-canonical spellings).
 */
export const blobChunkDataSchema = z
  .string()
  .min(2)
  .max(base64urlLength(BLOB_LIMITS.chunkSealedBytes))
  .regex(/^[A-Za-z0-9_-]+$/, "base64url without padding");

const chunkIndex = z
  .number()
  .int()
  .nonnegative()
  .max(2 ** 31 - 1);

/**
 * Chunks of a blob of `size` sealed bytes, or undefined when no file seals to that size (every
 * chunk but the last is full; the last holds at least a tag).
 */
export function blobChunkCount(size: number): number | undefined {
  if (!Number.isSafeInteger(size) || size < BLOB_LIMITS.chunkSealedMin) return undefined;
  const chunks = Math.ceil(size / BLOB_LIMITS.chunkSealedBytes);
  const last = size - (chunks - 1) * BLOB_LIMITS.chunkSealedBytes;
  return last >= BLOB_LIMITS.chunkSealedMin ? chunks : undefined;
}

/** Sealed bytes of chunk `index` of a blob of `size` bytes in `chunks` chunks. */
export function blobChunkSize(size: number, chunks: number, index: number): number {
  return index < chunks - 1 ? BLOB_LIMITS.chunkSealedBytes : size - (chunks - 1) * BLOB_LIMITS.chunkSealedBytes;
}

export const blobStatusSchema = z.object({
  blobId: blobIdSchema,
  conversationId: conversationIdSchema,
  /** Sealed bytes. */
  size: z.number().int().nonnegative().max(BLOB_LIMITS.sizeMax),
  chunks: chunkIndex,
  committed: z.boolean(),
  /** Chunks not stored yet, the first missingPageMax of them (empty once complete). */
  missing: z.array(chunkIndex).max(BLOB_LIMITS.missingPageMax),
});
export type BlobStatus = z.infer<typeof blobStatusSchema>;

export const CHAT_BLOB_COMMANDS = {
  /**
   * Opens an upload of `size` sealed bytes for `conversationId` (where the caller may post).
   * BLOB_TOO_LARGE over the operator's per-file limit; QUOTA_EXCEEDED when the caller's blobs
   * (complete and in progress) would exceed their quota; BAD_REQUEST for a size no file seals to.
   */
  "chat.blob.start": {
    service: "chat",
    access: "user",
    body: z.strictObject({
      conversationId: conversationIdSchema,
      size: z.number().int().nonnegative().max(BLOB_LIMITS.sizeMax),
    }),
    value: z.object({ blobId: blobIdSchema, chunks: chunkIndex, chunkBytes: z.literal(BLOB_LIMITS.chunkSealedBytes) }),
  },
  /**
   * Stores one sealed chunk of the caller's own uncommitted blob (idempotent: the same index
   * again replaces it). BAD_REQUEST for an index out of range or a chunk of the wrong length;
   * CONFLICT once committed; NOT_FOUND for another user's blob or an unknown one.
   */
  "chat.blob.put": {
    service: "chat",
    access: "user",
    bulk: true,
    body: z.strictObject({ blobId: blobIdSchema, index: chunkIndex, data: blobChunkDataSchema }),
    value: z.object({ blobId: blobIdSchema, index: chunkIndex }),
  },
  /** What is stored of a blob: the uploader's at any time; a committed one, whoever may get it. */
  "chat.blob.status": {
    service: "chat",
    access: "user",
    body: z.strictObject({ blobId: blobIdSchema }),
    value: blobStatusSchema,
  },
  /**
   * Completes the caller's upload: BLOB_INCOMPLETE while a chunk is missing (chat.blob.status
   * lists them). Idempotent: a committed blob commits again.
   */
  "chat.blob.commit": {
    service: "chat",
    access: "user",
    body: z.strictObject({ blobId: blobIdSchema }),
    value: blobStatusSchema,
  },
  /**
   * One sealed chunk of a committed blob, for whoever may read its conversation (NOT_FOUND
   * otherwise, and for an unknown blob: the same answer); the uploader may read an uncommitted one.
   */
  "chat.blob.get": {
    service: "chat",
    access: "user",
    bulk: true,
    body: z.strictObject({ blobId: blobIdSchema, index: chunkIndex }),
    value: z.object({ blobId: blobIdSchema, index: chunkIndex, data: blobChunkDataSchema }),
  },
  /** Deletes the caller's own blob and its chunks (its message was deleted, or the upload given up). */
  "chat.blob.delete": {
    service: "chat",
    access: "user",
    body: z.strictObject({ blobId: blobIdSchema }),
    value: z.object({}),
  },
} as const satisfies Record<string, CommandSpec>;
