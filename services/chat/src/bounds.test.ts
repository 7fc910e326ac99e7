/**
 * Replies are bounded in bytes as well as entries: NATS refuses a message above its max_payload
 * (1 MiB), and a reply it refuses never reaches the caller. Real oversized content: maximal
 * messages of 4,000 emoji (16 KB of UTF-8 each).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHAT_LIMITS, dmConversationId, groupConversationId, type Entry } from "@sealroom/proto/chat";
import { setup, type Harness } from "./test/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await setup({ config: { timelinePollMs: 60_000 } });
});
afterAll(async () => {
  await h?.teardown();
});

/** 4,000 code points of 4 UTF-8 bytes each: the largest text a message may have. */
const MAXIMAL = "😀".repeat(CHAT_LIMITS.textMax);
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
let n = 0;

describe("replies bounded in bytes", () => {
  it("sync and history of 70 maximal messages answer pages that end early, say so, and together hold every entry", async () => {
    const a = await h.seed.user();
    const b = await h.seed.user();
    await h.seed.friends(a, b);
    const dm = dmConversationId(a, b);
    for (let i = 0; i < 70; i++)
      await h.call(a, "chat.send", { conversationId: dm, clientMsgId: `big-${++n}`, text: MAXIMAL });

    const synced: Entry[] = [];
    let truncatedPages = 0;
    for (let after = 0; ;) {
      const page = await h.call(b, "chat.sync", { conversationId: dm, afterSeq: after, limit: CHAT_LIMITS.pageMax });
      expect(bytes(page)).toBeLessThanOrEqual(CHAT_LIMITS.replyBytesMax);
      if (page.truncated) truncatedPages++;
      synced.push(...page.entries);
      if (page.entries.length === 0 || page.entries.at(-1)!.seq >= page.lastSeq) break;
      after = page.entries.at(-1)!.seq;
    }
    expect(truncatedPages).toBeGreaterThan(0);
    expect(synced.map((e) => e.seq)).toEqual(Array.from({ length: 70 }, (_, i) => i + 1));
    expect(synced.every((e) => e.kind === "text" && e.text === MAXIMAL)).toBe(true);

    const newest = await h.call(b, "chat.history", { conversationId: dm, limit: CHAT_LIMITS.pageMax });
    expect(newest.truncated).toBe(true);
    expect(bytes(newest)).toBeLessThanOrEqual(CHAT_LIMITS.replyBytesMax);
    // The newest entries, contiguous up to the last one: the page ends early at its old end.
    expect(newest.entries.at(-1)?.seq).toBe(70);
    expect(newest.entries.map((e) => e.seq)).toEqual(
      Array.from({ length: newest.entries.length }, (_, i) => 71 - newest.entries.length + i),
    );
    const older = await h.call(b, "chat.history", {
      conversationId: dm,
      beforeSeq: newest.entries[0]!.seq,
      limit: CHAT_LIMITS.pageMax,
    });
    expect(older.entries.at(-1)?.seq).toBe(newest.entries[0]!.seq - 1);
    // A page with room for everything asked for is not truncated.
    expect((await h.call(b, "chat.sync", { conversationId: dm, afterSeq: 60, limit: 5 })).truncated).toBe(false);
  });

  it("the conversation list of a member of 80 groups with maximal last messages answers in pages that say so", async () => {
    const me = await h.seed.user();
    const owner = await h.seed.user();
    const groups: string[] = [];
    for (let i = 0; i < 80; i++) groups.push(groupConversationId(await h.seed.group(owner, [me], `g${i}`)));
    await h.services[0]!.catchUpTimeline();
    for (const conversationId of groups)
      await h.call(owner, "chat.send", { conversationId, clientMsgId: `last-${++n}`, text: MAXIMAL });

    const listed: string[] = [];
    let pages = 0;
    let after: { lastActivityTs: number; conversationId: string } | undefined;
    for (;;) {
      const reply = await h.call(me, "chat.conversations", after ? { after } : {});
      pages++;
      expect(bytes(reply)).toBeLessThanOrEqual(CHAT_LIMITS.replyBytesMax);
      listed.push(...reply.conversations.map((c) => c.conversationId));
      const last = reply.conversations.at(-1);
      if (!reply.more || !last) break;
      after = { lastActivityTs: last.lastActivityTs, conversationId: last.conversationId };
    }
    expect(pages).toBeGreaterThan(1);
    expect([...listed].sort()).toEqual([...groups].sort());
  });
});
