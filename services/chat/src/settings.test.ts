/**
 * Conversation settings (chat.settings.set): stored per user, returned with the conversation list,
 * announced to the user's own devices only, cleared ("marked unread") by reading, and archive's
 * rule: back in the list when someone else writes, unless muted. Runs on both engines (node, node-pg).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dmConversationId, groupConversationId, NO_SETTINGS } from "@sealroom/proto/chat";
import { setup, type Harness } from "./test/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await setup();
});
afterAll(async () => {
  await h?.teardown();
});

let n = 0;
const send = (userId: number, conversationId: string, text: string) =>
  h.call(userId, "chat.send", { conversationId, clientMsgId: `s-${++n}`, text });

async function pair() {
  const a = await h.seed.user();
  const b = await h.seed.user();
  await h.seed.friends(a, b);
  return { a, b, dm: dmConversationId(a, b) };
}

async function listed(userId: number, conversationId: string) {
  const list = await h.call(userId, "chat.conversations", {});
  return list.conversations.find((c) => c.conversationId === conversationId);
}

describe("conversation settings", () => {
  it("are the caller's own: set in parts, listed with the conversation, announced to the caller's devices only", async () => {
    const { a, b, dm } = await pair();
    await send(b, dm, "hi");
    expect((await listed(a, dm))?.settings).toEqual(NO_SETTINGS);

    const until = Date.now() + 3_600_000;
    const muted = await h.call(a, "chat.settings.set", { conversationId: dm, muted: { until } });
    expect(muted.settings).toEqual({ ...NO_SETTINGS, muted: { until } });
    const pinned = await h.call(a, "chat.settings.set", { conversationId: dm, pinned: true });
    // The mute stays: only the fields given change.
    expect(pinned.settings).toEqual({ ...NO_SETTINGS, muted: { until }, pinned: true });
    expect((await listed(a, dm))?.settings).toEqual({ ...NO_SETTINGS, muted: { until }, pinned: true });
    // b's side is untouched, and b heard nothing of it.
    expect((await listed(b, dm))?.settings).toEqual(NO_SETTINGS);

    await h.until(() => h.events(a, "chat.settings.v1").length === 2, 5000, "settings events");
    expect(h.events(a, "chat.settings.v1").at(-1)).toEqual({ conversationId: dm, settings: pinned.settings });
    expect(h.events(b, "chat.settings.v1")).toEqual([]);

    const forever = await h.call(a, "chat.settings.set", { conversationId: dm, muted: { until: null }, pinned: false });
    expect(forever.settings).toEqual({ ...NO_SETTINGS, muted: { until: null } });
    const unmuted = await h.call(a, "chat.settings.set", { conversationId: dm, muted: null });
    expect(unmuted.settings).toEqual(NO_SETTINGS);
  });

  it("a DM nobody wrote in yet can be pinned; its summary carries the setting", async () => {
    const { a, b, dm } = await pair();
    await h.call(a, "chat.settings.set", { conversationId: dm, pinned: true });
    await send(a, dm, "first");
    expect((await listed(a, dm))?.settings?.pinned).toBe(true);
    expect((await listed(b, dm))?.settings?.pinned).toBe(false);
  });

  it("is refused for a conversation the caller may not read, and for a malformed body", async () => {
    const { dm } = await pair();
    const outsider = await h.seed.user();
    expect((await h.refusal(outsider, "chat.settings.set", { conversationId: dm, pinned: true }))?.code).toBe(
      "NOT_FOUND",
    );
    const { a } = await pair();
    const bad = { conversationId: dm, muted: { until: -5 } };
    expect((await h.refusal(a, "chat.settings.set", bad as never))?.code).toBe("BAD_REQUEST");
    expect((await h.refusal(undefined, "chat.settings.set", { conversationId: dm, pinned: true }))?.code).toBe(
      "NOT_AUTHENTICATED",
    );
  });

  it("a former group member may still archive the group's history", async () => {
    const owner = await h.seed.user();
    const member = await h.seed.user();
    const groupId = await h.seed.group(owner, [member]);
    const conv = groupConversationId(groupId);
    await send(owner, conv, "before");
    await h.seed.leave(groupId, member);
    await h.services[0]!.catchUpTimeline();
    // What social records of a member who left (the harness's leave only deletes the membership).
    const { lastSeq } = await h.db.conversation.findUniqueOrThrow({ where: { key: conv } });
    await h.db.formerMember.create({
      data: { groupId, userId: member, reason: "left", groupName: "Group", leftSeq: lastSeq, removedAt: new Date() },
    });
    const done = await h.call(member, "chat.settings.set", { conversationId: conv, archived: true });
    expect(done.settings.archived).toBe(true);
    // What is written after they left is not theirs, so it does not bring the group back.
    await send(owner, conv, "after");
    expect((await listed(member, conv))?.settings?.archived).toBe(true);
  });
});

describe("mark unread", () => {
  it("stays until the user reads the conversation, even with nothing new to read; reading announces it", async () => {
    const { a, b, dm } = await pair();
    const m = await send(b, dm, "read me later");
    await h.call(a, "chat.markRead", { conversationId: dm, seq: m.seq });
    await h.call(a, "chat.settings.set", { conversationId: dm, markedUnread: true });
    expect((await listed(a, dm))?.settings?.markedUnread).toBe(true);

    const before = h.events(a, "chat.settings.v1").length;
    // The pointer is at the end already: the read still clears the mark.
    await h.call(a, "chat.markRead", { conversationId: dm, seq: m.seq });
    expect((await listed(a, dm))?.settings?.markedUnread).toBe(false);
    await h.until(() => h.events(a, "chat.settings.v1").length === before + 1, 5000, "cleared event");
    expect(h.events(a, "chat.settings.v1").at(-1)?.settings.markedUnread).toBe(false);
    // Nothing to clear: no event.
    await h.call(a, "chat.markRead", { conversationId: dm, seq: m.seq });
    await send(b, dm, "ping");
    await h.until(() => h.events(a, "chat.message.created.v1").length > 0);
    expect(h.events(a, "chat.settings.v1").length).toBe(before + 1);
  });
});

describe("archive", () => {
  it("comes back when someone else writes; the user's own messages keep it archived", async () => {
    const { a, b, dm } = await pair();
    await send(b, dm, "hello");
    const archived = await h.call(a, "chat.settings.set", { conversationId: dm, archived: true });
    expect(archived.settings.archived).toBe(true);
    await send(a, dm, "my own words");
    expect((await listed(a, dm))?.settings?.archived).toBe(true);
    await send(b, dm, "are you there?");
    expect((await listed(a, dm))?.settings?.archived).toBe(false);
    // For good: reading the message does not archive it again.
    await h.call(a, "chat.markRead", { conversationId: dm, seq: 3 });
    expect((await listed(a, dm))?.settings?.archived).toBe(false);
    // Archived again from now on.
    expect((await h.call(a, "chat.settings.set", { conversationId: dm, archived: true })).settings.archived).toBe(true);
    expect((await listed(a, dm))?.settings?.archived).toBe(true);
  });

  it("a muted archived conversation stays archived while the mute lasts", async () => {
    const { a, b, dm } = await pair();
    await send(b, dm, "one");
    await h.call(a, "chat.settings.set", { conversationId: dm, archived: true, muted: { until: null } });
    await send(b, dm, "two");
    expect((await listed(a, dm))?.settings).toMatchObject({ archived: true, muted: { until: null } });
    // A mute that has ended no longer holds it: the message after the archiving brings it back.
    await h.call(a, "chat.settings.set", { conversationId: dm, muted: { until: Date.now() - 1000 } });
    expect((await listed(a, dm))?.settings?.archived).toBe(false);
  });

  it("unarchives on request", async () => {
    const { a, dm } = await pair();
    await send(a, dm, "hello");
    await h.call(a, "chat.settings.set", { conversationId: dm, archived: true });
    const back = await h.call(a, "chat.settings.set", { conversationId: dm, archived: false });
    expect(back.settings.archived).toBe(false);
    expect((await listed(a, dm))?.settings).toEqual(NO_SETTINGS);
  });
});
