/**
 * The outbox kept on the device (outside review, item 17): messages written while offline live in
 * an OutboxStore under their user until acked, so a store started again after a reload (here: a
 * new ChatStore over a new client, sharing the device's store) sends them, with the same
 * clientMsgId, and the service stores each once, also when it already had it before the reload.
 * Against the real stack: real nats-server, real SQLite, real services.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { ChatStore, MemoryOutboxStore, dmConversationId, newClientMsgId, type OutboxStore } from "@sealroom/sdk/node";
import { Outbox } from "../packages/sdk/src/chat/outbox.js";
import { password, signUp, SOCIAL_STACK, befriend, type Person } from "./social-helpers.js";
import { startStack, type Stack } from "./support/stack.js";
import { until } from "./support/chat.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack(SOCIAL_STACK);
});
afterAll(async () => {
  await stack?.stop();
});

/** The same user on a "reloaded page": a new client and a new ChatStore over the device's store. */
async function reloaded(person: Person, store: OutboxStore): Promise<ChatStore> {
  const client = stack.client();
  await client.connect();
  await client.login(person.name, password);
  const chat = new ChatStore(client, { outbox: { store, initialDelayMs: 20, maxDelayMs: 100 }, e2e: false });
  chat.start();
  return chat;
}

async function textsIn(reader: Person, dm: string): Promise<string[]> {
  const page = await reader.client.request("chat.history", { conversationId: dm, limit: 200 });
  return page.entries.flatMap((e) => (e.kind === "text" ? [e.text] : []));
}

test("a message written offline survives a reload before the connection returns, and is stored once", async () => {
  const a = await signUp(stack, "keep_a");
  const b = await signUp(stack, "keep_b");
  await befriend(a, b);
  const dm = dmConversationId(a.user.id, b.user.id);
  const device = new MemoryOutboxStore();

  // Offline: the message waits, and is kept on the device.
  const first = new ChatStore(a.client, { outbox: { store: device }, e2e: false });
  first.start();
  a.client.close();
  void first.send(dm, "written offline").catch(() => undefined);
  await until(() => device.load(a.user.id).length === 1, "the message kept");
  const kept = device.load(a.user.id)[0]!;
  expect(kept).toMatchObject({ conversationId: dm, text: "written offline", status: "sending" });
  first.stop(); // the page goes away

  const second = await reloaded(a, device);
  await until(
    () =>
      second.getSnapshot().byId[dm]?.entries.some((e) => e.kind === "text" && e.clientMsgId === kept.clientMsgId) ??
      false,
    "sent after the reload",
  );
  await until(() => device.load(a.user.id).length === 0, "forgotten once acked");
  expect(second.getSnapshot().byId[dm]?.pending).toEqual([]);
  expect((await textsIn(b, dm)).filter((t) => t === "written offline")).toHaveLength(1);
  second.stop();
});

test("a kept message the server already stored (its ack was lost) is not stored twice", async () => {
  const a = await signUp(stack, "lost_a");
  const b = await signUp(stack, "lost_b");
  await befriend(a, b);
  const dm = dmConversationId(a.user.id, b.user.id);
  const device = new MemoryOutboxStore();
  // The send reached the server, and the page went away before the ack: still kept.
  await a.client.request("chat.send", { conversationId: dm, clientMsgId: "kept-1", text: "only once" });
  device.put(a.user.id, {
    conversationId: dm,
    clientMsgId: "kept-1",
    text: "only once",
    writtenTs: Date.now(),
    status: "sending",
  });

  const chat = await reloaded(a, device);
  await until(() => device.load(a.user.id).length === 0, "acked by the service's idempotency");
  expect((await textsIn(b, dm)).filter((t) => t === "only once")).toHaveLength(1);
  chat.stop();
});

test("a user's kept messages are sent only as that user", async () => {
  const a = await signUp(stack, "mine_a");
  const b = await signUp(stack, "mine_b");
  await befriend(a, b);
  const dm = dmConversationId(a.user.id, b.user.id);
  const device = new MemoryOutboxStore();
  device.put(a.user.id, {
    conversationId: dm,
    clientMsgId: "mine-1",
    text: "from a",
    writtenTs: Date.now(),
    status: "sending",
  });

  // b signs in on the same device: a's message stays where it is.
  const asB = await reloaded(b, device);
  await asB.whenUpToDate();
  await new Promise((r) => setTimeout(r, 300));
  expect(await textsIn(a, dm)).toEqual([]);
  expect(device.load(a.user.id)).toHaveLength(1);
  asB.stop();
});

test("signing out on purpose leaves none of the user's unsent messages on the device", async () => {
  const a = await signUp(stack, "out_a");
  const stranger = await signUp(stack, "out_b");
  const dm = dmConversationId(a.user.id, stranger.user.id);
  const device = new MemoryOutboxStore();
  const chat = new ChatStore(a.client, { outbox: { store: device }, e2e: false });
  chat.start();
  // Not friends: refused, and kept as failed (to retry or discard) until the user signs out.
  await chat.send(dm, "not sent").catch(() => undefined);
  expect(device.load(a.user.id)).toMatchObject([{ text: "not sent", status: "failed" }]);
  await a.client.logout();
  await until(() => device.load(a.user.id).length === 0, "forgotten at logout");
  chat.stop();
});

test("a reply kept for later keeps what it replies to (end-to-end encrypted conversations name it by content id), a forward its mark", async () => {
  const a = await signUp(stack, "keep_reply_a");
  const b = await signUp(stack, "keep_reply_b");
  await befriend(a, b);
  const dm = dmConversationId(a.user.id, b.user.id);
  const device = new MemoryOutboxStore();
  const noChanges = { changed: () => undefined, acked: () => undefined };

  // Offline: the reply waits, kept with the content id of its target.
  const first = new Outbox(a.client, noChanges, { store: device });
  a.client.close();
  const clientMsgId = newClientMsgId();
  void first.send(dm, "a kept reply", clientMsgId, { replyTo: "content-of-the-question" }).catch(() => undefined);
  const forwardId = newClientMsgId();
  void first.send(dm, "a kept forward", forwardId, { forwarded: true }).catch(() => undefined);
  await until(() => device.load(a.user.id).length === 2, "the reply and the forward kept");
  expect(device.load(a.user.id)[0]).toMatchObject({ clientMsgId, replyTo: "content-of-the-question" });
  expect(device.load(a.user.id)[0]).not.toHaveProperty("forwarded");
  expect(device.load(a.user.id)[1]).toMatchObject({ clientMsgId: forwardId, forwarded: true });
  first.stop();

  // The next page's outbox hands it to the encrypting transport with its target.
  const client = stack.client();
  await client.connect();
  await client.login(a.name, password);
  const attempts: Array<{ clientMsgId: string; replyTo: string | undefined; forwarded: true | undefined }> = [];
  const second = new Outbox(
    client,
    {
      ...noChanges,
      send: async (conversationId, id, _text, { replyTo, forwarded }) => {
        attempts.push({ clientMsgId: id, replyTo, forwarded });
        return { ok: true, value: { id: 1, conversationId, seq: 1, ts: Date.now(), clientMsgId: id } };
      },
    },
    { store: device },
  );
  second.restore(a.user.id);
  await until(() => attempts.length === 2 && device.load(a.user.id).length === 0, "sent and forgotten");
  expect(attempts).toEqual([
    { clientMsgId, replyTo: "content-of-the-question", forwarded: undefined },
    { clientMsgId: forwardId, replyTo: undefined, forwarded: true },
  ]);
  second.stop();
  client.close();
});
