/**
 * Attachment encryption on the device (docs/E2E.md section 11): each file gets a fresh random
 * AES-256-GCM key and is cut into chunks of ATTACHMENT_CHUNK_BYTES of plaintext (the last one
 * shorter, possibly empty: a 0-byte file is one empty chunk), each sealed on its own so a large
 * file streams and a corrupted chunk is found where it is.
 *
 * The nonce of chunk i is u64 i ‖ u32 last (1 on the final chunk, else 0): the STREAM
 * construction of Hoang, Reyhanitabar, Rogaway and Vizár ("Online Authenticated-Encryption and its
 * Nonce-Reuse Misuse-Resistance", 2015), without a random prefix because the key is never reused.
 * A chunk moved to another position fails its tag (its index is in the nonce); a file cut short
 * ends on a chunk sealed as not-last and fails; a chunk appended after the last one cannot be
 * sealed without the key. The key, the file's size and the SHA-256 of the whole ciphertext travel
 * only inside the encrypted message (attachmentContentSchema); the server stores the sealed chunks.
 *
 * WebCrypto only (globalThis.crypto.subtle): the same code in browsers and Node; SHA-256 over the
 * chunks as they pass from @noble/hashes, because WebCrypto has no incremental digest.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { BLOB_LIMITS } from "@sealroom/proto/chat-blobs";
import { E2eError } from "./errors.js";

/** Plaintext bytes per chunk (proto's, which the server checks): a sealed chunk fits one 64 KiB command as base64url. */
export const ATTACHMENT_CHUNK_BYTES = BLOB_LIMITS.chunkPlainBytes;
/** The GCM tag each chunk carries. */
export const ATTACHMENT_TAG_BYTES = BLOB_LIMITS.chunkSealedBytes - BLOB_LIMITS.chunkPlainBytes;
/** Bytes of an attachment key. */
export const ATTACHMENT_KEY_BYTES = 32;

/** Chunks of a file of `size` plaintext bytes (at least one: a 0-byte file is one empty chunk). */
export function attachmentChunkCount(size: number): number {
  return Math.max(1, Math.ceil(size / ATTACHMENT_CHUNK_BYTES));
}

/** Bytes the server stores for a file of `size` plaintext bytes. */
export function attachmentCipherSize(size: number): number {
  return size + attachmentChunkCount(size) * ATTACHMENT_TAG_BYTES;
}

/** The plaintext range [start, end) of chunk `index` of a file of `size` bytes. */
export function attachmentChunkRange(size: number, index: number): { start: number; end: number } {
  const start = index * ATTACHMENT_CHUNK_BYTES;
  return { start, end: Math.min(size, start + ATTACHMENT_CHUNK_BYTES) };
}

/** A fresh random key for one file. */
export function newAttachmentKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(ATTACHMENT_KEY_BYTES));
}

function nonceOf(index: number, last: boolean): Uint8Array<ArrayBuffer> {
  if (!Number.isSafeInteger(index) || index < 0) throw new E2eError("invalid_attachment", "bad chunk index");
  const nonce = new Uint8Array(12);
  const view = new DataView(nonce.buffer);
  view.setBigUint64(0, BigInt(index));
  view.setUint32(8, last ? 1 : 0);
  return nonce;
}

/** WebCrypto's key type, named without the DOM library (Node's typecheck has none). */
type AesKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

async function importKey(key: Uint8Array, usage: "encrypt" | "decrypt"): Promise<AesKey> {
  if (key.length !== ATTACHMENT_KEY_BYTES) throw new E2eError("invalid_attachment", "an attachment key is 32 bytes");
  return crypto.subtle.importKey("raw", new Uint8Array(key), "AES-GCM", false, [usage]);
}

/** Seals the chunks of one file under one key (import once, seal many). */
export class AttachmentSealer {
  private constructor(private readonly key: AesKey) {}

  static async create(key: Uint8Array): Promise<AttachmentSealer> {
    return new AttachmentSealer(await importKey(key, "encrypt"));
  }

  async seal(index: number, last: boolean, plaintext: Uint8Array): Promise<Uint8Array> {
    if (plaintext.length > ATTACHMENT_CHUNK_BYTES) throw new E2eError("invalid_attachment", "chunk too large");
    if (!last && plaintext.length !== ATTACHMENT_CHUNK_BYTES)
      throw new E2eError("invalid_attachment", "only the last chunk may be short");
    const sealed = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv: nonceOf(index, last) },
      this.key,
      new Uint8Array(plaintext),
    );
    return new Uint8Array(sealed);
  }
}

/** Opens the chunks of one file; a chunk that fails its tag throws `attachment_corrupt`. */
export class AttachmentOpener {
  private constructor(private readonly key: AesKey) {}

  static async create(key: Uint8Array): Promise<AttachmentOpener> {
    return new AttachmentOpener(await importKey(key, "decrypt"));
  }

  async open(index: number, last: boolean, sealed: Uint8Array): Promise<Uint8Array> {
    if (sealed.length < ATTACHMENT_TAG_BYTES || sealed.length > ATTACHMENT_CHUNK_BYTES + ATTACHMENT_TAG_BYTES) {
      throw new E2eError("attachment_corrupt", `chunk ${index} has a wrong length`);
    }
    try {
      const plain = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: nonceOf(index, last) },
        this.key,
        new Uint8Array(sealed),
      );
      return new Uint8Array(plain);
    } catch (cause) {
      throw new E2eError("attachment_corrupt", `chunk ${index} failed authentication`, { cause });
    }
  }
}

/** SHA-256 over the sealed chunks in order (the whole ciphertext), computed as they pass. */
export class CiphertextDigest {
  private readonly hash = sha256.create();

  update(sealed: Uint8Array): void {
    this.hash.update(sealed);
  }

  digest(): Uint8Array {
    return this.hash.digest();
  }
}

/** Files smaller than this are padded to it: every small file looks the same size. */
export const ATTACHMENT_PAD_MIN = 4096;

/**
 * The plaintext bytes to seal for a file of `size` bytes: the file, then zeros up to this size.
 * Padmé (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and Communication with
 * PURBs", PETS 2019): only the top ~log2(log2(size)) bits of the size are kept, the rest rounded
 * up, so a size shows as one of O(log log) values per power of two at most ~12% overhead (under
 * 3% above 1 MiB); below ATTACHMENT_PAD_MIN everything pads to it.
 */
export function attachmentPaddedSize(size: number): number {
  if (!Number.isSafeInteger(size) || size < 0) throw new E2eError("invalid_attachment", "bad size");
  const l = Math.max(size, ATTACHMENT_PAD_MIN);
  const e = l.toString(2).length - 1; // floor(log2 l), exact
  const s = e.toString(2).length; // floor(log2 e) + 1
  const step = 2 ** (e - s);
  return Math.ceil(l / step) * step;
}
