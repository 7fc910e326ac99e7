/**
 * Attachment blobs against a real nats-server with JetStream and a real database (SQLite, or
 * PostgreSQL under the node-pg project): sealed on the "device" with @sealroom/e2e, uploaded chunk
 * by chunk as the gateway would forward the commands, downloaded and opened again.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import {
  AttachmentOpener,
  AttachmentSealer,
  CiphertextDigest,
  attachmentChunkCount,
  attachmentChunkRange,
  attachmentCipherSize,
  newAttachmentKey,
} from "@sealroom/e2e";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lazyBlobStore, openObjectBlobStore } from "./blob-store.js";
import { setup, type Harness } from "./test/harness.js";

const MiB = 1024 * 1024;
const LIMITS = { maxFileBytes: 6 * MiB, quotaBytes: 12 * MiB, uploadTtlMs: 200 };

let h: Harness;
let alice: number;
let bob: number;
let eve: number;
let dm: string;

beforeAll(async () => {
  h = await setup({ config: { blobs: LIMITS } });
  alice = await h.seed.user();
  bob = await h.seed.user();
  eve = await h.seed.user();
  await h.seed.friends(alice, bob);
  dm = `dm:${Math.min(alice, bob)}:${Math.max(alice, bob)}`;
});
afterAll(() => h?.teardown());

/** A file whose bytes are recognizable: `marker` repeated, then a counter. */
function fileOf(size: number, marker = "SEALROOM-PLAINTEXT-MARKER"): Uint8Array {
  const out = new Uint8Array(size);
  const m = new TextEncoder().encode(marker);
  for (let i = 0; i < size; i++) out[i] = i % 1024 < m.length ? m[i % 1024]! : (i * 7) & 0xff;
  return out;
}

interface Uploaded {
  blobId: string;
  key: Uint8Array;
  sha256: Uint8Array;
  size: number;
}

async function upload(userId: number, conversationId: string, file: Uint8Array, commit = true): Promise<Uploaded> {
  const key = newAttachmentKey();
  const sealer = await AttachmentSealer.create(key);
  const n = attachmentChunkCount(file.length);
  const { blobId, chunks } = await h.call(userId, "chat.blob.start", {
    conversationId,
    size: attachmentCipherSize(file.length),
  });
  expect(chunks).toBe(n);
  const digest = new CiphertextDigest();
  for (let i = 0; i < n; i++) {
    const { start, end } = attachmentChunkRange(file.length, i);
    const sealed = await sealer.seal(i, i === n - 1, file.subarray(start, end));
    digest.update(sealed);
    await h.call(userId, "chat.blob.put", { blobId, index: i, data: Buffer.from(sealed).toString("base64url") });
  }
  if (commit) await h.call(userId, "chat.blob.commit", { blobId });
  return { blobId, key, sha256: digest.digest(), size: file.length };
}

async function download(userId: number, up: Uploaded): Promise<Uint8Array> {
  const status = await h.call(userId, "chat.blob.status", { blobId: up.blobId });
  const opener = await AttachmentOpener.create(up.key);
  const digest = new CiphertextDigest();
  const out = new Uint8Array(up.size);
  let at = 0;
  for (let i = 0; i < status.chunks; i++) {
    const { data } = await h.call(userId, "chat.blob.get", { blobId: up.blobId, index: i });
    const sealed = new Uint8Array(Buffer.from(data, "base64url"));
    digest.update(sealed);
    const plain = await opener.open(i, i === status.chunks - 1, sealed);
    out.set(plain, at);
    at += plain.length;
  }
  expect(equalBytes(digest.digest(), up.sha256)).toBe(true);
  expect(at).toBe(up.size);
  return out;
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe("attachment blobs", () => {
  it.each([0, 1, 32 * 1024 - 1, 32 * 1024 + 1, 3 * MiB + 123])("round-trips a file of %i bytes", async (size) => {
    const file = fileOf(size);
    const up = await upload(alice, dm, file);
    expect(equalBytes(await download(bob, up), file)).toBe(true);
    expect(equalBytes(await download(alice, up), file)).toBe(true);
  });

  it("keeps only ciphertext: the plaintext is nowhere in JetStream's store or the database", async () => {
    const marker = `never-on-the-server-${Date.now()}`;
    await upload(alice, dm, fileOf(100 * 1024, marker));
    const needle = Buffer.from(marker);
    const files = [
      ...filesUnder(h.nats.storeDir),
      ...(h.database.file ? filesUnder(path.dirname(h.database.file)) : []),
    ];
    expect(files.some((f) => f.includes("blk") || f.endsWith(".blk"))).toBe(true);
    for (const f of files) expect(readFileSync(f).includes(needle), f).toBe(false);
  });

  it("lets a tampered chunk through the server but the device refuses it", async () => {
    const up = await upload(alice, dm, fileOf(70 * 1024));
    const store = await openObjectBlobStore(h.client, { bucket: "sealroom-blobs", replicas: 1 });
    const chunk = (await store.getChunk(up.blobId, 1))!;
    chunk[10]! ^= 0x40;
    await store.putChunk(up.blobId, 1, chunk);
    await expect(download(bob, up)).rejects.toMatchObject({ code: "attachment_corrupt" });
  });

  it("refuses a file over the size limit and an upload over the quota before any byte", async () => {
    expect(await h.refusal(alice, "chat.blob.start", { conversationId: dm, size: 6 * MiB + 16 * 200 })).toMatchObject({
      code: "BLOB_TOO_LARGE",
    });
    const carol = await h.seed.user();
    await h.seed.friends(carol, bob);
    const dm2 = `dm:${Math.min(carol, bob)}:${Math.max(carol, bob)}`;
    const size = attachmentCipherSize(5 * MiB);
    await h.call(carol, "chat.blob.start", { conversationId: dm2, size });
    await h.call(carol, "chat.blob.start", { conversationId: dm2, size });
    expect(await h.refusal(carol, "chat.blob.start", { conversationId: dm2, size })).toMatchObject({
      code: "QUOTA_EXCEEDED",
    });
    expect(await h.refusal(carol, "chat.blob.start", { conversationId: dm2, size: 17 + 32 * 1024 })).toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("lets no one but the conversation's readers download, and only the uploader before commit", async () => {
    const up = await upload(alice, dm, fileOf(1000), false);
    expect(await h.refusal(bob, "chat.blob.get", { blobId: up.blobId, index: 0 })).toMatchObject({ code: "NOT_FOUND" });
    await h.call(alice, "chat.blob.get", { blobId: up.blobId, index: 0 });
    await h.call(alice, "chat.blob.commit", { blobId: up.blobId });
    expect(await h.refusal(eve, "chat.blob.get", { blobId: up.blobId, index: 0 })).toMatchObject({ code: "NOT_FOUND" });
    expect(await h.refusal(eve, "chat.blob.status", { blobId: up.blobId })).toMatchObject({ code: "NOT_FOUND" });
    expect(await h.refusal(bob, "chat.blob.put", { blobId: up.blobId, index: 0, data: "A".repeat(22) })).toMatchObject({
      code: "NOT_FOUND",
    });
    expect(await h.refusal(eve, "chat.blob.delete", { blobId: up.blobId })).toMatchObject({ code: "NOT_FOUND" });
    expect(await h.refusal(eve, "chat.blob.start", { conversationId: dm, size: 16 })).toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("resumes an upload: status lists the missing chunks, a chunk sent twice counts once, commit waits", async () => {
    const file = fileOf(3 * 32 * 1024 + 5);
    const key = newAttachmentKey();
    const sealer = await AttachmentSealer.create(key);
    const { blobId } = await h.call(alice, "chat.blob.start", {
      conversationId: dm,
      size: attachmentCipherSize(file.length),
    });
    const sealed = await Promise.all(
      [0, 1, 2, 3].map((i) => {
        const { start, end } = attachmentChunkRange(file.length, i);
        return sealer.seal(i, i === 3, file.subarray(start, end));
      }),
    );
    const put = (i: number) =>
      h.call(alice, "chat.blob.put", { blobId, index: i, data: Buffer.from(sealed[i]!).toString("base64url") });
    await put(2);
    await put(2);
    await put(0);
    expect(await h.refusal(alice, "chat.blob.commit", { blobId })).toMatchObject({ code: "BLOB_INCOMPLETE" });
    expect((await h.call(alice, "chat.blob.status", { blobId })).missing).toEqual([1, 3]);
    expect(
      await h.refusal(alice, "chat.blob.put", {
        blobId,
        index: 1,
        data: Buffer.from(sealed[3]!).toString("base64url"),
      }),
    ).toMatchObject({ code: "BAD_REQUEST" });
    await put(1);
    await put(3);
    const done = await h.call(alice, "chat.blob.commit", { blobId });
    expect(done).toMatchObject({ committed: true, missing: [], chunks: 4 });
    expect(
      await h.refusal(alice, "chat.blob.put", {
        blobId,
        index: 0,
        data: Buffer.from(sealed[0]!).toString("base64url"),
      }),
    ).toMatchObject({ code: "CONFLICT" });
    const digest = new CiphertextDigest();
    for (const s of sealed) digest.update(s);
    expect(equalBytes(await download(bob, { blobId, key, sha256: digest.digest(), size: file.length }), file)).toBe(
      true,
    );
  });

  it("collects uploads never committed after the TTL and deletes a blob its uploader deletes", async () => {
    const store = await openObjectBlobStore(h.client, { bucket: "sealroom-blobs", replicas: 1 });
    const abandoned = await upload(alice, dm, fileOf(40 * 1024), false);
    const kept = await upload(alice, dm, fileOf(40 * 1024));
    await new Promise((r) => setTimeout(r, LIMITS.uploadTtlMs + 50));
    expect(await h.services[0]!.sweepBlobs()).toBeGreaterThanOrEqual(1);
    expect(await store.statChunk(abandoned.blobId, 0)).toBeUndefined();
    expect(await h.refusal(alice, "chat.blob.status", { blobId: abandoned.blobId })).toMatchObject({
      code: "NOT_FOUND",
    });
    expect((await h.call(bob, "chat.blob.status", { blobId: kept.blobId })).committed).toBe(true);
    await h.call(alice, "chat.blob.delete", { blobId: kept.blobId });
    expect(await store.statChunk(kept.blobId, 1)).toBeUndefined();
    expect(await h.refusal(bob, "chat.blob.get", { blobId: kept.blobId, index: 0 })).toMatchObject({
      code: "NOT_FOUND",
    });
  });
});

describe("an upload across a nats-server restart", () => {
  it("resumes: the chunks stored before the SIGKILL are still there, the rest follow, the file opens", async () => {
    const file = fileOf(5 * 32 * 1024 + 3);
    const key = newAttachmentKey();
    const sealer = await AttachmentSealer.create(key);
    const { blobId, chunks } = await h.call(alice, "chat.blob.start", {
      conversationId: dm,
      size: attachmentCipherSize(file.length),
    });
    const digest = new CiphertextDigest();
    const sealed: Uint8Array[] = [];
    for (let i = 0; i < chunks; i++) {
      const { start, end } = attachmentChunkRange(file.length, i);
      sealed.push(await sealer.seal(i, i === chunks - 1, file.subarray(start, end)));
      digest.update(sealed[i]!);
    }
    const put = (i: number) =>
      h.call(alice, "chat.blob.put", { blobId, index: i, data: Buffer.from(sealed[i]!).toString("base64url") });
    await put(0);
    await put(1);
    await h.nats.restart();
    // The clients reconnect by themselves; a command sent meanwhile may time out: the uploader retries.
    const retried = async (i: number) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await put(i);
        } catch (err) {
          if (attempt > 50) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    };
    await retried(2);
    expect((await h.call(alice, "chat.blob.status", { blobId })).missing).toEqual([3, 4, 5]);
    for (let i = 3; i < chunks; i++) await retried(i);
    await h.call(alice, "chat.blob.commit", { blobId });
    const got = await download(bob, { blobId, key, sha256: digest.digest(), size: file.length });
    expect(equalBytes(got, file)).toBe(true);
  });
});

describe("the lazily opened object store", () => {
  it("answers UNAVAILABLE while it cannot be opened, and opens on a later use", async () => {
    let attempts = 0;
    // A bucket name JetStream refuses, then a valid one: a store that was not there, then is.
    const store = lazyBlobStore(
      () => openObjectBlobStore(h.client, { bucket: attempts++ === 0 ? "not a bucket!" : "lazy-test", replicas: 1 }),
      { error: () => undefined },
    );
    await expect(store.putChunk("x".repeat(22), 0, new Uint8Array(16))).rejects.toMatchObject({ code: "UNAVAILABLE" });
    await store.putChunk("x".repeat(22), 0, new Uint8Array(16));
    expect(await store.statChunk("x".repeat(22), 0)).toBe(16);
    expect(attempts).toBe(2);
  });
});

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}
