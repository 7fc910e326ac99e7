/**
 * A group member reads from their join (visibleFromSeq). Edits and deletions are entries of their
 * own, after the join, but they target messages from before it: they must not carry those
 * messages' text (or news of them) to the later member, by sync, history or live event.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupConversationId, type Entry } from "@sealroom/proto/chat";
import { setup, type Harness } from "./test/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await setup({ config: { timelinePollMs: 60_000 } });
});
afterAll(async () => {
  await h?.teardown();
});

const SECRET = "the plan before you came";
const shape = (entries: Entry[]) => entries.map((e) => [e.seq, e.kind]);

describe("later members and edits of earlier messages", () => {
  it("never receive an edit or delete of an entry before their visibility start, by sync, history or live event", async () => {
    const owner = await h.seed.user();
    const early = await h.seed.user();
    const late = await h.seed.user();
    const groupId = await h.seed.group(owner, [early]); // created 1, joined 2
    const conv = groupConversationId(groupId);
    await h.services[0]!.catchUpTimeline();
    const old = await h.call(owner, "chat.send", { conversationId: conv, clientMsgId: "v-old", text: "draft" }); // 3
    const gone = await h.call(owner, "chat.send", {
      conversationId: conv,
      clientMsgId: "v-gone",
      text: "to be deleted",
    }); // 4
    await h.seed.join(groupId, late); // joined 5: late reads seq > 4
    await h.services[0]!.catchUpTimeline();
    await h.call(owner, "chat.edit", { conversationId: conv, seq: old.seq, text: SECRET }); // 6
    await h.call(owner, "chat.delete", { conversationId: conv, seq: gone.seq }); // 7
    const fresh = await h.call(owner, "chat.send", { conversationId: conv, clientMsgId: "v-new", text: "hello all" }); // 8
    await h.call(owner, "chat.edit", { conversationId: conv, seq: fresh.seq, text: "hello everyone" }); // 9

    const sync = await h.call(late, "chat.sync", { conversationId: conv, afterSeq: 0 });
    const history = await h.call(late, "chat.history", { conversationId: conv });
    for (const page of [sync, history]) {
      expect(page.visibleFromSeq).toBe(4);
      // The log stays gapless: the edit and the delete of earlier messages are placeholders.
      expect(shape(page.entries)).toEqual([
        [5, "system"],
        [6, "hidden"],
        [7, "hidden"],
        [8, "text"],
        [9, "edit"],
      ]);
      expect(JSON.stringify(page)).not.toContain(SECRET);
      expect(page.entries.find((e) => e.seq === 9)).toMatchObject({
        kind: "edit",
        targetSeq: 8,
        text: "hello everyone",
      });
    }

    // Live: the later member gets the edit of the message they saw, not the other two.
    await h.until(
      () => h.events(late, "chat.message.updated.v1").some((e) => e.entry.seq === 9),
      5000,
      "the visible edit",
    );
    await h.until(
      () => h.events(early, "chat.message.updated.v1").filter((e) => e.entry.conversationId === conv).length === 3,
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(h.events(late, "chat.message.updated.v1").map((e) => e.entry.seq)).toEqual([9]);
    expect(JSON.stringify(h.deliveries.filter((d) => d.userId === late))).not.toContain(SECRET);
    // Members from before see everything as it was.
    expect(shape((await h.call(early, "chat.sync", { conversationId: conv, afterSeq: 5 })).entries)).toEqual([
      [6, "edit"],
      [7, "delete"],
      [8, "text"],
      [9, "edit"],
    ]);
    expect(h.events(early, "chat.message.updated.v1").find((e) => e.entry.seq === 6)?.entry).toMatchObject({
      kind: "edit",
      text: SECRET,
    });
  });
});
