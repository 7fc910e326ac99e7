/**
 * The outside review's item 1 end to end: one friend posting maximal messages (4,000 emoji, 16 KB
 * each) must not break catch-up. A page of 200 such entries is 3 MB, over NATS's 1 MiB
 * max_payload; the service cuts pages at CHAT_LIMITS.replyBytesMax and says so, and the SDK's
 * ChatStore follows until done. Real gateways, NATS, SQLite and services.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CHAT_LIMITS, dmConversationId, groupConversationId, type Entry } from "@sealroom/sdk/node";
import { startStack, type Stack } from "./support/stack.js";
import { SOCIAL_STACK, device } from "./social-helpers.js";
import { attach, befriend, chatter, range, until } from "./support/chat.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gateways: 1, ...SOCIAL_STACK });
});
afterAll(async () => {
  await stack?.stop();
});

/** 4,000 code points of 4 UTF-8 bytes each: the largest text a message may have. */
const MAXIMAL = "😀".repeat(CHAT_LIMITS.textMax);
const seqsOf = (entries: Entry[]) => entries.map((e) => e.seq);

describe("maximal messages", () => {
  test("a reader offline while a friend posts 70 maximal messages catches up through pages that end early", async () => {
    const sender = await chatter(stack, "max");
    const reader = await chatter(stack, "mia");
    await befriend(sender, reader);
    const dm = dmConversationId(sender.user.id, reader.user.id);
    await sender.chat.send(dm, "hello");
    await until(() => reader.streamOf(dm).length === 1, "first message");
    reader.client.close();
    for (let i = 0; i < 70; i++) await sender.chat.send(dm, MAXIMAL);
    await reader.client.connect();
    await until(() => reader.streamOf(dm).length === 71, "the 70 maximal messages", 20_000);
    await reader.chat.whenUpToDate();
    expect(seqsOf(reader.streamOf(dm))).toEqual(range(1, 71));
    expect(
      reader.chat
        .getSnapshot()
        .byId[dm]!.entries.slice(1)
        .every((e) => e.kind === "text" && e.text === MAXIMAL),
    ).toBe(true);
    // History at the SDK's largest page size answers too (newest entries, the page cut short).
    const page = await reader.client.request("chat.history", { conversationId: dm, limit: CHAT_LIMITS.pageMax });
    expect(page.truncated).toBe(true);
    expect(page.entries.at(-1)?.seq).toBe(71);
  });

  test("against a NATS max_payload below the page bound, the SDK asks again for fewer entries (REPLY_TOO_LARGE) and catches up", async () => {
    const small = await startStack({ gateways: 1, ...SOCIAL_STACK, natsMaxPayload: 256 * 1024 });
    try {
      const sender = await chatter(small, "sal");
      const reader = await chatter(small, "ria");
      await befriend(sender, reader);
      const dm = dmConversationId(sender.user.id, reader.user.id);
      await sender.chat.send(dm, "hello");
      await until(() => reader.streamOf(dm).length === 1, "first message");
      reader.client.close();
      for (let i = 0; i < 40; i++) await sender.chat.send(dm, MAXIMAL);
      // What the SDK meets: a full page cannot be sent through this server.
      const refused = await sender.client.call("chat.sync", {
        conversationId: dm,
        afterSeq: 0,
        limit: CHAT_LIMITS.pageMax,
      });
      expect(refused).toMatchObject({ ok: false, error: { code: "REPLY_TOO_LARGE" } });
      await reader.client.connect();
      await until(() => reader.streamOf(dm).length === 41, "the 40 maximal messages", 20_000);
      expect(seqsOf(reader.streamOf(dm))).toEqual(range(1, 41));
    } finally {
      await small.stop();
    }
  });

  test("a fresh device of a member of 80 groups with maximal last messages lists every one of them", async () => {
    const me = await chatter(stack, "gus");
    // Seeded in the database as the social and chat services store it (80 groups through the
    // social commands would take most of the sign-up budget and minutes).
    const groups: string[] = [];
    const now = Date.now();
    for (let i = 0; i < 80; i++) {
      const group = await stack.db.group.create({ data: { name: `club ${i}`, ownerId: me.user.id } });
      await stack.db.groupMember.create({
        data: { groupId: group.id, userId: me.user.id, role: "owner", joinedSeq: 0 },
      });
      const key = groupConversationId(group.id);
      const conv = await stack.db.conversation.create({
        data: { key, kind: "group", groupId: group.id, lastSeq: 1, lastActivityMs: now + i },
      });
      await stack.db.message.create({
        data: {
          conversationId: conv.id,
          seq: 1,
          kind: "text",
          senderId: me.user.id,
          clientMsgId: `seed-${i}`,
          body: MAXIMAL,
          createdMs: now + i,
        },
      });
      groups.push(key);
    }
    const fresh = attach(await device(stack, me, 0));
    await until(() => fresh.chat.syncStatus === "up-to-date", "catch-up", 15_000);
    const listed = fresh.chat.getSnapshot().conversations.map((c) => c.conversationId);
    expect(listed.filter((id) => id.startsWith("group:")).sort()).toEqual([...groups].sort());
    expect(fresh.chat.getSnapshot().byId[groups[0]!]!.entries.map((e) => e.seq)).toEqual([1]);
  });
});
