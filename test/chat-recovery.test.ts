/**
 * Issue 4 end to end, continued (a file of its own: the stack allows 20 sign-ups per address):
 * recovery after a disconnect without gaps or duplicates, a fresh device without history replay,
 * an idempotent retry after a lost ack; unread counts across devices, receipts, typing, edits.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type WebSocket from "ws";
import { ChatStore, dmConversationId, nodeSocketFactory, type Entry } from "@sealroom/sdk/node";
import { log, startStack, type Stack } from "./support/stack.js";
import { SOCIAL_STACK, device } from "./social-helpers.js";
import { connectNats } from "@sealroom/runtime";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { attach, befriend, chatter, range, until } from "./support/chat.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gateways: 2, ...SOCIAL_STACK });
});
afterAll(async () => {
  await stack?.stop();
});

const seqsOf = (entries: Entry[]) => entries.map((e) => e.seq);

describe("recovery", () => {
  test("a recipient offline during a burst gets exactly the missed entries, in order, on reconnect", async () => {
    const sender = await chatter(stack, "olaf", { gateway: 0 });
    const reader = await chatter(stack, "pia", { gateway: 1 });
    await befriend(sender, reader);
    const dm = dmConversationId(sender.user.id, reader.user.id);
    await sender.chat.send(dm, "before");
    await until(() => reader.streamOf(dm).length === 1, "first message");
    reader.client.close();
    for (let i = 0; i < 250; i++) await sender.chat.send(dm, `missed ${i}`);
    await sender.chat.edit(dm, 2, "missed 0 (edited)");
    await sender.chat.delete(dm, 3);
    await reader.client.connect();
    await until(() => reader.streamOf(dm).length === 253, "the missed entries", 15_000);
    await reader.chat.whenUpToDate();
    expect(seqsOf(reader.streamOf(dm))).toEqual(range(1, 253));
    const view = reader.chat.getSnapshot().byId[dm]!;
    expect(view.entries).toHaveLength(251);
    expect(view.entries[1]).toMatchObject({ text: "missed 0 (edited)" });
    expect(view.entries[2]).toMatchObject({ text: "", deletedTs: expect.any(Number) });
    expect(view.unread).toBe(250); // 251 messages from the sender, one of them deleted
  });

  test("a fresh device lists conversations with unread counts without replaying history", async () => {
    const a = await chatter(stack, "quinn");
    const b = await chatter(stack, "rosa");
    await befriend(a, b);
    const dm = dmConversationId(a.user.id, b.user.id);
    for (let i = 0; i < 30; i++) await a.chat.send(dm, `m${i}`);
    const fresh = attach(await device(stack, b, 0));
    await until(() => fresh.chat.syncStatus === "up-to-date", "catch-up");
    const view = fresh.chat.getSnapshot().byId[dm]!;
    expect(view).toMatchObject({ headSeq: 30, unread: 30, hasOlder: true });
    expect(view.entries.map((e) => e.seq)).toEqual([30]);
    expect(fresh.streamOf(dm)).toEqual([]);
    expect(await fresh.chat.loadOlder(dm, 10)).toBe(10);
    expect(fresh.chat.getSnapshot().byId[dm]!.entries.map((e) => e.seq)).toEqual(range(20, 30));
  });

  test("a send whose ack is lost with the connection is retried with its clientMsgId and stored once", async () => {
    const sockets: WebSocket[] = [];
    const socketFactory = (url: string) => {
      const socket = nodeSocketFactory(url);
      sockets.push(socket as unknown as WebSocket);
      return socket;
    };
    const a = await chatter(stack, "sven", { client: { socketFactory } });
    const b = await chatter(stack, "tara");
    await befriend(a, b);
    const dm = dmConversationId(a.user.id, b.user.id);
    // The ack must be lost whatever the timing. a's socket stops reading before the command leaves,
    // so the reply waits unread in the kernel; the moment the command reaches NATS (so the service
    // will commit it) the socket is cut. The outbox then resends with the same clientMsgId. (Racing
    // a reconnect against the reply instead lost the race on a loaded machine: the reply was read
    // first, and nothing was retried.)
    const held = sockets.at(-1)!;
    const nc = await connectNats({ url: stack.nats.url, name: "observer", log });
    let dropped = false;
    let attempts = 0;
    nc.subscribe(SUBJECTS.command("chat.send"), {
      callback: () => {
        attempts++;
        if (dropped) return;
        dropped = true;
        held.terminate();
      },
    });
    await nc.flush();
    held.pause();
    const sending = a.chat.send(dm, "exactly once");
    const ack = await sending;
    expect(ack.seq).toBe(1);
    const rows = await stack.db.message.findMany({ where: { senderId: a.user.id, clientMsgId: ack.clientMsgId } });
    expect(rows).toHaveLength(1);
    await until(() => b.streamOf(dm).length === 1, "delivery");
    await new Promise((r) => setTimeout(r, 100));
    expect(seqsOf(a.streamOf(dm))).toEqual([1]);
    expect(seqsOf(b.streamOf(dm))).toEqual([1]);
    expect(a.chat.getSnapshot().byId[dm]!.pending).toEqual([]);
    expect(dropped).toBe(true);
    expect(attempts).toBeGreaterThanOrEqual(2);
    await nc.close();
  });
});

describe("read state, receipts, typing, edits", () => {
  test("unread counts stay consistent across devices and the partner sees the receipt", async () => {
    const a = await chatter(stack, "uma", { gateway: 0 });
    const b = await chatter(stack, "vic", { gateway: 0 });
    const b2 = attach(await device(stack, b, 1));
    await befriend(a, b);
    const dm = dmConversationId(a.user.id, b.user.id);
    for (let i = 0; i < 5; i++) await a.chat.send(dm, `m${i}`);
    await until(
      () => b.chat.getSnapshot().byId[dm]?.unread === 5 && b2.chat.getSnapshot().byId[dm]?.unread === 5,
      "unread 5",
    );
    await b.chat.markRead(dm, 3);
    await until(() => b2.chat.getSnapshot().byId[dm]?.unread === 2, "other device: unread 2");
    await until(() => a.chat.getSnapshot().byId[dm]?.receipts[b.user.id] === 3, "receipt");
    await b2.chat.markRead(dm);
    await until(() => b.chat.getSnapshot().byId[dm]?.unread === 0, "first device: unread 0");
    await a.chat.send(dm, "one more");
    await until(
      () => b.chat.getSnapshot().byId[dm]?.unread === 1 && b2.chat.getSnapshot().byId[dm]?.unread === 1,
      "unread 1",
    );
    const fresh = new ChatStore(b.client, { e2e: false });
    fresh.start();
    await until(() => fresh.syncStatus === "up-to-date" && fresh.getSnapshot().byId[dm] !== undefined, "fresh store");
    expect(fresh.getSnapshot().byId[dm]).toMatchObject({ readSeq: 5, unread: 1 });
    fresh.stop();
    await a.chat.loadReceipts(dm);
    expect(a.chat.getSnapshot().byId[dm]!.receipts[b.user.id]).toBe(5);
  });

  test("typing reaches the partner, is rate-limited and never stored; edits and deletes arrive live", async () => {
    const a = await chatter(stack, "walt");
    const b = await chatter(stack, "xena");
    await befriend(a, b);
    const dm = dmConversationId(a.user.id, b.user.id);
    const sent = await a.chat.send(dm, "typo heer");
    await until(() => b.streamOf(dm).length === 1, "the message");
    const rows = await stack.db.message.count();
    for (let i = 0; i < 3; i++) await a.client.request("chat.typing", { conversationId: dm });
    await until(() => b.chat.getSnapshot().byId[dm]?.typing.some((u) => u.id === a.user.id) === true, "typing shown");
    await new Promise((r) => setTimeout(r, 100));
    expect(b.events.filter((e) => e.type === "typing.started.v1")).toHaveLength(1);
    expect(await stack.db.message.count()).toBe(rows);

    await a.chat.edit(dm, sent.seq, "typo here");
    await until(
      () =>
        b.chat.getSnapshot().byId[dm]?.entries[0]?.kind === "text" &&
        (b.chat.getSnapshot().byId[dm]!.entries[0] as { text: string }).text === "typo here",
      "edit live",
    );
    await a.chat.delete(dm, sent.seq);
    await until(
      () => (b.chat.getSnapshot().byId[dm]!.entries[0] as { deletedTs: number | null }).deletedTs !== null,
      "delete live",
    );
    expect(seqsOf(b.streamOf(dm))).toEqual([1, 2, 3]);
    expect(b.streamOf(dm).map((e) => e.kind)).toEqual(["text", "edit", "delete"]);
  });
});
