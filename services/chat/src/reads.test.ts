import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dmConversationId, groupConversationId } from "@sealroom/proto/chat";
import { setup, type Harness } from "./test/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await setup({ config: { typingIntervalMs: 300 } });
});
afterAll(async () => {
  await h?.teardown();
});

let n = 0;
const send = (userId: number, conversationId: string, text: string) =>
  h.call(userId, "chat.send", { conversationId, clientMsgId: `r-${++n}`, text });

async function pair() {
  const a = await h.seed.user();
  const b = await h.seed.user();
  await h.seed.friends(a, b);
  return { a, b, dm: dmConversationId(a, b) };
}

describe("history", () => {
  it("pages backwards, each page ascending, default 50 and at most 200", async () => {
    const { a, dm } = await pair();
    for (let i = 1; i <= 120; i++) await send(a, dm, `m${i}`);
    const newest = await h.call(a, "chat.history", { conversationId: dm });
    expect(newest.entries.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 71 + i));
    const older = await h.call(a, "chat.history", { conversationId: dm, beforeSeq: 71, limit: 60 });
    expect(older.entries.map((e) => e.seq)).toEqual(Array.from({ length: 60 }, (_, i) => 11 + i));
    const oldest = await h.call(a, "chat.history", { conversationId: dm, beforeSeq: 11, limit: 200 });
    expect(oldest.entries.map((e) => e.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 1 + i));
    expect((await h.refusal(a, "chat.history", { conversationId: dm, limit: 201 }))?.code).toBe("BAD_REQUEST");
    expect(newest.lastSeq).toBe(120);
  });

  it("a DM nobody wrote in yet reads as empty to its participants only", async () => {
    const { a, b, dm } = await pair();
    expect(await h.call(b, "chat.history", { conversationId: dm })).toEqual({
      conversationId: dm,
      entries: [],
      lastSeq: 0,
      visibleFromSeq: 0,
      truncated: false,
    });
    const outsider = await h.seed.user();
    expect((await h.refusal(outsider, "chat.sync", { conversationId: dm, afterSeq: 0 }))?.code).toBe("NOT_FOUND");
    expect(a).toBeGreaterThan(0);
  });
});

describe("people", () => {
  it("a page names each sender of its entries once, only those; a summary names its last entry's sender", async () => {
    const { a, b, dm } = await pair();
    await send(a, dm, "one");
    await send(a, dm, "two");
    const names = (ids: number[]) => ids.map((id) => ({ id, username: expect.any(String) }));
    const onlyA = await h.call(b, "chat.sync", { conversationId: dm, afterSeq: 0 });
    expect(onlyA.people).toEqual(names([a]));
    await send(b, dm, "three");
    const both = await h.call(a, "chat.history", { conversationId: dm });
    expect(both.people).toEqual(names([a, b]));
    // A page of b's message alone names b only.
    expect((await h.call(a, "chat.sync", { conversationId: dm, afterSeq: 2 })).people).toEqual(names([b]));
    const list = await h.call(a, "chat.conversations", {});
    expect(list.conversations.find((c) => c.conversationId === dm)?.people).toEqual(names([b]));
  });
});

describe("edit and delete", () => {
  it("edits and deletes own messages: log entries carried by sync and live events, current text in history", async () => {
    const { a, b, dm } = await pair();
    const m1 = await send(a, dm, "helo");
    const m2 = await send(a, dm, "oops");
    const edit = await h.call(a, "chat.edit", { conversationId: dm, seq: m1.seq, text: "hello" });
    expect(edit).toMatchObject({ seq: 3, targetSeq: 1 });
    const del = await h.call(a, "chat.delete", { conversationId: dm, seq: m2.seq });
    expect(del).toMatchObject({ seq: 4, targetSeq: 2 });

    const history = await h.call(b, "chat.history", { conversationId: dm });
    expect(history.entries).toMatchObject([
      { seq: 1, kind: "text", text: "hello", deletedTs: null },
      { seq: 2, kind: "text", text: "", deletedTs: expect.any(Number) },
      { seq: 3, kind: "edit", targetSeq: 1, text: "hello" },
      { seq: 4, kind: "delete", targetSeq: 2 },
    ]);
    expect(history.entries[0]).toHaveProperty("editedTs", expect.any(Number));
    await h.until(
      () => h.events(b, "chat.message.updated.v1").filter((e) => e.entry.conversationId === dm).length === 2,
    );
    expect(
      h
        .events(b, "chat.message.updated.v1")
        .filter((e) => e.entry.conversationId === dm)
        .map((e) => e.entry),
    ).toMatchObject([
      { kind: "edit", seq: 3, targetSeq: 1, text: "hello" },
      { kind: "delete", seq: 4, targetSeq: 2 },
    ]);
    // The deleted text is gone from the database too.
    expect(await h.db.message.count({ where: { body: "oops" } })).toBe(0);
  });

  it("refuses others' messages, deleted ones, unknown seqs and system entries", async () => {
    const { a, b, dm } = await pair();
    const m = await send(a, dm, "mine");
    expect((await h.refusal(b, "chat.edit", { conversationId: dm, seq: m.seq, text: "theirs" }))?.code).toBe(
      "FORBIDDEN",
    );
    expect((await h.refusal(b, "chat.delete", { conversationId: dm, seq: m.seq }))?.code).toBe("FORBIDDEN");
    expect((await h.refusal(a, "chat.edit", { conversationId: dm, seq: 99, text: "x" }))?.code).toBe("NOT_FOUND");
    expect((await h.refusal(a, "chat.edit", { conversationId: dm, seq: m.seq, text: " " }))?.code).toBe("BAD_REQUEST");
    await h.call(a, "chat.delete", { conversationId: dm, seq: m.seq });
    expect((await h.refusal(a, "chat.delete", { conversationId: dm, seq: m.seq }))?.code).toBe("CONFLICT");
    expect((await h.refusal(a, "chat.edit", { conversationId: dm, seq: m.seq, text: "back" }))?.code).toBe("CONFLICT");
    const owner = await h.seed.user();
    const groupId = await h.seed.group(owner);
    await h.services[0]!.catchUpTimeline();
    expect(
      (await h.refusal(owner, "chat.edit", { conversationId: groupConversationId(groupId), seq: 1, text: "x" }))?.code,
    ).toBe("FORBIDDEN");
  });

  it("after a block the author may still delete but not edit", async () => {
    const { a, b, dm } = await pair();
    const m = await send(a, dm, "regret");
    await h.seed.block(b, a);
    expect((await h.refusal(a, "chat.edit", { conversationId: dm, seq: m.seq, text: "x" }))?.code).toBe("FORBIDDEN");
    expect((await h.call(a, "chat.delete", { conversationId: dm, seq: m.seq })).targetSeq).toBe(m.seq);
  });
});

describe("conversations, unread counts and receipts", () => {
  it("lists DMs and groups by last activity with previews and unread counts", async () => {
    const me = await h.seed.user();
    const f1 = await h.seed.user("friend_one");
    const f2 = await h.seed.user();
    await h.seed.friends(me, f1);
    await h.seed.friends(me, f2);
    const groupId = await h.seed.group(f2, [me], "Book club");
    await h.services[0]!.catchUpTimeline();
    await send(f1, dmConversationId(me, f1), "first");
    await send(f1, dmConversationId(me, f1), "second");
    await send(me, dmConversationId(me, f1), "mine do not count");
    // Activity is compared in whole milliseconds (ties by id): make the group's news strictly later.
    await new Promise((r) => setTimeout(r, 5));
    await send(f2, groupConversationId(groupId), "group news");

    const { conversations } = await h.call(me, "chat.conversations", {});
    expect(conversations.map((c) => c.conversationId)).toEqual([
      groupConversationId(groupId),
      dmConversationId(me, f1),
    ]);
    const [group, dm] = conversations;
    expect(group).toMatchObject({
      kind: "group",
      group: { id: groupId, name: "Book club", disbanded: false },
      peer: null,
    });
    expect(group?.last).toMatchObject({ kind: "text", text: "group news" });
    // The join entry is not a message: unread counts text from others only.
    expect(group?.read.unread).toBe(1);
    expect(dm).toMatchObject({
      peer: { id: f1, username: "friend_one" },
      lastSeq: 3,
      read: { readSeq: 0, unread: 2, countedSeq: 3 },
    });
  });

  it("markRead moves forward only, tells the reader's devices and the DM partner, and receipts show it", async () => {
    const { a, b, dm } = await pair();
    for (let i = 0; i < 4; i++) await send(a, dm, `m${i}`);
    const r1 = await h.call(b, "chat.markRead", { conversationId: dm, seq: 3 });
    expect(r1.read).toEqual({ readSeq: 3, unread: 1, countedSeq: 4 });
    const back = await h.call(b, "chat.markRead", { conversationId: dm, seq: 1 });
    expect(back.read.readSeq).toBe(3);
    const clamped = await h.call(b, "chat.markRead", { conversationId: dm, seq: 1000 });
    expect(clamped.read).toEqual({ readSeq: 4, unread: 0, countedSeq: 4 });
    await h.until(() => h.events(a, "chat.read.v1").filter((e) => e.conversationId === dm).length === 2);
    expect(h.events(a, "chat.read.v1").filter((e) => e.conversationId === dm)).toEqual([
      { conversationId: dm, userId: b, readSeq: 3 },
      { conversationId: dm, userId: b, readSeq: 4 },
    ]);
    await h.until(() => h.events(b, "chat.read.v1").filter((e) => e.conversationId === dm).length === 2);
    expect(h.events(b, "chat.read.v1").filter((e) => e.conversationId === dm)[1]).toEqual({
      conversationId: dm,
      userId: b,
      readSeq: 4,
      read: clamped.read,
    });
    expect((await h.call(a, "chat.receipts", { conversationId: dm })).receipts).toEqual([
      { userId: Math.min(a, b), readSeq: a < b ? 0 : 4 },
      { userId: Math.max(a, b), readSeq: a < b ? 4 : 0 },
    ]);
    const listed = (await h.call(b, "chat.conversations", {})).conversations.find((c) => c.conversationId === dm);
    expect(listed?.read).toEqual({ readSeq: 4, unread: 0, countedSeq: 4 });
  });

  it("group receipts list every current member's pointer", async () => {
    const owner = await h.seed.user();
    const m1 = await h.seed.user();
    const m2 = await h.seed.user();
    const groupId = await h.seed.group(owner, [m1, m2]);
    const conv = groupConversationId(groupId);
    await h.services[0]!.catchUpTimeline();
    const sent = await send(owner, conv, "read me");
    await h.call(m1, "chat.markRead", { conversationId: conv, seq: sent.seq });
    const { receipts } = await h.call(m2, "chat.receipts", { conversationId: conv });
    expect(receipts).toEqual([
      { userId: owner, readSeq: 0 },
      { userId: m1, readSeq: sent.seq },
      { userId: m2, readSeq: 0 },
    ]);
    await h.until(() => h.events(m2, "chat.read.v1").some((e) => e.conversationId === conv && e.userId === m1));
  });
});

describe("typing", () => {
  it("is forwarded to the others at most once per interval, never stored, and only by those who may post", async () => {
    const { a, b, dm } = await pair();
    const before = await h.db.message.count();
    for (let i = 0; i < 5; i++) expect(await h.call(a, "chat.typing", { conversationId: dm })).toEqual({});
    await h.until(() => h.events(b, "typing.started.v1").some((e) => e.conversationId === dm));
    await new Promise((r) => setTimeout(r, 100));
    expect(h.events(b, "typing.started.v1").filter((e) => e.conversationId === dm)).toHaveLength(1);
    expect(h.events(a, "typing.started.v1").filter((e) => e.conversationId === dm)).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 300));
    await h.call(a, "chat.typing", { conversationId: dm });
    await h.until(() => h.events(b, "typing.started.v1").filter((e) => e.conversationId === dm).length === 2);
    expect(await h.db.message.count()).toBe(before);
    const stranger = await h.seed.user();
    expect((await h.refusal(stranger, "chat.typing", { conversationId: dmConversationId(a, stranger) }))?.code).toBe(
      "FORBIDDEN",
    );
  });
});
