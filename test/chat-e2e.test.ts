/**
 * The SDK's end-to-end engine through the real stack (gateway, auth's key directory, chat as the
 * MLS Delivery Service, social, NATS, SQLite or PostgreSQL): Node SDK clients with
 * `new ChatStore(client, { e2e: { store } })` (or no options: encryption is the default) talk in DMs and groups, every message readable on
 * every device that was in the group when it was sent; a device restarted from its state directory
 * goes on; two devices racing to establish a DM's group both get through. Neither the database's
 * messages nor anything on NATS holds a plaintext, and nothing should-be-readable fails to decrypt.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { Device, encodeContent, textContent } from "@sealroom/e2e";
import {
  ChatStore,
  newClientMsgId,
  MemoryE2eStateStore,
  MemoryTicketStore,
  dmConversationId,
  groupConversationId,
} from "@sealroom/sdk/node";
import type { Stack } from "./support/stack.js";
import { befriend, device, signUp } from "./social-helpers.js";
import { groupOf, until } from "./support/chat.js";
import {
  allRead,
  devicesChanged,
  e2eChatWorld,
  pageToStart,
  waitForDevices,
  type E2eChatter,
} from "./support/e2e-chat.js";

const world = e2eChatWorld();
const { plaintexts, chatters, withE2e, fileStore, messagesOf } = world;
let stack: Stack;
beforeAll(() => {
  stack = world.stack;
});

async function say(from: E2eChatter, conversationId: string, text: string): Promise<void> {
  plaintexts.push(text);
  await from.chat.send(conversationId, text);
}

/**
 * A person whose device keeps its state in a directory and its session's tickets in memory, so a
 * test can end its process and start another one (`restart`) that resumes the session and the device.
 */
async function restartable(name: string, gateway: number) {
  const tickets = new MemoryTicketStore();
  const store = fileStore();
  const person = await signUp(stack, name, { gateway });
  const signedIn = { ...person, client: stack.client({ tickets }) };
  await signedIn.client.connect();
  await signedIn.client.login(person.name, "correct horse battery staple");
  const chatter = withE2e(signedIn, store);
  return {
    person,
    chatter,
    /**
     * The process goes away; a new one resumes the session with its ticket and the same state.
     * `beforeStart`: what the new process asks of its store before starting it.
     */
    async restart(beforeStart?: (chat: ChatStore) => Promise<void>): Promise<E2eChatter> {
      chatter.chat.stop();
      signedIn.client.close();
      person.client.close();
      const again = stack.client({ tickets });
      await again.connect();
      await until(() => again.state === "ready", "resumed");
      const restarted = withE2e({ ...person, client: again }, store, { start: false });
      await beforeStart?.(restarted.chat);
      restarted.chat.start();
      await until(() => restarted.chat.syncStatus === "up-to-date", "sync");
      return restarted;
    },
  };
}

describe("the SDK's end-to-end engine", () => {
  test("a DM: the first message establishes the group, both sides read each other decrypted", async () => {
    const alice = withE2e(await signUp(stack, "alice", { gateway: 0 }), new MemoryE2eStateStore());
    const bob = withE2e(await signUp(stack, "bob", { gateway: 1 }), fileStore());
    await befriend(alice, bob);
    await bob.chat.e2e?.deviceReady();
    const dm = dmConversationId(alice.user.id, bob.user.id);

    await say(alice, dm, "secret one from alice");
    await allRead([alice, bob], dm, ["secret one from alice"]);
    await say(bob, dm, "secret reply from bob");
    await allRead([alice, bob], dm, ["secret one from alice", "secret reply from bob"]);
    expect(bob.textsOf(dm)).toEqual(["secret one from alice", "secret reply from bob"]);
    const received = bob.stream.find((e) => e.kind === "text" && e.text === "secret one from alice");
    expect(received).toMatchObject({ senderId: alice.user.id, e2e: "decrypted" });
    // The log holds the commit and the ciphertexts; the server refuses plaintext now.
    const kinds = (await messagesOf(dm)).map((m) => m.kind);
    expect(kinds).toEqual(expect.arrayContaining(["mls.commit", "mls.app"]));
    expect(kinds).not.toContain("text");
    for (const c of [alice, bob]) expect(c.chat.e2e?.undecryptable).toBe(0);
    // The server still keeps unread counts: the engine marks each text a new message (notify).
    const listed = await bob.client.request("chat.conversations", {});
    expect(listed.conversations.find((c) => c.conversationId === dm)?.read.unread).toBe(1);
  });

  test("a ChatStore made without options encrypts too (its device's keys in memory)", async () => {
    const gil = await signUp(stack, "gil", { gateway: 0 });
    const hal = withE2e(await signUp(stack, "hal", { gateway: 1 }), new MemoryE2eStateStore());
    await befriend(gil, hal);
    const chat = new ChatStore(gil.client);
    chat.start();
    try {
      expect(chat.e2e).toBeDefined();
      await chat.e2e?.deviceReady();
      const dm = dmConversationId(gil.user.id, hal.user.id);
      plaintexts.push("encrypted by default");
      await chat.send(dm, "encrypted by default");
      await allRead([hal], dm, ["encrypted by default"]);
      const kinds = (await messagesOf(dm)).map((m) => m.kind);
      expect(kinds).toEqual(["mls.commit", "mls.app"]);
    } finally {
      chat.stop();
    }
  });

  test("a group of three users, alice on two devices: every device reads every message", async () => {
    const alice = withE2e(await signUp(stack, "ann", { gateway: 0 }), new MemoryE2eStateStore());
    const alice2 = withE2e(await device(stack, alice, 1), fileStore());
    const bob = withE2e(await signUp(stack, "ben", { gateway: 1 }), new MemoryE2eStateStore());
    const carol = withE2e(await signUp(stack, "cleo", { gateway: 0 }), fileStore());
    const groupId = await groupOf(alice, [bob, carol]);
    const conv = groupConversationId(groupId);
    const everyone = [alice, alice2, bob, carol];
    // Every device has registered and published KeyPackages before the first message.
    for (const c of everyone) await c.chat.e2e?.deviceReady();
    await waitForDevices(alice, [alice.user.id, bob.user.id, carol.user.id], 4);

    await say(alice, conv, "group secret 1");
    await allRead([alice2, bob, carol], conv, ["group secret 1"]);
    await say(bob, conv, "group secret 2");
    await say(alice2, conv, "group secret 3");
    await say(carol, conv, "group secret 4");
    const all = ["group secret 1", "group secret 2", "group secret 3", "group secret 4"];
    await allRead(everyone, conv, all);
    for (const c of everyone) expect(c.textsOf(conv)).toEqual(all);
    for (const c of everyone) expect(c.chat.e2e?.undecryptable).toBe(0);
  });

  test("a kicked member's devices are removed: the server proposes, the next sender commits, she reads nothing after", async () => {
    const alice = withE2e(await signUp(stack, "kay", { gateway: 0 }), new MemoryE2eStateStore());
    const bob = withE2e(await signUp(stack, "lee", { gateway: 1 }), new MemoryE2eStateStore());
    const carol = withE2e(await signUp(stack, "mo", { gateway: 0 }), fileStore());
    const groupId = await groupOf(alice, [bob, carol]);
    const conv = groupConversationId(groupId);
    for (const c of [alice, bob, carol]) await c.chat.e2e?.deviceReady();
    await waitForDevices(alice, [alice.user.id, bob.user.id, carol.user.id], 3);
    await say(alice, conv, "before the kick");
    await allRead([bob, carol], conv, ["before the kick"]);

    await alice.social.kick(groupId, carol.user.id);
    // The chat service's reconciler proposes removing carol's leaf (a proposal without a sender).
    let proposalSeq: number | undefined;
    for (const deadline = Date.now() + 20_000; proposalSeq === undefined;) {
      if (Date.now() > deadline) throw new Error("no Remove proposal from the server");
      proposalSeq = (await messagesOf(conv)).find((m) => m.kind === "mls.proposal" && m.senderId === null)?.seq;
      await new Promise((r) => setTimeout(r, 50));
    }
    await say(bob, conv, "after the kick");
    await allRead([alice, bob], conv, ["before the kick", "after the kick"]);
    // Bob's send committed the proposal first: a commit follows it in the log, then the message.
    const after = (await messagesOf(conv)).filter((m) => m.seq > proposalSeq).map((m) => m.kind);
    expect(after.slice(0, 2)).toEqual(["mls.commit", "mls.app"]);
    await new Promise((r) => setTimeout(r, 300));
    expect(carol.textsOf(conv)).toEqual(["before the kick"]);
    for (const c of [alice, bob]) expect(c.chat.e2e?.undecryptable).toBe(0);
  });

  /** Alice, bob and carol in a group; carol kicked (and removed from it), bob says something, carol invited back. */
  async function reinvited(names: [string, string, string]) {
    const [alice, bob, carol] = [
      withE2e(await signUp(stack, names[0], { gateway: 0 }), new MemoryE2eStateStore()),
      withE2e(await signUp(stack, names[1], { gateway: 1 }), new MemoryE2eStateStore()),
      withE2e(await signUp(stack, names[2], { gateway: 0 }), new MemoryE2eStateStore()),
    ] as const;
    const groupId = await groupOf(alice, [bob, carol]);
    const conv = groupConversationId(groupId);
    for (const c of [alice, bob, carol]) await c.chat.e2e?.deviceReady();
    await waitForDevices(alice, [alice.user.id, bob.user.id, carol.user.id], 3);
    await say(alice, conv, "before the kick");
    await allRead([bob, carol], conv, ["before the kick"]);
    await alice.social.kick(groupId, carol.user.id);
    for (const deadline = Date.now() + 20_000; !(await messagesOf(conv)).some((m) => m.kind === "mls.proposal");) {
      if (Date.now() > deadline) throw new Error("no Remove proposal from the server");
      await new Promise((r) => setTimeout(r, 50));
    }
    await say(bob, conv, "while carol is out");
    await allRead([alice], conv, ["while carol is out"]);
    await alice.social.invite(groupId, carol.user.id);
    const invitation = (await carol.social.overview()).invitations.find((i) => i.group.id === groupId);
    if (!invitation) throw new Error("no invitation");
    await carol.social.acceptInvitation(invitation.id);
    return { alice, bob, carol, conv };
  }

  // Her device still holds the group it was removed from, at an epoch the log has left behind.
  test("a kicked member invited again sends first and reads what follows, not what was said while she was out", async () => {
    const { alice, bob, carol, conv } = await reinvited(["nel", "oz", "pia"]);
    await say(carol, conv, "carol is back");
    await allRead([alice, bob], conv, ["carol is back"]);
    await say(bob, conv, "welcome back");
    await allRead([carol], conv, ["welcome back"]);
    expect(carol.textsOf(conv)).not.toContain("while carol is out");
    for (const c of [alice, bob, carol]) expect(c.chat.e2e?.undecryptable).toBe(0);
  });

  test("a kicked member invited again reads a member's message sent before she does anything (it adds her)", async () => {
    const { alice, bob, carol, conv } = await reinvited(["quy", "rex", "sia"]);
    await say(bob, conv, "bob first");
    await allRead([carol], conv, ["bob first"]);
    await say(carol, conv, "carol is back");
    await allRead([alice, bob], conv, ["carol is back"]);
    expect(carol.textsOf(conv)).not.toContain("while carol is out");
    for (const c of [alice, bob, carol]) expect(c.chat.e2e?.undecryptable).toBe(0);
  });

  test("a device restarted from its state directory continues the conversation", async () => {
    const { person: first, chatter: danChat, restart } = await restartable("dan", 0);
    const erin = withE2e(await signUp(stack, "erin", { gateway: 1 }), new MemoryE2eStateStore());
    await befriend(first, erin);
    const dm = dmConversationId(danChat.user.id, erin.user.id);
    await danChat.chat.e2e?.deviceReady();
    await say(erin, dm, "before the restart");
    await allRead([danChat, erin], dm, ["before the restart"]);

    const restarted = await restart();
    await say(erin, dm, "after the restart");
    await allRead([restarted], dm, ["after the restart"]);
    await say(restarted, dm, "dan is back");
    await allRead([erin], dm, ["before the restart", "after the restart", "dan is back"]);
    for (const c of [restarted, erin]) expect(c.chat.e2e?.undecryptable).toBe(0);
  });

  test("a device restarted behind the log shows the newest page only, and the rest as it pages back", async () => {
    const { person: first, chatter: fayChat, restart } = await restartable("fay", 0);
    const gus = withE2e(await signUp(stack, "gus", { gateway: 1 }), new MemoryE2eStateStore());
    await befriend(first, gus);
    const dm = dmConversationId(fayChat.user.id, gus.user.id);
    await fayChat.chat.e2e?.deviceReady();
    await say(gus, dm, "before she left");
    await allRead([fayChat], dm, ["before she left"]);
    // Her process stops reading (a closed tab): its group state stays at "before she left".
    fayChat.chat.stop();
    const away = Array.from({ length: 6 }, (_, i) => `while away ${i + 1}`);
    for (const text of away) await say(gus, dm, text);

    const restarted = await restart();
    // The newest page: three entries. Her engine reads the log from its old position up to there,
    // and what it reads before the page is not the window's yet.
    await restarted.chat.loadOlder(dm, 3);
    expect(restarted.textsOf(dm)).toEqual(away.slice(3));
    await pageToStart(restarted, dm);
    expect(restarted.textsOf(dm)).toEqual(["before she left", ...away]);
    expect(restarted.chat.e2e?.undecryptable).toBe(0);
  });

  test("a restarted device asked about a conversation before the list came starts it at its newest entry", async () => {
    const { person: first, chatter: hal, restart } = await restartable("hal", 0);
    const ida = withE2e(await signUp(stack, "ida", { gateway: 1 }), new MemoryE2eStateStore());
    await befriend(first, ida);
    const dm = dmConversationId(hal.user.id, ida.user.id);
    await hal.chat.e2e?.deviceReady();
    const texts = ["hal reads one", "hal reads two", "hal reads three"];
    for (const text of texts) await say(ida, dm, text);
    await allRead([hal], dm, texts);
    const lastSeq = (await messagesOf(dm)).at(-1)!.seq;

    // A reloaded tab's open conversation asks for its receipts before the conversation list is in
    // (with chat's reader threads the list is the slower): the store holds the conversation then,
    // at no position, and the list must still start it at its newest entry, not replay it all.
    const restarted = await restart((chat) => chat.loadReceipts(dm));
    const view = () => restarted.chat.getSnapshot().byId[dm];
    expect(view()?.headSeq).toBe(lastSeq);
    expect(view()?.hasOlder).toBe(true);
    await pageToStart(restarted, dm);
    expect(restarted.textsOf(dm)).toEqual(texts);
  });

  test("two devices send the first message of a new DM at once: both arrive decrypted everywhere", async () => {
    const fay = withE2e(await signUp(stack, "fay", { gateway: 0 }), new MemoryE2eStateStore());
    const gus = withE2e(await signUp(stack, "gus", { gateway: 1 }), fileStore());
    await befriend(fay, gus);
    const dm = dmConversationId(fay.user.id, gus.user.id);
    for (const c of [fay, gus]) await c.chat.e2e?.deviceReady();
    plaintexts.push("fay races", "gus races");
    await Promise.all([fay.chat.send(dm, "fay races"), gus.chat.send(dm, "gus races")]);
    await allRead([fay, gus], dm, ["fay races", "gus races"]);
    // One group won; the other device's commit was STALE_EPOCH, it joined by its Welcome and sent again.
    expect((await messagesOf(dm)).filter((m) => m.kind === "mls.commit")).toHaveLength(1);
    expect((fay.chat.e2e?.staleRetries ?? 0) + (gus.chat.e2e?.staleRetries ?? 0)).toBeGreaterThanOrEqual(1);
    for (const c of [fay, gus]) expect(c.chat.e2e?.undecryptable).toBe(0);
  });

  test("a device signed in later is added by the next sender and reads from then on; logout deletes its state", async () => {
    const hana = withE2e(await signUp(stack, "hana", { gateway: 0 }), new MemoryE2eStateStore());
    const ivan = withE2e(await signUp(stack, "ivan", { gateway: 1 }), new MemoryE2eStateStore());
    await befriend(hana, ivan);
    await ivan.chat.e2e?.deviceReady();
    const dm = dmConversationId(hana.user.id, ivan.user.id);
    await say(hana, dm, "before the second device");
    await allRead([ivan], dm, ["before the second device"]);

    // Ivan's engine cached hana's devices when it joined; the directory tells it of her new one.
    const heard = devicesChanged(ivan, hana.user.id);
    const store = fileStore();
    const hana2 = withE2e(await device(stack, hana, 1), store);
    await hana2.chat.e2e?.deviceReady();
    await until(() => devicesChanged(ivan, hana.user.id) > heard, "ivan told of hana's new device", 20_000);
    await say(ivan, dm, "after the second device");
    await allRead([hana, hana2], dm, ["after the second device"]);
    expect(hana2.textsOf(dm)).not.toContain("before the second device");
    const commits = (await messagesOf(dm)).filter((m) => m.kind === "mls.commit");
    expect(commits).toHaveLength(2); // the group's establishment, then ivan's Add of hana's new device
    for (const c of [hana, hana2, ivan]) expect(c.chat.e2e?.undecryptable).toBe(0);

    expect(await store.loadDevice(hana.user.id)).toBeDefined();
    await hana2.client.logout();
    // The clear removes a directory tree: the device file can be gone while the groups' still are.
    const held = async () =>
      (await store.loadDevice(hana.user.id)) !== undefined || (await store.loadGroup(hana.user.id, dm)) !== undefined;
    const deadline = Date.now() + 5000;
    while ((await held()) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await store.loadDevice(hana.user.id)).toBeUndefined();
    expect(await store.loadGroup(hana.user.id, dm)).toBeUndefined();
  });

  test("a password change and a reconnect keep the session's device and its groups", async () => {
    const lena = withE2e(await signUp(stack, "lena", { gateway: 0 }), new MemoryE2eStateStore());
    const max = withE2e(await signUp(stack, "max", { gateway: 1 }), new MemoryE2eStateStore());
    await befriend(lena, max);
    await max.chat.e2e?.deviceReady();
    const dm = dmConversationId(lena.user.id, max.user.id);
    await say(lena, dm, "before the password change");
    await allRead([max], dm, ["before the password change"]);
    const devicesBefore = await max.client.request("auth.keys.devices", { userId: lena.user.id });

    await lena.client.changePassword("correct horse battery staple", "a brand new horse battery");
    lena.client.reconnect();
    await until(() => lena.client.state === "ready" && lena.chat.syncStatus === "up-to-date", "resumed");
    await say(max, dm, "after the password change");
    await say(lena, dm, "lena still here");
    await allRead([lena, max], dm, ["before the password change", "after the password change", "lena still here"]);
    // The same key registered again on the same session: the same device, no new one.
    const devicesAfter = await max.client.request("auth.keys.devices", { userId: lena.user.id });
    const keysOf = (list: typeof devicesAfter) => list.devices.map((d) => [d.deviceId, d.signatureKey]);
    expect(keysOf(devicesAfter)).toEqual(keysOf(devicesBefore));
    expect(devicesAfter.devices).toHaveLength(1);
    for (const c of [lena, max]) expect(c.chat.e2e?.undecryptable).toBe(0);
  });

  test("mentions travel inside the encryption; conversation settings follow the user's other device", async () => {
    const ann = withE2e(await signUp(stack, "ment_a", { gateway: 0 }), new MemoryE2eStateStore());
    const ann2 = withE2e(await device(stack, ann, 1), new MemoryE2eStateStore());
    const ben = withE2e(await signUp(stack, "ment_b", { gateway: 1 }), new MemoryE2eStateStore());
    await befriend(ann, ben);
    for (const c of [ann, ann2, ben]) await c.chat.e2e?.deviceReady();
    await waitForDevices(ben, [ann.user.id, ben.user.id], 3);
    const dm = dmConversationId(ann.user.id, ben.user.id);

    const text = `lunch, @${ann.name}?`;
    plaintexts.push(text);
    await ben.chat.send(dm, text, { mentions: [ann.user.id] });
    await allRead([ann, ann2, ben], dm, [text]);
    for (const c of [ann, ann2, ben]) {
      const entry = c.stream.find((e) => e.kind === "text" && e.text === text);
      expect(entry).toMatchObject({ e2e: "decrypted", mentions: [ann.user.id] });
    }
    // The text (and so the mention) reaches the server only encrypted: the last test checks every row.

    // Ann mutes, pins and marks it unread on one device; her other device shows the same.
    const settings = { muted: { until: null }, pinned: true, archived: false, markedUnread: true };
    await ann.chat.setSettings(dm, { muted: { until: null }, pinned: true, markedUnread: true });
    await until(() => JSON.stringify(ann2.chat.getSnapshot().byId[dm]?.settings) === JSON.stringify(settings));
    expect(ben.chat.getSnapshot().byId[dm]?.settings.pinned).toBe(false);
    // Reading on the second device clears the mark everywhere, with nothing new to read.
    await ann2.chat.markRead(dm);
    await ann2.chat.markRead(dm);
    await until(() => ann.chat.getSnapshot().byId[dm]?.settings.markedUnread === false);
    expect(ann.chat.getSnapshot().byId[dm]?.settings).toMatchObject({ pinned: true, muted: { until: null } });
  });

  test("a forwarded text carries the mark to every device, and keeps it after a restart; an ordinary one none", async () => {
    const { person: first, chatter: diChat, restart } = await restartable("fwd_b", 1);
    const cy = withE2e(await signUp(stack, "fwd_a", { gateway: 0 }), new MemoryE2eStateStore());
    await befriend(cy, first);
    for (const c of [cy, diChat]) await c.chat.e2e?.deviceReady();
    const dm = dmConversationId(cy.user.id, diChat.user.id);
    const [copied, own] = ["passed on from elsewhere", "in my own words"] as const;
    const texts = [copied, own];
    plaintexts.push(...texts);
    const forwarded = await cy.chat.send(dm, copied, { forwarded: true });
    const ordinary = await cy.chat.send(dm, own);
    await allRead([cy, diChat], dm, texts);
    for (const c of [cy, diChat]) {
      expect(c.at(dm, forwarded.seq)).toMatchObject({ e2e: "decrypted", forwarded: true });
      expect(c.at(dm, ordinary.seq)).not.toHaveProperty("forwarded");
    }
    // The process goes away; a new one shows what the device read from its read records (MLS
    // keeps no key to read it again).
    const restarted = await restart();
    await pageToStart(restarted, dm);
    await allRead([restarted], dm, texts);
    expect(restarted.at(dm, forwarded.seq)).toMatchObject({ e2e: "decrypted", forwarded: true });
    expect(restarted.at(dm, ordinary.seq)).not.toHaveProperty("forwarded");
    for (const c of [cy, restarted]) expect(c.chat.e2e?.undecryptable).toBe(0);
  });

  test("no plaintext in the database's messages nor on NATS", async () => {
    await world.expectNoPlaintext(5);
    for (const c of chatters) expect(c.chat.e2e?.undecryptable).toBe(0);
  });
});

describe("what cannot be decrypted", () => {
  test("is counted and shown as undecryptable, never dropped; the conversation goes on", async () => {
    const jo = withE2e(await signUp(stack, "jo", { gateway: 0 }), new MemoryE2eStateStore());
    const kim = withE2e(await signUp(stack, "kim", { gateway: 1 }), new MemoryE2eStateStore());
    await befriend(jo, kim);
    await kim.chat.e2e?.deviceReady();
    const dm = dmConversationId(jo.user.id, kim.user.id);
    await say(jo, dm, "a real one");
    await allRead([kim], dm, ["a real one"]);

    // Kim's session sends a message of a look-alike group (same group id and epoch, other keys):
    // the Delivery Service cannot tell (it holds no key); no member device can read it.
    const forger = await Device.create({ userId: kim.user.id, deviceId: "forger" });
    const fake = await forger.createGroup(dm);
    await fake.commitPending();
    fake.mergePendingCommit();
    const forged = await fake.encrypt(encodeContent(textContent("forged text")));
    const clientMsgId = newClientMsgId();
    const ack = await kim.client.request("chat.mls.send", {
      conversationId: dm,
      clientMsgId,
      message: Buffer.from(forged).toString("base64url"),
    });
    await until(() => jo.chat.e2e?.undecryptable === 1, "the failure counted");
    const shown = jo.chat.getSnapshot().byId[dm]?.entries.find((e) => e.seq === ack.seq);
    expect(shown).toMatchObject({ kind: "text", text: "", e2e: "undecryptable", senderId: kim.user.id });
    expect(jo.stream.some((e) => e.seq === ack.seq && e.conversationId === dm)).toBe(true);

    await say(jo, dm, "still readable");
    await allRead([kim], dm, ["a real one", "still readable"]);
  });
});
