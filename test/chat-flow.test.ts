/**
 * Issue 4 end to end: SDK clients (ChatStore) on two gateways, real NATS and SQLite, the social
 * service for friendships and groups: direct and group messages live, in one order for everyone;
 * kicked members; refused DMs; oversize and malformed messages. More in chat-recovery.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AppError, dmConversationId, groupConversationId, type Entry } from "@sealroom/sdk/node";
import { startStack, type Stack } from "./support/stack.js";
import { SOCIAL_STACK, device, errorCode } from "./social-helpers.js";
import { attach, befriend, chatter, groupOf, range, until, type Chatter } from "./support/chat.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gateways: 2, ...SOCIAL_STACK });
});
afterAll(async () => {
  await stack?.stop();
});

const textsOf = (entries: Entry[]) => entries.flatMap((e) => (e.kind === "text" ? [e.text] : []));
const seqsOf = (entries: Entry[]) => entries.map((e) => e.seq);

describe("direct messages", () => {
  test("friends exchange messages live across gateways; the sender's other device sees them too", async () => {
    const alice = await chatter(stack, "alice", { gateway: 0 });
    const bob = await chatter(stack, "bob", { gateway: 1 });
    const alice2 = attach(await device(stack, alice, 1));
    await befriend(alice, bob);
    const dm = dmConversationId(alice.user.id, bob.user.id);

    const ack = await alice.chat.send(dm, "hi bob");
    expect(ack).toMatchObject({ conversationId: dm, seq: 1 });
    await until(() => bob.streamOf(dm).length === 1 && alice2.streamOf(dm).length === 1, "delivery");
    const created = bob.events.find((e) => e.type === "chat.message.created.v1")?.body;
    expect(created).toMatchObject({
      sender: { id: alice.user.id, username: alice.name },
      preview: "hi bob",
      group: null,
    });
    await bob.chat.send(dm, "hi alice");
    await until(() => alice.streamOf(dm).length === 2 && alice2.streamOf(dm).length === 2, "reply");
    for (const p of [alice, bob, alice2]) expect(textsOf(p.streamOf(dm))).toEqual(["hi bob", "hi alice"]);
    // A DM first seen live takes its partner from the event, so a UI can name it at once.
    expect(bob.chat.getSnapshot().byId[dm]).toMatchObject({
      headSeq: 2,
      unread: 1,
      peer: { id: alice.user.id, username: alice.name },
    });
  });

  test("unfriended or blocked pairs are refused with FORBIDDEN; strangers' DMs too", async () => {
    const a = await chatter(stack, "carl");
    const b = await chatter(stack, "dora");
    const c = await chatter(stack, "emil");
    const dmAB = dmConversationId(a.user.id, b.user.id);
    const send = (p: Chatter, conversationId: string) =>
      p.client.request("chat.send", { conversationId, clientMsgId: `x${Math.random()}`, text: "hey" });
    expect(await errorCode(send(a, dmAB))).toBe("FORBIDDEN");
    await befriend(a, b);
    await send(a, dmAB);
    await a.social.removeFriend(b.user.id);
    expect(await errorCode(send(a, dmAB))).toBe("FORBIDDEN");
    expect(await errorCode(send(b, dmAB))).toBe("FORBIDDEN");
    await befriend(a, c);
    const dmAC = dmConversationId(a.user.id, c.user.id);
    await send(c, dmAC);
    await c.social.block(a.user.id);
    expect(await errorCode(send(a, dmAC))).toBe("FORBIDDEN");
    expect(await errorCode(send(c, dmAC))).toBe("FORBIDDEN");
    // A stranger reading someone else's DM learns nothing: NOT_FOUND.
    expect(await errorCode(c.client.request("chat.history", { conversationId: dmAB }))).toBe("NOT_FOUND");
  });

  test("oversize, blank and malformed messages are refused with the documented errors", async () => {
    const a = await chatter(stack, "fred");
    const b = await chatter(stack, "gina");
    await befriend(a, b);
    const dm = dmConversationId(a.user.id, b.user.id);
    const send = (body: unknown) => errorCode(a.client.request("chat.send", body as never));
    expect(await send({ conversationId: dm, clientMsgId: "big", text: "x".repeat(4001) })).toBe("PAYLOAD_TOO_LARGE");
    expect(await send({ conversationId: dm, clientMsgId: "huge", text: "x".repeat(40_000) })).toBe("BAD_REQUEST");
    expect(await send({ conversationId: dm, clientMsgId: "blank", text: " \n\t " })).toBe("BAD_REQUEST");
    expect(await send({ conversationId: dm, clientMsgId: "empty", text: "" })).toBe("BAD_REQUEST");
    expect(await send({ conversationId: dm, text: "no id" })).toBe("BAD_REQUEST");
    expect(await send({ conversationId: "dm:x:y", clientMsgId: "bad", text: "x" })).toBe("BAD_REQUEST");
    expect(await send({ conversationId: dm, clientMsgId: "spaces are not allowed", text: "x" })).toBe("BAD_REQUEST");
    // The store refuses them before sending.
    await expect(a.chat.send(dm, "   ")).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(a.chat.send(dm, "y".repeat(4001))).rejects.toBeInstanceOf(AppError);
    expect((await a.client.request("chat.history", { conversationId: dm })).entries).toEqual([]);
    expect(await a.chat.send(dm, "y".repeat(4000))).toMatchObject({ seq: 1 });
  });
});

describe("groups", () => {
  test("many senders into one group: every member sees the same gapless order", async () => {
    const owner = await chatter(stack, "hana", { gateway: 0 });
    const members = await Promise.all(
      ["ivan", "jill", "kurt"].map((n, i) => chatter(stack, n, { gateway: (i + 1) % 2 })),
    );
    const groupId = await groupOf(owner, members, "Loud");
    const conv = groupConversationId(groupId);
    const everyone = [owner, ...members];
    // created, 3 invited, 3 joined: wait until every member holds the last join before the burst.
    await until(() => everyone.every((p) => p.streamOf(conv).at(-1)?.seq === 7), "join entries");
    const before = owner.streamOf(conv).length;
    await Promise.all(everyone.flatMap((p, i) => range(1, 15).map((k) => p.chat.send(conv, `${i}:${k}`))));
    const total = before + 60;
    await until(
      () =>
        everyone.every(
          (p) => p.streamOf(conv).at(-1)?.seq === owner.streamOf(conv).at(-1)?.seq && p.streamOf(conv).length >= 60,
        ),
      "all messages",
    );
    const reference = seqsOf(owner.streamOf(conv));
    expect(reference).toEqual(range(1, total));
    for (const p of members) {
      const mine = p.streamOf(conv);
      // Each member's stream starts at their join and is gapless from there; the shared part is identical.
      expect(seqsOf(mine)).toEqual(range(mine[0]!.seq, total));
      expect(mine.map((e) => e.id)).toEqual(
        owner
          .streamOf(conv)
          .filter((e) => e.seq >= mine[0]!.seq)
          .map((e) => e.id),
      );
    }
    // Each sender's messages arrive in the order they were written.
    for (let i = 0; i < 4; i++) {
      const order = textsOf(owner.streamOf(conv))
        .filter((t) => t.startsWith(`${i}:`))
        .map((t) => Number(t.split(":")[1]));
      expect(order).toEqual(range(1, 15));
    }
  });

  test("a kicked member cannot post and receives nothing sent after the kick; the timeline says so", async () => {
    const owner = await chatter(stack, "lena");
    const mia = await chatter(stack, "mia");
    const ned = await chatter(stack, "ned");
    const groupId = await groupOf(owner, [mia, ned]);
    const conv = groupConversationId(groupId);
    await mia.chat.send(conv, "hello all");
    await owner.social.kick(groupId, ned.user.id);
    expect(
      await errorCode(ned.client.request("chat.send", { conversationId: conv, clientMsgId: "late", text: "wait" })),
    ).toBe("FORBIDDEN");
    const seenByNed = ned.streamOf(conv).length;
    // The conversation stays in ned's store, read-only, saying who removed him (review item 15).
    await until(
      () => ned.chat.getSnapshot().byId[conv]?.group?.removed?.by?.id === owner.user.id,
      "the group marked removed in ned's store",
    );
    await owner.chat.send(conv, "after ned left");
    await until(() => textsOf(mia.streamOf(conv)).includes("after ned left"), "message after the kick");
    await until(() => mia.streamOf(conv).some((e) => e.kind === "system" && e.event.type === "kicked"), "kick entry");
    await new Promise((r) => setTimeout(r, 200));
    expect(ned.streamOf(conv).length).toBe(seenByNed);
    expect(textsOf(ned.streamOf(conv))).not.toContain("after ned left");
    const kicked = mia.streamOf(conv).find((e) => e.kind === "system" && e.event.type === "kicked");
    expect(kicked).toMatchObject({
      event: { actor: { id: owner.user.id }, target: { id: ned.user.id, username: ned.name } },
    });
  });
});
