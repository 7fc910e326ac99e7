/**
 * The outside review's finding 9, chat side: in a group both users share, neither side of a block
 * learns the other's read pointer, read events or typing (as in a DM and for presence).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupConversationId } from "@sealroom/proto/chat";
import { setup, type Harness } from "./test/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await setup({ config: { typingIntervalMs: 50 } });
});
afterAll(async () => {
  await h?.teardown();
});

let n = 0;
const send = (userId: number, conversationId: string, text: string) =>
  h.call(userId, "chat.send", { conversationId, clientMsgId: `gb-${++n}`, text });

describe("a block in a shared group", () => {
  it("hides the blocker's read pointer, read and typing events from the blocked user, and the other way round", async () => {
    const blocker = await h.seed.user();
    const blocked = await h.seed.user();
    const other = await h.seed.user();
    const groupId = await h.seed.group(blocker, [blocked, other]);
    const conv = groupConversationId(groupId);
    await h.services[0]!.catchUpTimeline();
    await h.seed.block(blocker, blocked);
    const sent = await send(other, conv, "hello all");

    await h.call(blocker, "chat.markRead", { conversationId: conv, seq: sent.seq });
    await h.call(blocker, "chat.typing", { conversationId: conv });
    await h.call(blocked, "chat.markRead", { conversationId: conv, seq: sent.seq });
    await h.call(blocked, "chat.typing", { conversationId: conv });
    // The third member sees both; that they arrived means the fan-out is done.
    await h.until(
      () => h.events(other, "chat.read.v1").filter((e) => e.conversationId === conv).length === 2,
      5000,
      "reads to other",
    );
    await h.until(
      () => h.events(other, "typing.started.v1").filter((e) => e.conversationId === conv).length === 2,
      5000,
      "typing to other",
    );

    const about = (events: Array<{ conversationId: string; userId?: number; user?: { id: number } }>, id: number) =>
      events.filter((e) => e.conversationId === conv && (e.userId ?? e.user?.id) === id);
    expect(about(h.events(blocked, "chat.read.v1"), blocker)).toEqual([]);
    expect(about(h.events(blocked, "typing.started.v1"), blocker)).toEqual([]);
    expect(about(h.events(blocker, "chat.read.v1"), blocked)).toEqual([]);
    expect(about(h.events(blocker, "typing.started.v1"), blocked)).toEqual([]);

    const seen = async (viewer: number) =>
      (await h.call(viewer, "chat.receipts", { conversationId: conv })).receipts.map((r) => r.userId);
    expect(await seen(blocked)).toEqual([blocked, other].sort((x, y) => x - y));
    expect(await seen(blocker)).toEqual([blocker, other].sort((x, y) => x - y));
    expect(await seen(other)).toEqual([blocker, blocked, other].sort((x, y) => x - y));
  });
});
