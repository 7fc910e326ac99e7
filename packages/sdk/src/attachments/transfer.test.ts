/**
 * Padding of uploads against an in-memory blob store that checks what the chat service checks of
 * sizes (the service itself is exercised in test/chat-e2e-attachments.test.ts): the sealed size
 * declared is the padded one; a file whose padded size is over the limit while it is not goes up
 * unpadded; a download gives back exactly the file and refuses a message claiming a shorter size
 * (the bytes after it are not the sender's zero padding).
 */
import { describe, expect, test } from "vitest";
import { AppError } from "@sealroom/proto/errors";
import { BLOB_LIMITS, blobChunkCount } from "@sealroom/proto/chat-blobs";
import { attachmentCipherSize, attachmentPaddedSize } from "@sealroom/e2e";
import { downloadAttachment, uploadAttachment, type BlobClient } from "./transfer.js";

function store(maxFileBytes: number) {
  const chunks = new Map<number, string>();
  const declared: number[] = [];
  let size = 0;
  const handlers: Record<string, (b: Record<string, unknown>) => unknown> = {
    "chat.blob.start": (b) => {
      size = b.size as number;
      declared.push(size);
      if (size > maxFileBytes) throw new AppError("BLOB_TOO_LARGE");
      return { blobId: "b".repeat(22), chunks: blobChunkCount(size), chunkBytes: BLOB_LIMITS.chunkSealedBytes };
    },
    "chat.blob.put": (b) => (chunks.set(b.index as number, b.data as string), {}),
    "chat.blob.commit": () => ({}),
    "chat.blob.delete": () => ({}),
    "chat.blob.status": () => ({ size, chunks: chunks.size, committed: true }),
    "chat.blob.get": (b) => ({ data: chunks.get(b.index as number) }),
  };
  const client = {
    request: (type: string, body: Record<string, unknown>) => Promise.resolve().then(() => handlers[type]!(body)),
  } as unknown as BlobClient;
  return { client, declared };
}

const fileOf = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 1) & 0xff);

describe("attachment padding", () => {
  test("the server is told the padded size; the download is the file, byte for byte", async () => {
    const file = fileOf(40_001);
    const { client, declared } = store(2 ** 30);
    const ref = await uploadAttachment(client, "dm:1:2", file);
    expect(ref.paddedSize).toBe(attachmentPaddedSize(file.length));
    expect(declared).toEqual([attachmentCipherSize(ref.paddedSize!)]);
    expect(Buffer.compare(await downloadAttachment(client, ref), file)).toBe(0);
    // A message claiming fewer bytes: what follows them is file, not zero padding.
    await expect(downloadAttachment(client, { ...ref, size: 40_000 })).rejects.toMatchObject({
      code: "attachment_corrupt",
    });
  });

  test("over the limit only once padded: sent unpadded; over it anyway: refused", async () => {
    const file = fileOf(40_001);
    const limit = attachmentCipherSize(file.length);
    const { client, declared } = store(limit);
    const ref = await uploadAttachment(client, "dm:1:2", file);
    expect(ref.paddedSize).toBeUndefined();
    expect(declared).toEqual([attachmentCipherSize(attachmentPaddedSize(file.length)), limit]);
    expect(Buffer.compare(await downloadAttachment(client, ref), file)).toBe(0);
    await expect(uploadAttachment(store(limit - 1).client, "dm:1:2", file)).rejects.toMatchObject({
      code: "BLOB_TOO_LARGE",
    });
  });
});
