/**
 * The history archive (chat.backup.put, .get and .delete) with real MLS entries: a user stores
 * sealed entries at application messages they can see, once, and reads back only their own;
 * anything else (a seq that is no application message, one before their join, someone else's
 * conversation) is refused; the quota and the rate hold. Real nats-server and database (SQLite,
 * or PostgreSQL under the node-pg project).
 */
import { randomBytes } from "node:crypto";
import { groupConversationId } from "@sealroom/proto/chat";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setup, type Harness } from "./test/harness.js";
import { mlsKit } from "./test/mls.js";

/** Small, so that a few entries reach it. */
const QUOTA = 1000;

let h: Harness;
beforeAll(async () => {
  h = await setup({ config: { archiveQuotaBytes: QUOTA, backupRate: { perSec: 1, burst: 60 } } });
});
afterAll(() => h?.teardown());
const { cid, member, establish, join, sendText, sync, friends } = mlsKit(() => h);

/** A sealed entry of `size` random bytes (what a device's AES-GCM seal would look like to the server). */
const sealed = (size = 60) => randomBytes(size).toString("base64url");
const entry = (seq: number, size?: number) => ({ seq, keyVersion: 1, sealed: sealed(size) });

/**
 * A DM with a plaintext entry (seq 1), the commit that encrypts it (seq 2) and `apps` application
 * messages after (seq 3...).
 */
async function encryptedDm(apps = 3) {
  const { a, b, dm } = await friends();
  await h.call(a, "chat.send", { conversationId: dm, clientMsgId: cid(), text: "before encryption" });
  const alice = await member(a);
  const bob = await member(b);
  const { group } = await establish(dm, alice, [bob]);
  await join(bob);
  const appSeqs: number[] = [];
  for (let i = 0; i < apps; i++) appSeqs.push((await sendText(alice, group, dm, `message ${i}`)).seq);
  return { a, b, dm, appSeqs };
}

describe("chat.backup.put and chat.backup.get", () => {
  it("stores entries at application messages once, and gives back the caller's own in seq order", async () => {
    const { a, b, dm, appSeqs } = await encryptedDm();
    expect(appSeqs).toEqual([3, 4, 5]);
    const first = [entry(4), entry(3)];
    expect(await h.call(b, "chat.backup.put", { conversationId: dm, entries: first })).toEqual({ stored: 2 });
    // Again at 3 with other content, and 5 new: 3 stays as first stored.
    const again = [entry(3), { ...entry(5), keyVersion: 2 }];
    expect(await h.call(b, "chat.backup.put", { conversationId: dm, entries: again })).toEqual({ stored: 1 });
    const { entries } = await h.call(b, "chat.backup.get", { conversationId: dm, fromSeq: 1, toSeq: 10 });
    expect(entries).toEqual([first[1], first[0], again[1]]);
    expect((await h.call(b, "chat.backup.get", { conversationId: dm, fromSeq: 4, toSeq: 4 })).entries).toEqual([
      first[0],
    ]);
    // Alice's archive is her own: empty until she stores, and then hers alone.
    expect((await h.call(a, "chat.backup.get", { conversationId: dm, fromSeq: 1, toSeq: 10 })).entries).toEqual([]);
    const hers = entry(3);
    expect(await h.call(a, "chat.backup.put", { conversationId: dm, entries: [hers] })).toEqual({ stored: 1 });
    expect((await h.call(a, "chat.backup.get", { conversationId: dm, fromSeq: 3, toSeq: 3 })).entries).toEqual([hers]);
    expect((await h.call(b, "chat.backup.get", { conversationId: dm, fromSeq: 3, toSeq: 3 })).entries).toEqual([
      first[1],
    ]);
    // The bytes as sent, nothing else.
    const rows = await h.db.archiveEntry.findMany({ where: { userId: b }, orderBy: { seq: "asc" } });
    expect(rows.map((r) => Buffer.from(r.sealed).toString("base64url"))).toEqual(entries.map((e) => e.sealed));
  });

  it("refuses a seq that is not an application message of the conversation, naming it, and stores nothing", async () => {
    const { b, dm } = await encryptedDm(1);
    for (const seq of [1, 2, 4, 99]) {
      const err = await h.refusal(b, "chat.backup.put", { conversationId: dm, entries: [entry(3), entry(seq)] });
      expect(err?.code, `seq ${seq}`).toBe("BAD_REQUEST");
      expect(err?.message).toContain(`Seq ${seq} `);
    }
    const twice = await h.refusal(b, "chat.backup.put", { conversationId: dm, entries: [entry(3), entry(3)] });
    expect(twice?.code).toBe("BAD_REQUEST");
    // 28 bytes spell as 38 characters with 4 bits to spare: a spelling with them set decodes the same.
    const canonical = Buffer.alloc(28, 7).toString("base64url");
    const loose = `${canonical.slice(0, -1)}${String.fromCharCode(canonical.charCodeAt(37) + 1)}`;
    expect(Buffer.from(loose, "base64url").equals(Buffer.from(canonical, "base64url"))).toBe(true);
    const err = await h.refusal(b, "chat.backup.put", {
      conversationId: dm,
      entries: [{ seq: 3, keyVersion: 1, sealed: loose }],
    });
    expect(err).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("canonical") });
    for (const bad of ["A".repeat(37), "x+/=".repeat(10)]) {
      const refusal = await h.refusal(b, "chat.backup.put", {
        conversationId: dm,
        entries: [{ seq: 3, keyVersion: 1, sealed: bad }],
      });
      expect(refusal?.code).toBe("BAD_REQUEST");
    }
    expect(await h.db.archiveEntry.count({ where: { userId: b } })).toBe(0);
  });

  it("refuses the range bound, someone else's conversation and an anonymous caller", async () => {
    const { dm } = await encryptedDm(1);
    const eve = await h.seed.user();
    expect((await h.refusal(eve, "chat.backup.put", { conversationId: dm, entries: [entry(3)] }))?.code).toBe(
      "NOT_FOUND",
    );
    // Reading: only ever one's own rows, of which eve has none.
    expect((await h.call(eve, "chat.backup.get", { conversationId: dm, fromSeq: 1, toSeq: 9 })).entries).toEqual([]);
    const wide = await h.refusal(eve, "chat.backup.get", { conversationId: dm, fromSeq: 1, toSeq: 501 });
    expect(wide?.code).toBe("BAD_REQUEST");
    const backwards = await h.refusal(eve, "chat.backup.get", { conversationId: dm, fromSeq: 5, toSeq: 4 });
    expect(backwards?.code).toBe("BAD_REQUEST");
    expect((await h.refusal(undefined, "chat.backup.get", { conversationId: dm, fromSeq: 1, toSeq: 1 }))?.code).toBe(
      "NOT_AUTHENTICATED",
    );
    expect(await h.db.archiveEntry.count({ where: { userId: eve } })).toBe(0);
  });

  it("in a group, refuses what was said before the caller joined", async () => {
    const a = await h.seed.user();
    const b = await h.seed.user();
    const c = await h.seed.user();
    const groupId = await h.seed.group(a, [b]);
    const conversationId = groupConversationId(groupId);
    await h.services[0]?.catchUpTimeline();
    const alice = await member(a);
    const bob = await member(b);
    const { group } = await establish(conversationId, alice, [bob]);
    const { seq: before } = await sendText(alice, group, conversationId, "before carol");
    expect((await h.refusal(c, "chat.backup.put", { conversationId, entries: [entry(before)] }))?.code).toBe(
      "NOT_FOUND",
    );
    await h.seed.join(groupId, c);
    await h.services[0]?.catchUpTimeline();
    const { seq: after } = await sendText(alice, group, conversationId, "after carol");
    expect((await sync(c, conversationId)).map((e) => e.seq)).toContain(after);
    const err = await h.refusal(c, "chat.backup.put", { conversationId, entries: [entry(after), entry(before)] });
    expect(err).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining(`Seq ${before} `) });
    expect(await h.call(c, "chat.backup.put", { conversationId, entries: [entry(after)] })).toEqual({ stored: 1 });
    expect(await h.call(b, "chat.backup.put", { conversationId, entries: [entry(before)] })).toEqual({ stored: 1 });
  });

  it("of two devices storing the same seq at once, one entry stays", async () => {
    const { b, dm } = await encryptedDm(1);
    const puts = [entry(3), entry(3)].map((e) => h.call(b, "chat.backup.put", { conversationId: dm, entries: [e] }));
    const stored = (await Promise.all(puts)).map((r) => r.stored);
    expect(stored.sort()).toEqual([0, 1]);
    expect(await h.db.archiveEntry.count({ where: { userId: b } })).toBe(1);
  });

  it("holds the quota over the archive's bytes: a put beyond it stores nothing; a repeat costs nothing", async () => {
    const { b, dm } = await encryptedDm(3);
    expect(await h.call(b, "chat.backup.put", { conversationId: dm, entries: [entry(3, 400)] })).toEqual({ stored: 1 });
    const over = await h.refusal(b, "chat.backup.put", { conversationId: dm, entries: [entry(4, 400), entry(5, 400)] });
    expect(over?.code).toBe("QUOTA_EXCEEDED");
    expect(await h.db.archiveEntry.count({ where: { userId: b } })).toBe(1);
    expect(await h.call(b, "chat.backup.put", { conversationId: dm, entries: [entry(3, 400)] })).toEqual({ stored: 0 });
    expect(await h.call(b, "chat.backup.put", { conversationId: dm, entries: [entry(4, 400)] })).toEqual({ stored: 1 });
    expect(await h.db.archiveUsage.findUnique({ where: { userId: b } })).toMatchObject({ bytes: 800 });
  });

  it("charges each entry to the user's backup rate, before any query", async () => {
    const { b, dm } = await encryptedDm(1);
    const many = Array.from({ length: 50 }, (_, i) => entry(1000 + i, 28));
    expect((await h.refusal(b, "chat.backup.put", { conversationId: dm, entries: many }))?.code).toBe("BAD_REQUEST");
    const limited = await h.refusal(b, "chat.backup.put", {
      conversationId: dm,
      entries: Array.from({ length: 20 }, () => entry(3)).map((e, i) => ({ ...e, seq: 3 + i })),
    });
    expect(limited?.code).toBe("RATE_LIMITED");
    expect(limited?.retryAfterMs).toBeGreaterThan(0);
  });

  it("deletes the caller's own entries at these seqs, frees their bytes, and touches nobody else's", async () => {
    const { a, b, dm } = await encryptedDm(3);
    await h.call(b, "chat.backup.put", { conversationId: dm, entries: [entry(3, 100), entry(4, 100), entry(5, 100)] });
    await h.call(a, "chat.backup.put", { conversationId: dm, entries: [entry(4, 100)] });
    // 4 twice and 9 (nothing there) in one call: what was there is what is counted.
    expect(await h.call(b, "chat.backup.delete", { conversationId: dm, seqs: [4, 4, 9] })).toEqual({ deleted: 1 });
    const { entries } = await h.call(b, "chat.backup.get", { conversationId: dm, fromSeq: 1, toSeq: 10 });
    expect(entries.map((e) => e.seq)).toEqual([3, 5]);
    expect(await h.db.archiveUsage.findUnique({ where: { userId: b } })).toMatchObject({ bytes: 200 });
    expect((await h.call(a, "chat.backup.get", { conversationId: dm, fromSeq: 4, toSeq: 4 })).entries).toHaveLength(1);
    // Someone else's conversation, or one that does not exist, deletes nothing and says nothing.
    const eve = await h.seed.user();
    expect(await h.call(eve, "chat.backup.delete", { conversationId: dm, seqs: [3, 5] })).toEqual({ deleted: 0 });
    expect(await h.call(b, "chat.backup.delete", { conversationId: groupConversationId(999_999), seqs: [3] })).toEqual({
      deleted: 0,
    });
    expect(await h.db.archiveEntry.count({ where: { userId: b } })).toBe(2);
    const anon = await h.refusal(undefined, "chat.backup.delete", { conversationId: dm, seqs: [3] });
    expect(anon?.code).toBe("NOT_AUTHENTICATED");
  });
});
