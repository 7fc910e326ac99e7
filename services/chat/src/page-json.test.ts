/**
 * pageJson: a page's reply text with its entries serialized once (pages.ts). It must be exactly
 * JSON.stringify's text, whatever the entries hold: text that looks like the page's own keys,
 * quotes, escapes and emoji, edits, deletions, system entries, several senders, both orders.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSql, type SqlDb } from "@sealroom/db/sql";
import { CHAT_LIMITS, dmConversationId, groupConversationId } from "@sealroom/proto/chat";
import { createLogger } from "@sealroom/runtime";
import { createPages, pageJson, type Pages } from "./pages.js";
import { setup, type Harness } from "./test/harness.js";

let h: Harness;
let db: SqlDb;
let pages: Pages;
beforeAll(async () => {
  h = await setup();
  db = openSql(h.database.url);
  pages = createPages({ db, log: createLogger({ service: "chat", level: "silent" }), clock: () => Date.now() });
});
afterAll(async () => {
  await db?.close();
  await h?.teardown();
});

const AWKWARD = [
  '"entries":[]',
  '{"entries":[],"people":[{"id":1}]}',
  'a "quote", a \\ backslash, \\"entries\\":[] and é 👩‍👩‍👧',
  "😀".repeat(40),
  "plain",
];
let n = 0;

describe("pageJson", () => {
  it("is JSON.stringify's text for history and sync pages of every kind of entry", async () => {
    const [a, b, c] = [await h.seed.user(), await h.seed.user(), await h.seed.user()];
    await h.seed.friends(a, b);
    const dm = dmConversationId(a, b);
    const groupId = await h.seed.group(a, [b, c]);
    const group = groupConversationId(groupId);
    for (const conversationId of [dm, group])
      for (const [i, text] of AWKWARD.entries()) {
        const from = [a, b, c][i % (conversationId === dm ? 2 : 3)]!;
        const { seq } = await h.call(from, "chat.send", { conversationId, clientMsgId: `pj-${++n}`, text });
        if (i === 1) await h.call(from, "chat.edit", { conversationId, seq, text: '"entries":[] edited' });
        if (i === 3) await h.call(from, "chat.delete", { conversationId, seq });
      }
    let compared = 0;
    for (const conversationId of [dm, group]) {
      for (const limit of [1, 3, CHAT_LIMITS.pageMax]) {
        const read = [
          await pages.history(a, conversationId, undefined, limit),
          await pages.history(a, conversationId, 4, limit),
          await pages.sync(b, conversationId, 0, limit),
          await pages.sync(b, conversationId, 2, limit),
        ];
        for (const page of read) {
          expect(page.entries.length).toBeGreaterThan(0);
          expect(pageJson(page)).toBe(JSON.stringify(page));
          compared++;
        }
      }
    }
    expect(compared).toBe(24);
    // An empty page (after the last entry) and a conversation with nothing in it.
    const empty = await pages.sync(a, dm, 1_000, 10);
    expect(pageJson(empty)).toBe(JSON.stringify(empty));
    const none = await pages.history(c, dmConversationId(c, b), undefined, 10).catch(() => undefined);
    if (none) expect(pageJson(none)).toBe(JSON.stringify(none));
  });

  it("serializes a page changed after it was read, and any other value, as JSON.stringify does", async () => {
    const [a, b] = [await h.seed.user(), await h.seed.user()];
    await h.seed.friends(a, b);
    const dm = dmConversationId(a, b);
    for (let i = 0; i < 3; i++)
      await h.call(a, "chat.send", { conversationId: dm, clientMsgId: `pj-${++n}`, text: `m${i}` });
    const page = await pages.history(a, dm, undefined, 10);
    page.entries.pop();
    expect(pageJson(page)).toBe(JSON.stringify(page));
    const list = await pages.conversations(a, undefined);
    expect(pageJson(list)).toBe(JSON.stringify(list));
    expect(pageJson(null)).toBe("null");
  });
});
