import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dmConversationId, groupConversationId, type Entry } from "@sealroom/proto/chat";
import { seqs, setup, type Harness } from "./test/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await setup();
});
afterAll(async () => {
  await h?.teardown();
});

let ids = 0;
const cid = () => `m-${++ids}`;

async function friends() {
  const a = await h.seed.user();
  const b = await h.seed.user();
  await h.seed.friends(a, b);
  return { a, b, dm: dmConversationId(a, b) };
}

describe("chat.send to a DM", () => {
  it("acks after commit with seq 1, 2, ... and delivers to both participants", async () => {
    const { a, b, dm } = await friends();
    const first = await h.call(a, "chat.send", { conversationId: dm, clientMsgId: "one", text: "hello" });
    expect(first).toMatchObject({ conversationId: dm, seq: 1, clientMsgId: "one" });
    const second = await h.call(b, "chat.send", { conversationId: dm, clientMsgId: "one", text: "hi back" });
    expect(second.seq).toBe(2);
    const row = await h.db.message.findUnique({
      where: {
        conversationId_seq: {
          conversationId: (await h.db.conversation.findUniqueOrThrow({ where: { key: dm } })).id,
          seq: 1,
        },
      },
    });
    expect(row?.body).toBe("hello");

    await h.until(
      () => h.events(b, "chat.message.created.v1").length === 2 && h.events(a, "chat.message.created.v1").length === 2,
    );
    const [created] = h.events(b, "chat.message.created.v1");
    expect(created).toMatchObject({
      entry: { kind: "text", seq: 1, senderId: a, text: "hello" },
      preview: "hello",
      group: null,
    });
    expect(created?.sender?.id).toBe(a);
  });

  it("a retry with the same clientMsgId returns the original ack and stores the message once", async () => {
    const { a, dm } = await friends();
    const id = cid();
    const acks = await Promise.all(
      [1, 2, 3].map(() => h.call(a, "chat.send", { conversationId: dm, clientMsgId: id, text: "once" })),
    );
    expect(new Set(acks.map((x) => JSON.stringify(x))).size).toBe(1);
    const again = await h.call(a, "chat.send", { conversationId: dm, clientMsgId: id, text: "once" });
    expect(again).toEqual(acks[0]);
    expect(await h.db.message.count({ where: { senderId: a, clientMsgId: id } })).toBe(1);
    const page = await h.call(a, "chat.history", { conversationId: dm });
    expect(page.entries).toHaveLength(1);
  });

  it("the same clientMsgId with other text or another conversation is CONFLICT", async () => {
    const { a, b, dm } = await friends();
    const c = await h.seed.user();
    await h.seed.friends(a, c);
    await h.call(a, "chat.send", { conversationId: dm, clientMsgId: "k", text: "first" });
    expect((await h.refusal(a, "chat.send", { conversationId: dm, clientMsgId: "k", text: "second" }))?.code).toBe(
      "CONFLICT",
    );
    expect(
      (await h.refusal(a, "chat.send", { conversationId: dmConversationId(a, c), clientMsgId: "k", text: "first" }))
        ?.code,
    ).toBe("CONFLICT");
    // Another sender's identical clientMsgId is theirs alone.
    expect((await h.call(b, "chat.send", { conversationId: dm, clientMsgId: "k", text: "first" })).seq).toBe(2);
  });

  it("refuses strangers, unfriended and blocked pairs with FORBIDDEN, and outsiders with NOT_FOUND", async () => {
    const { a, b, dm } = await friends();
    const stranger = await h.seed.user();
    expect(
      (
        await h.refusal(a, "chat.send", {
          conversationId: dmConversationId(a, stranger),
          clientMsgId: cid(),
          text: "x",
        })
      )?.code,
    ).toBe("FORBIDDEN");
    expect((await h.refusal(stranger, "chat.send", { conversationId: dm, clientMsgId: cid(), text: "x" }))?.code).toBe(
      "NOT_FOUND",
    );
    await h.seed.block(b, a);
    expect((await h.refusal(a, "chat.send", { conversationId: dm, clientMsgId: cid(), text: "x" }))?.code).toBe(
      "FORBIDDEN",
    );
    expect((await h.refusal(b, "chat.send", { conversationId: dm, clientMsgId: cid(), text: "x" }))?.code).toBe(
      "FORBIDDEN",
    );
    const { a: c, b: d, dm: dm2 } = await friends();
    await h.call(c, "chat.send", { conversationId: dm2, clientMsgId: cid(), text: "before" });
    await h.seed.unfriend(c, d);
    expect((await h.refusal(c, "chat.send", { conversationId: dm2, clientMsgId: cid(), text: "after" }))?.code).toBe(
      "FORBIDDEN",
    );
    // Their own history stays readable.
    expect((await h.call(d, "chat.history", { conversationId: dm2 })).entries).toHaveLength(1);
  });

  it("refuses empty, blank, control-character and over-long text, and malformed ids", async () => {
    const { a, dm } = await friends();
    const send = (text: string) => h.refusal(a, "chat.send", { conversationId: dm, clientMsgId: cid(), text });
    expect((await send(""))?.code).toBe("BAD_REQUEST");
    expect((await send("  \n\t \u200b "))?.code).toBe("BAD_REQUEST");
    expect((await send("a\u0000b"))?.code).toBe("BAD_REQUEST");
    expect((await send("x".repeat(4001)))?.code).toBe("PAYLOAD_TOO_LARGE");
    expect((await send("😀".repeat(4001)))?.code).toBe("PAYLOAD_TOO_LARGE");
    expect(await send("😀".repeat(4000))).toBeUndefined();
    expect(await send("x".repeat(4000))).toBeUndefined();
    const bad = (body: unknown) => h.refusal(a, "chat.send", body as never);
    expect((await bad({ conversationId: `dm:${a}:${a}`, clientMsgId: cid(), text: "x" }))?.code).toBe("BAD_REQUEST");
    expect((await bad({ conversationId: "dm:9:3", clientMsgId: cid(), text: "x" }))?.code).toBe("BAD_REQUEST");
    expect((await bad({ conversationId: dm, clientMsgId: "", text: "x" }))?.code).toBe("BAD_REQUEST");
    expect((await bad({ conversationId: dm, clientMsgId: "x".repeat(65), text: "x" }))?.code).toBe("BAD_REQUEST");
    expect((await bad({ conversationId: dm, clientMsgId: cid(), text: "x", senderId: 1 }))?.code).toBe("BAD_REQUEST");
    expect((await bad({ conversationId: dm, clientMsgId: cid() }))?.code).toBe("BAD_REQUEST");
  });

  it("refuses anonymous callers", async () => {
    const { dm } = await friends();
    expect((await h.refusal(undefined, "chat.send", { conversationId: dm, clientMsgId: cid(), text: "x" }))?.code).toBe(
      "NOT_AUTHENTICATED",
    );
  });
});

describe("chat.send to a group", () => {
  it("keeps one gapless order under concurrent senders, the same for every member", async () => {
    const owner = await h.seed.user();
    const members = [await h.seed.user(), await h.seed.user(), await h.seed.user()];
    const groupId = await h.seed.group(owner, members);
    await h.services[0]!.catchUpTimeline();
    const conv = groupConversationId(groupId);
    const senders = [owner, ...members];
    await Promise.all(
      senders.flatMap((s) =>
        Array.from({ length: 25 }, (_, i) =>
          h.call(s, "chat.send", { conversationId: conv, clientMsgId: `g${i}`, text: `${s}:${i}` }),
        ),
      ),
    );
    const all: Entry[] = [];
    for (let after = 0; ;) {
      const page = await h.call(owner, "chat.sync", { conversationId: conv, afterSeq: after, limit: 30 });
      all.push(...page.entries);
      if (page.entries.length === 0 || after === page.lastSeq) break;
      after = page.entries[page.entries.length - 1]!.seq;
      if (after === page.lastSeq) break;
    }
    expect(seqs(all)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    expect(all.filter((e) => e.kind === "text")).toHaveLength(100);
    // Each sender's messages in the order they were sent.
    for (const s of senders) {
      const mine = all.flatMap((e) => (e.kind === "text" && e.senderId === s ? [Number(e.text.split(":")[1])] : []));
      expect(mine).toEqual([...mine].sort((x, y) => x - y));
    }
    // Every member received the same entries live.
    const live = (u: number) =>
      h
        .events(u, "chat.message.created.v1")
        .filter((e) => e.entry.conversationId === conv)
        .map((e) => e.entry.seq)
        .sort((x, y) => x - y);
    await h.until(() => senders.every((u) => live(u).length >= 100));
    for (const u of senders) expect(live(u)).toEqual(live(owner));
  });

  it("a kicked member can no longer post and receives nothing sent after the kick", async () => {
    const owner = await h.seed.user();
    const carol = await h.seed.user();
    const groupId = await h.seed.group(owner, [carol]);
    const conv = groupConversationId(groupId);
    await h.services[0]!.catchUpTimeline();
    await h.call(carol, "chat.send", { conversationId: conv, clientMsgId: cid(), text: "still here" });
    await h.seed.kick(groupId, owner, carol);
    expect(
      (await h.refusal(carol, "chat.send", { conversationId: conv, clientMsgId: cid(), text: "let me in" }))?.code,
    ).toBe("NOT_FOUND");
    expect((await h.refusal(carol, "chat.history", { conversationId: conv }))?.code).toBe("NOT_FOUND");
    const after = await h.call(owner, "chat.send", {
      conversationId: conv,
      clientMsgId: cid(),
      text: "after the kick",
    });
    await h.services[0]!.catchUpTimeline();
    await h.until(() => h.events(owner, "chat.message.created.v1").some((e) => e.entry.seq === after.seq));
    expect(
      h
        .events(carol, "chat.message.created.v1")
        .filter((e) => e.entry.conversationId === conv && e.entry.seq >= after.seq),
    ).toEqual([]);
  });

  it("a disbanded group is read-only for its members", async () => {
    const owner = await h.seed.user();
    const m = await h.seed.user();
    const groupId = await h.seed.group(owner, [m]);
    const conv = groupConversationId(groupId);
    await h.call(m, "chat.send", { conversationId: conv, clientMsgId: cid(), text: "bye" });
    await h.seed.disband(groupId, owner);
    expect((await h.refusal(m, "chat.send", { conversationId: conv, clientMsgId: cid(), text: "hello?" }))?.code).toBe(
      "FORBIDDEN",
    );
    const page = await h.call(m, "chat.history", { conversationId: conv });
    expect(page.entries.some((e) => e.kind === "text" && e.text === "bye")).toBe(true);
  });
});
