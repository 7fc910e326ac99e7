/**
 * Attachment upload and download (docs/protocol/chat.md "Attachments", docs/E2E.md section 11):
 * the file is sealed on this device in chunks under a fresh key (@sealroom/e2e attachment.ts), each
 * sealed chunk goes up as one `chat.blob.put` over the encrypted session, a few in flight at once;
 * the key and the SHA-256 of the ciphertext come back to the caller, who sends them inside the
 * encrypted message. A download fetches the chunks, checks each one's tag and the whole
 * ciphertext's SHA-256, and refuses anything else with `attachment_corrupt`.
 *
 * A chunk refused with a retryable error (RATE_LIMITED, UNAVAILABLE while reconnecting, TIMEOUT)
 * is sent again after a pause: a chunk stored twice is stored once, so an upload survives a
 * reconnect. Cancelling (`signal`) stops sending and deletes what was uploaded.
 *
 * The file is padded before sealing (zeros after it, to `attachmentPaddedSize`: Padmé), so the
 * server sees one of few sizes; the real size travels in the message. A file whose padded size is
 * over the operator's limit while the file is not goes up unpadded (its size then shows).
 *
 * @sealroom/e2e is imported when a transfer starts, so a web app's first load does not carry MLS.
 */
import type { CommandBody, CommandType, CommandValue } from "@sealroom/proto/commands";
import { AppError } from "@sealroom/proto/errors";
import { b64, fromB64 } from "../e2e/base64url.js";

/** What `uploadAttachment` needs of a client (SealroomClient has it). */
export interface BlobClient {
  request<T extends CommandType>(type: T, body: CommandBody<T>): Promise<CommandValue<T>>;
}

export interface TransferOptions {
  /** Plaintext bytes done so far, and in all. */
  onProgress?: (done: number, total: number) => void;
  /** Aborting it cancels the transfer (an upload's chunks are deleted). */
  signal?: AbortSignal;
}

/** What the encrypted message must carry for others to download and open the file. */
export interface AttachmentRef {
  blobId: string;
  /** The file's key, 32 bytes, base64url. */
  key: string;
  /** SHA-256 of the whole ciphertext, base64url. */
  sha256: string;
  /** Plaintext bytes. */
  size: number;
  /** Plaintext bytes sealed (the file, then zeros); absent: `size` (no padding). */
  paddedSize?: number;
}

/** Chunk commands in flight at once: enough to hide a round trip, few enough not to queue up. */
const WINDOW = 4;
/** Retries of one chunk command refused with a retryable error. */
const RETRIES = 8;

export class TransferCancelled extends Error {
  override readonly name = "TransferCancelled";
  constructor() {
    super("The transfer was cancelled.");
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function checkCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new TransferCancelled();
}

/**
 * `fn`, again after a pause while it fails with a retryable error (RATE_LIMITED, UNAVAILABLE,
 * TIMEOUT). RATE_LIMITED is the server pacing a big transfer (its per-user byte budget), not a
 * failure: its waits are as long as it says and do not count against the retries.
 */
async function retrying<T>(fn: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  for (let attempt = 0; ;) {
    checkCancelled(signal);
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof AppError) || !err.retryable) throw err;
      if (err.code === "RATE_LIMITED" && err.retryAfterMs !== undefined) {
        await sleep(err.retryAfterMs);
        continue;
      }
      if (attempt >= RETRIES) throw err;
      await sleep(err.retryAfterMs ?? Math.min(5000, 100 * 2 ** attempt));
      attempt++;
    }
  }
}

/** The plaintext bytes [start, end) of a file given as bytes or a Blob (a browser File is one), zeros past its end. */
async function sliceOf(file: Uint8Array | Blob, size: number, start: number, end: number): Promise<Uint8Array> {
  const stop = Math.min(end, size);
  const bytes =
    start >= stop
      ? new Uint8Array(0)
      : file instanceof Uint8Array
        ? file.subarray(start, stop)
        : new Uint8Array(await file.slice(start, stop).arrayBuffer());
  if (end <= size) return bytes;
  const out = new Uint8Array(end - start);
  out.set(bytes);
  return out;
}

/** Keeps at most WINDOW promises in flight; `add` waits while the window is full. */
class Window {
  private readonly inFlight = new Set<Promise<void>>();
  private failed: unknown;

  async add(task: Promise<void>): Promise<void> {
    const p: Promise<void> = task.then(
      () => void this.inFlight.delete(p),
      (err: unknown) => {
        this.inFlight.delete(p);
        this.failed ??= err;
      },
    );
    this.inFlight.add(p);
    while (this.inFlight.size >= WINDOW) await Promise.race(this.inFlight);
    if (this.failed !== undefined) throw this.failed;
  }

  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failed !== undefined) throw this.failed;
  }
}

/**
 * Seals and uploads `file` for `conversationId`; resolves once the blob is committed. Refusals
 * before any byte is sent: BLOB_TOO_LARGE, QUOTA_EXCEEDED (AppError), or the conversation's own.
 */
export async function uploadAttachment(
  client: BlobClient,
  conversationId: string,
  file: Uint8Array | Blob,
  opts: TransferOptions = {},
): Promise<AttachmentRef> {
  const e2e = await import("@sealroom/e2e");
  const size = file instanceof Uint8Array ? file.length : file.size;
  const keyBytes = e2e.newAttachmentKey();
  const sealer = await e2e.AttachmentSealer.create(keyBytes);
  const digest = new e2e.CiphertextDigest();
  checkCancelled(opts.signal);
  let padded = e2e.attachmentPaddedSize(size);
  const start = () => client.request("chat.blob.start", { conversationId, size: e2e.attachmentCipherSize(padded) });
  const { blobId, chunks } = await start().catch((err: unknown) => {
    if (!(err instanceof AppError) || err.code !== "BLOB_TOO_LARGE" || padded === size) throw err;
    padded = size;
    return start();
  });
  let done = 0;
  opts.onProgress?.(0, size);
  try {
    // Sealed and hashed in chunk order (the digest is of the ciphertext in order); the puts overlap.
    const window = new Window();
    for (let i = 0; i < chunks; i++) {
      checkCancelled(opts.signal);
      const { start, end } = e2e.attachmentChunkRange(padded, i);
      const sealed = await sealer.seal(i, i === chunks - 1, await sliceOf(file, size, start, end));
      digest.update(sealed);
      const data = b64(sealed);
      const fileBytes = Math.max(0, Math.min(end, size) - start);
      await window.add(
        retrying(() => client.request("chat.blob.put", { blobId, index: i, data }), opts.signal).then(() => {
          done += fileBytes;
          opts.onProgress?.(done, size);
        }),
      );
    }
    await window.drain();
    await retrying(() => client.request("chat.blob.commit", { blobId }), opts.signal);
  } catch (err) {
    // Given up (cancelled, or refused for good): what was stored goes now, not after the server's TTL.
    void client.request("chat.blob.delete", { blobId }).catch(() => undefined);
    throw err;
  }
  return {
    blobId,
    key: b64(keyBytes),
    sha256: b64(digest.digest()),
    size,
    ...(padded === size ? {} : { paddedSize: padded }),
  };
}

/**
 * Downloads and opens an attachment; throws E2eError `attachment_corrupt` if a chunk fails its
 * tag, the chunks do not add up to the announced size, or the ciphertext's SHA-256 differs.
 */
export async function downloadAttachment(
  client: BlobClient,
  ref: AttachmentRef,
  opts: TransferOptions = {},
): Promise<Uint8Array> {
  const e2e = await import("@sealroom/e2e");
  const corrupt = (why: string) => new e2e.E2eError("attachment_corrupt", why);
  checkCancelled(opts.signal);
  const status = await retrying(() => client.request("chat.blob.status", { blobId: ref.blobId }), opts.signal);
  const padded = ref.paddedSize ?? ref.size;
  if (padded < ref.size) throw corrupt("the padded size is below the file's");
  const chunks = e2e.attachmentChunkCount(padded);
  if (status.chunks !== chunks || status.size !== e2e.attachmentCipherSize(padded) || !status.committed)
    throw corrupt("the stored blob does not match the message");
  const opener = await e2e.AttachmentOpener.create(fromB64(ref.key));
  const digest = new e2e.CiphertextDigest();
  const out = new Uint8Array(ref.size);
  // Fetched WINDOW at a time, hashed and opened in order.
  const pending = new Map<number, Promise<Uint8Array>>();
  const fetch = (i: number) =>
    retrying(() => client.request("chat.blob.get", { blobId: ref.blobId, index: i }), opts.signal).then((r) =>
      fromB64(r.data),
    );
  let done = 0;
  opts.onProgress?.(0, ref.size);
  for (let i = 0; i < chunks; i++) {
    for (let j = i; j < Math.min(chunks, i + WINDOW); j++) {
      if (pending.has(j)) continue;
      const p = fetch(j);
      // Awaited in turn below; if an earlier chunk fails first, this one's failure is not unhandled.
      p.catch(() => undefined);
      pending.set(j, p);
    }
    const sealed = await pending.get(i)!;
    pending.delete(i);
    digest.update(sealed);
    const plain = await opener.open(i, i === chunks - 1, sealed);
    const { start, end } = e2e.attachmentChunkRange(padded, i);
    if (plain.length !== end - start) throw corrupt(`chunk ${i} has a wrong length`);
    // The file's bytes; what follows its end is the sender's zero padding.
    const keep = Math.max(0, Math.min(end, ref.size) - start);
    if (plain.subarray(keep).some((b) => b !== 0)) throw corrupt(`chunk ${i} has non-zero padding`);
    out.set(plain.subarray(0, keep), start);
    done += keep;
    opts.onProgress?.(done, ref.size);
  }
  const expected = fromB64(ref.sha256);
  const got = digest.digest();
  if (expected.length !== got.length || got.some((b, k) => b !== expected[k]))
    throw corrupt("the ciphertext's SHA-256 differs from the message's");
  return out;
}
