/**
 * Attachments through the real stack (gateways, chat with JetStream's object store, auth, social,
 * NATS, SQLite or PostgreSQL), with the SDK's ChatStore on both sides: a file is sealed on the
 * sender's device, uploaded chunk by chunk over the encrypted session, announced by an encrypted
 * `attachment` message, and downloaded and opened by the other user; progress is reported, a
 * cancelled upload leaves nothing, deleting the message deletes the blob, and neither the file's
 * bytes, its name nor its caption reach NATS or the database. The server stores the padded size
 * (Padmé), not the file's; a thumbnail travels inside the message, and one that is invalid is left out.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { attachmentCipherSize, attachmentPaddedSize } from "@sealroom/e2e";
import { MemoryE2eStateStore, TransferCancelled, dmConversationId, type E2eTextEntry } from "@sealroom/sdk/node";
import type { Stack } from "./support/stack.js";
import { befriend, signUp } from "./social-helpers.js";
import { until } from "./support/chat.js";
import { e2eChatWorld, waitForDevices } from "./support/e2e-chat.js";

const world = e2eChatWorld();
const { plaintexts, withE2e, traffic } = world;
let stack: Stack;
beforeAll(() => {
  stack = world.stack;
});

/** Waits until the async `check` holds. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A file whose every KiB starts with `marker` (what must never be seen on the server side). */
function fileOf(size: number, marker: string): Uint8Array {
  const out = new Uint8Array(size);
  const m = new TextEncoder().encode(marker);
  for (let i = 0; i < size; i++) out[i] = i % 1024 < m.length ? m[i % 1024]! : (i * 13) & 0xff;
  return out;
}

async function pair() {
  const alice = withE2e(await signUp(stack, "ann", { gateway: 0 }), new MemoryE2eStateStore());
  const bob = withE2e(await signUp(stack, "ben", { gateway: 1 }), new MemoryE2eStateStore());
  await befriend(alice, bob);
  for (const c of [alice, bob]) await c.chat.e2e?.deviceReady();
  await waitForDevices(alice, [alice.user.id, bob.user.id], 2);
  return { alice, bob, dm: dmConversationId(alice.user.id, bob.user.id) };
}

describe("attachments end to end", () => {
  test("a file goes up sealed, shows as an attachment on both sides, and downloads to the same bytes", async () => {
    const { alice, bob, dm } = await pair();
    const marker = "attachment-plaintext-marker-4f1c";
    const file = fileOf(200 * 1024 + 17, marker);
    const progress: number[] = [];
    plaintexts.push("holiday-photo-name.png", "the caption of the photo");
    const ack = await alice.chat.sendAttachment(
      dm,
      file,
      { name: "holiday-photo-name.png", mime: "image/png", caption: "the caption of the photo" },
      { onProgress: (done) => progress.push(done) },
    );
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(file.length);
    const shown = (e: E2eTextEntry | undefined) => e?.attachment?.name === "holiday-photo-name.png";
    await until(
      () => shown(bob.at(dm, ack.seq)) && shown(alice.at(dm, ack.seq)),
      "the attachment on both sides",
      20_000,
    );
    const entry = bob.at(dm, ack.seq)!;
    expect(entry.text).toBe("the caption of the photo");
    expect(entry.attachment).toMatchObject({ mime: "image/png", size: file.length });
    const got = await bob.chat.downloadAttachment(entry.attachment!);
    expect(Buffer.compare(got, file)).toBe(0);
    // The server holds the padded file's sealed size, not the file's; the real size is in the message.
    const padded = attachmentPaddedSize(file.length);
    expect(padded).toBeGreaterThan(file.length);
    expect(entry.attachment!.paddedSize).toBe(padded);
    const row = await stack.db.blob.findUnique({ where: { id: entry.attachment!.blobId } });
    expect(Number(row!.size)).toBe(attachmentCipherSize(padded));

    // What went over NATS (the chunks, as base64url in commands) and what the database holds: no plaintext.
    const needle = Buffer.from(marker).toString("latin1");
    for (const published of traffic) expect(published).not.toContain(needle);
    await world.expectNoPlaintext(1);

    // Deleting the message deletes the blob: the other side can no longer fetch it.
    await alice.chat.delete(dm, ack.seq);
    await until(() => bob.at(dm, ack.seq)?.deletedTs != null, "the delete", 20_000);
    expect(bob.at(dm, ack.seq)?.attachment).toBeUndefined();
    await eventually(
      async () => (await stack.db.blob.count({ where: { id: entry.attachment!.blobId } })) === 0,
      "the blob deleted",
      10_000,
    );
    await expect(bob.chat.downloadAttachment(entry.attachment!)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  test("a thumbnail travels inside the message; an invalid one is left out, the file still sent", async () => {
    const { alice, bob, dm } = await pair();
    const jpeg = Buffer.alloc(600, 7);
    jpeg.set([0xff, 0xd8, 0xff, 0xe0]);
    const thumb = { mime: "image/jpeg", width: 64, height: 48, data: jpeg.toString("base64url") } as const;
    const ok = await alice.chat.sendAttachment(dm, fileOf(5000, "thumb"), { name: "a.jpg", mime: "image/jpeg", thumb });
    const bad = await alice.chat.sendAttachment(dm, fileOf(5000, "thumb"), {
      name: "b.jpg",
      mime: "image/jpeg",
      thumb: { ...thumb, mime: "image/webp" }, // JPEG bytes named WebP
    });
    await until(() => bob.at(dm, bad.seq)?.attachment !== undefined, "both files", 20_000);
    expect(bob.at(dm, ok.seq)!.attachment!.thumb).toEqual(thumb);
    expect(bob.at(dm, bad.seq)!.attachment!.thumb).toBeUndefined();
  });

  test("a 0-byte file round-trips; a cancelled upload leaves no blob behind", async () => {
    const { alice, bob, dm } = await pair();
    const ack = await alice.chat.sendAttachment(dm, new Uint8Array(0), { name: "empty.txt", mime: "text/plain" });
    await until(() => bob.at(dm, ack.seq)?.attachment !== undefined, "the empty file", 20_000);
    const empty = bob.at(dm, ack.seq)!.attachment!;
    expect((await bob.chat.downloadAttachment(empty)).length).toBe(0);
    // A message naming the blob with another hash or key (a forged or mixed-up one) is refused.
    await expect(bob.chat.downloadAttachment({ ...empty, sha256: "A".repeat(43) })).rejects.toMatchObject({
      code: "attachment_corrupt",
    });
    await expect(bob.chat.downloadAttachment({ ...empty, key: "B".repeat(43) })).rejects.toMatchObject({
      code: "attachment_corrupt",
    });

    const controller = new AbortController();
    const sending = alice.chat.sendAttachment(
      dm,
      fileOf(400 * 1024, "cancelled"),
      { name: "big.bin", mime: "application/octet-stream" },
      { signal: controller.signal, onProgress: (done) => done > 64 * 1024 && controller.abort() },
    );
    await expect(sending).rejects.toBeInstanceOf(TransferCancelled);
    await eventually(
      async () => (await stack.db.blob.count({ where: { uploaderId: alice.user.id, committedMs: null } })) === 0,
      "the cancelled upload deleted",
      10_000,
    );
  });
});
