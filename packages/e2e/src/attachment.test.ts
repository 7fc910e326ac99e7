import { describe, expect, it } from "vitest";
import {
  ATTACHMENT_CHUNK_BYTES,
  AttachmentOpener,
  AttachmentSealer,
  CiphertextDigest,
  attachmentChunkCount,
  attachmentChunkRange,
  attachmentCipherSize,
  newAttachmentKey,
} from "./attachment.js";
import { equalBytes } from "./bytes.js";
import { E2eError } from "./errors.js";

async function sealAll(key: Uint8Array, file: Uint8Array): Promise<Uint8Array[]> {
  const sealer = await AttachmentSealer.create(key);
  const n = attachmentChunkCount(file.length);
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const { start, end } = attachmentChunkRange(file.length, i);
    out.push(await sealer.seal(i, i === n - 1, file.subarray(start, end)));
  }
  return out;
}

async function openAll(key: Uint8Array, chunks: readonly Uint8Array[]): Promise<Uint8Array> {
  const opener = await AttachmentOpener.create(key);
  const parts = await Promise.all(chunks.map((c, i) => opener.open(i, i === chunks.length - 1, c)));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const fileOf = (size: number) => {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
};

const corrupt = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(E2eError);
  expect((err as E2eError).code).toBe("attachment_corrupt");
};

describe("attachment chunks", () => {
  it.each([0, 1, ATTACHMENT_CHUNK_BYTES - 1, ATTACHMENT_CHUNK_BYTES, ATTACHMENT_CHUNK_BYTES + 1, 3 * 1024 * 1024 + 5])(
    "round-trips %i bytes with the advertised ciphertext size",
    async (size) => {
      const key = newAttachmentKey();
      const file = fileOf(size);
      const chunks = await sealAll(key, file);
      expect(chunks.length).toBe(attachmentChunkCount(size));
      expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(attachmentCipherSize(size));
      expect(equalBytes(await openAll(key, chunks), file)).toBe(true);
    },
  );

  it("refuses a flipped bit, a swapped pair, a truncated file and a wrong key", async () => {
    const key = newAttachmentKey();
    const chunks = await sealAll(key, fileOf(3 * ATTACHMENT_CHUNK_BYTES + 10));
    const flipped = chunks.map((c) => c.slice());
    flipped[1]![5]! ^= 1;
    await corrupt(openAll(key, flipped));
    await corrupt(openAll(key, [chunks[1]!, chunks[0]!, chunks[2]!, chunks[3]!]));
    // Cut after a full chunk: the new last chunk was sealed as not-last.
    await corrupt(openAll(key, chunks.slice(0, 2)));
    await corrupt(openAll(newAttachmentKey(), chunks));
    const opener = await AttachmentOpener.create(key);
    await corrupt(opener.open(0, false, new Uint8Array(3)));
  });

  it("uses a fresh key per file, so the same file never seals the same way", async () => {
    const file = fileOf(100);
    const [a] = await sealAll(newAttachmentKey(), file);
    const [b] = await sealAll(newAttachmentKey(), file);
    expect(equalBytes(a!, b!)).toBe(false);
  });

  it("digests the ciphertext incrementally, as one SHA-256 of the concatenation", async () => {
    const chunks = await sealAll(newAttachmentKey(), fileOf(2 * ATTACHMENT_CHUNK_BYTES + 1));
    const d = new CiphertextDigest();
    for (const c of chunks) d.update(c);
    const whole = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      whole.set(c, at);
      at += c.length;
    }
    const expected = new Uint8Array(await crypto.subtle.digest("SHA-256", whole));
    expect(equalBytes(d.digest(), expected)).toBe(true);
  });

  it("refuses a short middle chunk and a bad key length when sealing", async () => {
    const sealer = await AttachmentSealer.create(newAttachmentKey());
    await expect(sealer.seal(0, false, new Uint8Array(5))).rejects.toMatchObject({ code: "invalid_attachment" });
    await expect(AttachmentSealer.create(new Uint8Array(16))).rejects.toMatchObject({ code: "invalid_attachment" });
  });
});
