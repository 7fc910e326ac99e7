/**
 * The outside review's item 7 end to end: a group member who joined later must not read earlier
 * messages through their edits. Real gateway, NATS, SQLite, social and chat services; the SDK's
 * ChatStore of the later member stays gapless (the hidden changes fill their seqs) and never holds
 * the earlier text.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { groupConversationId } from "@sealroom/sdk/node";
import { startStack, type Stack } from "./support/stack.js";
import { SOCIAL_STACK, befriend } from "./social-helpers.js";
import { chatter, groupOf, range, until } from "./support/chat.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gateways: 1, ...SOCIAL_STACK });
});
afterAll(async () => {
  await stack?.stop();
});

const SECRET = "said before you came";

describe("history visibility", () => {
  test("a member who joined later gets later messages and their edits, never an edit or delete of an earlier one", async () => {
    const owner = await chatter(stack, "olive");
    const early = await chatter(stack, "ezra");
    const late = await chatter(stack, "lars");
    const groupId = await groupOf(owner, [early]);
    const conv = groupConversationId(groupId);
    const old = await owner.chat.send(conv, "draft");
    const gone = await owner.chat.send(conv, "to be deleted");
    await befriend(owner, late);
    const invite = await owner.social.invite(groupId, late.user.id);
    await late.social.acceptInvitation(invite.id);
    await until(
      () => late.streamOf(conv).some((e) => e.kind === "system" && e.event.type === "joined"),
      "the join entry",
    );
    await owner.chat.edit(conv, old.seq, SECRET);
    await owner.chat.delete(conv, gone.seq);
    const fresh = await owner.chat.send(conv, "welcome");
    await owner.chat.edit(conv, fresh.seq, "welcome, lars");
    const last = fresh.seq + 1;

    await until(() => late.streamOf(conv).at(-1)?.seq === last, "the later member's stream");
    await late.chat.whenUpToDate();
    const stream = late.streamOf(conv);
    expect(stream.map((e) => e.seq)).toEqual(range(stream[0]!.seq, last));
    expect(stream.filter((e) => e.kind === "hidden").map((e) => e.seq)).toEqual([last - 3, last - 2]);
    expect(JSON.stringify(stream)).not.toContain(SECRET);
    expect(JSON.stringify(late.events)).not.toContain(SECRET);
    expect(late.chat.getSnapshot().byId[conv]!.entries.at(-1)).toMatchObject({ kind: "text", text: "welcome, lars" });
    await until(
      () => early.chat.getSnapshot().byId[conv]?.entries.some((e) => e.kind === "text" && e.text === SECRET) === true,
      "the edit for the early member",
    );
  });
});
