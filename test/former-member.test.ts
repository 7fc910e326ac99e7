/**
 * The outside review's finding 15: a member who left or was kicked keeps reading the history of their
 * span (up to their departure), under the name the group had then, and learns who removed them;
 * nothing said after they went reaches them, and they post nothing. Real gateway, social and chat
 * services, nats-server and SQLite, SDK clients.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ChatStore, groupConversationId, type Entry } from "@sealroom/sdk/node";
import { startStack, type Stack } from "./support/stack.js";
import { SOCIAL_STACK, errorCode } from "./social-helpers.js";
import { chatter, groupOf, until } from "./support/chat.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack(SOCIAL_STACK);
});
afterAll(async () => {
  await stack?.stop();
});

const textsOf = (entries: Entry[]) => entries.flatMap((e) => (e.kind === "text" ? [e.text] : []));

describe("a removed member's view", () => {
  test("a kicked member keeps the history up to the kick, the group's name then, and who removed them", async () => {
    const owner = await chatter(stack, "fmowner");
    const ned = await chatter(stack, "fmned");
    const groupId = await groupOf(owner, [ned], "Book club");
    const conv = groupConversationId(groupId);
    await owner.chat.send(conv, "before the kick");
    await until(() => textsOf(ned.streamOf(conv)).includes("before the kick"), "message before the kick");

    await owner.social.kick(groupId, ned.user.id);
    await owner.chat.send(conv, "after the kick");
    await owner.social.rename(groupId, "Secret club");
    await until(
      () => owner.streamOf(conv).some((e) => e.kind === "system" && e.event.type === "renamed"),
      "rename entry",
    );

    const history = await ned.client.request("chat.history", { conversationId: conv });
    expect(textsOf(history.entries)).toEqual(["before the kick"]);
    const sync = await ned.client.request("chat.sync", { conversationId: conv, afterSeq: 0 });
    expect(textsOf(sync.entries)).toEqual(["before the kick"]);
    expect(sync.lastSeq).toBe(history.lastSeq);
    expect(sync.entries.at(-1)?.seq).toBe(sync.lastSeq);

    const list = await ned.client.request("chat.conversations", {});
    const summary = list.conversations.find((c) => c.conversationId === conv);
    expect(summary).toMatchObject({
      group: {
        id: groupId,
        name: "Book club",
        removed: { reason: "kicked", by: { id: owner.user.id, username: owner.name } },
      },
      lastSeq: history.lastSeq,
      last: { kind: "text", text: "before the kick" },
    });
    // Only their own read pointer; marking read stops at the kick.
    const read = await ned.client.request("chat.markRead", { conversationId: conv, seq: history.lastSeq + 10 });
    expect(read.read.readSeq).toBe(history.lastSeq);
    expect((await ned.client.request("chat.receipts", { conversationId: conv })).receipts).toEqual([
      { userId: ned.user.id, readSeq: history.lastSeq },
    ]);

    const send = ned.client.request("chat.send", { conversationId: conv, clientMsgId: "fm-1", text: "let me back" });
    expect(await errorCode(send)).toBe("FORBIDDEN");
    expect(await errorCode(ned.client.request("chat.typing", { conversationId: conv }))).toBe("FORBIDDEN");
    // Social still treats the group as invisible to them.
    expect(await errorCode(ned.social.group(groupId))).toBe("NOT_FOUND");
  });

  test("one who left reads up to their leaving; rejoining starts a fresh span", async () => {
    const owner = await chatter(stack, "fmowner2");
    const lea = await chatter(stack, "fmlea");
    const groupId = await groupOf(owner, [lea], "Walks");
    const conv = groupConversationId(groupId);
    await lea.chat.send(conv, "bye all");
    await lea.social.leave(groupId);
    await owner.chat.send(conv, "she left");
    const list = await lea.client.request("chat.conversations", {});
    expect(list.conversations.find((c) => c.conversationId === conv)?.group).toMatchObject({
      name: "Walks",
      removed: { reason: "left", by: null },
    });
    expect(textsOf((await lea.client.request("chat.history", { conversationId: conv })).entries)).toEqual(["bye all"]);

    const invitation = await owner.social.invite(groupId, lea.user.id);
    await lea.social.acceptInvitation(invitation.id);
    const again = await lea.client.request("chat.conversations", {});
    expect(again.conversations.find((c) => c.conversationId === conv)?.group).toEqual({
      id: groupId,
      name: "Walks",
      disbanded: false,
    });
  });

  test("pages and the list name the senders a kicked member reads, and nobody else", async () => {
    const owner = await chatter(stack, "fmowner3");
    const pia = await chatter(stack, "fmpia");
    const ned = await chatter(stack, "fmned3");
    const quiet = await chatter(stack, "fmquiet");
    // Ned is friends with the owner only (groupOf befriends each with the owner): pia is a stranger.
    const groupId = await groupOf(owner, [pia, ned, quiet], "Names");
    const conv = groupConversationId(groupId);
    await pia.chat.send(conv, "hello from pia");
    await until(() => textsOf(ned.streamOf(conv)).includes("hello from pia"), "pia's message");
    await owner.social.kick(groupId, ned.user.id);
    const late = await chatter(stack, "fmlate");
    await groupOf(owner, [late], "Other");
    const invitation = await owner.social.invite(groupId, late.user.id);
    await late.social.acceptInvitation(invitation.id);
    await late.chat.send(conv, "after ned");

    const piaUser = { id: pia.user.id, username: pia.name };
    const history = await ned.client.request("chat.history", { conversationId: conv });
    expect(history.people).toEqual([piaUser]);
    const sync = await ned.client.request("chat.sync", { conversationId: conv, afterSeq: 0 });
    expect(sync.people).toEqual([piaUser]);
    const list = await ned.client.request("chat.conversations", {});
    expect(list.conversations.find((c) => c.conversationId === conv)?.people).toEqual([piaUser]);
    // The silent member is named by the "joined" entries only; who came after the kick not at all.
    expect(history.people?.map((p) => p.id)).not.toContain(quiet.user.id);
    expect(JSON.stringify([history, sync, list])).not.toContain(late.name);

    // A store that starts afresh (the web app after a reload) records the names for its view.
    const fresh = new ChatStore(ned.client, { e2e: false });
    await fresh.catchUp();
    await fresh.loadOlder(conv);
    expect(fresh.getSnapshot().byId[conv]?.people).toEqual({ [pia.user.id]: pia.name });
    fresh.stop();
  });
});
