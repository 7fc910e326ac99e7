import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupConversationId, type Entry } from "@sealroom/proto/chat";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { setup, type Harness } from "./test/harness.js";
import { CURSOR_NAME } from "./service.js";

let h: Harness;
beforeAll(async () => {
  // Two instances on one file; a slow poll, so the doorbell and explicit catch-ups do the work.
  h = await setup({ instances: 2, config: { timelinePollMs: 60_000 } });
});
afterAll(async () => {
  await h?.teardown();
});

const systemEntries = (entries: Entry[]) => entries.flatMap((e) => (e.kind === "system" ? [e] : []));

describe("group timeline", () => {
  it("turns each GroupEvent into one system entry, in order, exactly once across instances", async () => {
    const owner = await h.seed.user("olga");
    const bob = await h.seed.user("bob");
    const carol = await h.seed.user("carol");
    const groupId = await h.seed.group(owner, [bob, carol], "Climbers");
    await h.seed.rename(groupId, owner, "Boulderers");
    await h.seed.kick(groupId, owner, carol);
    // Both instances race to catch up, several times.
    await Promise.all([
      h.services[0]!.catchUpTimeline(),
      h.services[1]!.catchUpTimeline(),
      h.services[0]!.catchUpTimeline(),
    ]);
    const page = await h.call(owner, "chat.history", { conversationId: groupConversationId(groupId) });
    const events = systemEntries(page.entries).map((e) => e.event);
    expect(events.map((e) => e.type)).toEqual(["created", "joined", "joined", "renamed", "kicked"]);
    expect(events[3]).toMatchObject({
      actor: { id: owner, username: "olga" },
      name: "Boulderers",
      previousName: "Climbers",
    });
    expect(events[4]).toMatchObject({ actor: { username: "olga" }, target: { id: carol, username: "carol" } });
    const groupEventIds = events.map((e) => e.groupEventId);
    expect(groupEventIds).toEqual([...groupEventIds].sort((a, b) => a - b));
    expect(page.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    const cursor = await h.db.cursor.findUnique({ where: { name: CURSOR_NAME } });
    expect(cursor?.value).toBe(Math.max(...groupEventIds));
    // The kicked member's span ends at the kick entry.
    const conv = await h.db.conversation.findUniqueOrThrow({ where: { key: groupConversationId(groupId) } });
    const rows = await h.db.conversationMember.findMany({
      where: { conversationId: conv.id },
      orderBy: { userId: "asc" },
    });
    expect(rows.map((r) => [r.userId, r.leftSeq])).toEqual([
      [owner, null],
      [bob, null],
      [carol, 5],
    ]);
  });

  it("a doorbell on evt.social.group triggers the catch-up and members get the entry live", async () => {
    const owner = await h.seed.user();
    const dan = await h.seed.user();
    const groupId = await h.seed.group(owner);
    await h.seed.join(groupId, dan);
    const event = await h.db.groupEvent.findFirstOrThrow({ where: { groupId }, orderBy: { id: "desc" } });
    h.client.publish(SUBJECTS.groupEvents, JSON.stringify({ groupId, eventId: event.id }));
    await h.until(
      () =>
        h
          .events(dan, "chat.message.created.v1")
          .some((e) => e.entry.kind === "system" && e.entry.event.groupEventId === event.id),
      5000,
      "the joined entry",
    );
    const live = h
      .events(owner, "chat.message.created.v1")
      .filter((e) => e.entry.conversationId === groupConversationId(groupId));
    expect(live.map((e) => (e.entry.kind === "system" ? e.entry.event.type : "text"))).toEqual(["created", "joined"]);
    expect(live[1]).toMatchObject({ sender: null, group: { id: groupId }, preview: "" });
  });

  it("members read from their join: a joiner sees their own join and what follows, not before", async () => {
    const owner = await h.seed.user();
    const late = await h.seed.user();
    const groupId = await h.seed.group(owner);
    const conv = groupConversationId(groupId);
    await h.services[0]!.catchUpTimeline();
    for (let i = 0; i < 3; i++)
      await h.call(owner, "chat.send", { conversationId: conv, clientMsgId: `early-${i}`, text: `early ${i}` });
    await h.seed.join(groupId, late);
    await h.services[1]!.catchUpTimeline();
    await h.call(owner, "chat.send", { conversationId: conv, clientMsgId: "later", text: "welcome" });

    const history = await h.call(late, "chat.history", { conversationId: conv });
    expect(history.visibleFromSeq).toBe(4);
    expect(
      history.entries.map((e) => (e.kind === "system" ? e.event.type : e.kind === "text" ? e.text : e.kind)),
    ).toEqual(["joined", "welcome"]);
    const sync = await h.call(late, "chat.sync", { conversationId: conv, afterSeq: 0 });
    expect(sync.entries.map((e) => e.seq)).toEqual([5, 6]);
    expect((await h.call(late, "chat.history", { conversationId: conv, beforeSeq: 5 })).entries).toEqual([]);
    // The owner, there from the start, reads everything.
    expect((await h.call(owner, "chat.history", { conversationId: conv })).entries.map((e) => e.seq)).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
  });
});
