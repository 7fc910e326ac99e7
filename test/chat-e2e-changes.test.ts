/**
 * The SDK's end-to-end engine for everyday chat, through the real stack (gateways, auth's key
 * directory, chat as the Delivery Service, social, NATS, SQLite or PostgreSQL): edits, deletes,
 * reactions and replies travel as encrypted contents (docs/E2E.md section 5) and show on every device as
 * plaintext ones do; a change forged by another member is ignored; one that arrives before its
 * target waits for it; history paged with loadOlder on a device that joined later shows earlier
 * messages as unavailable and decrypts later ones; a leaf whose key is not the directory's is
 * refused. No plaintext (edits included) reaches the database or NATS.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { CONTENT_VERSION, Device, decodeExternalSenderDescriptor, newContentId, textContent } from "@sealroom/e2e";
import { MemoryE2eStateStore, dmConversationId, newClientMsgId, type E2eTextEntry } from "@sealroom/sdk/node";
import type { Stack } from "./support/stack.js";
import { befriend, device, signUp } from "./social-helpers.js";
import { until } from "./support/chat.js";
import { devicesChanged, e2eChatWorld, pageToStart, waitForDevices, type E2eChatter } from "./support/e2e-chat.js";

const world = e2eChatWorld();
const { plaintexts, withE2e, fileStore, messagesOf } = world;
let stack: Stack;
beforeAll(() => {
  stack = world.stack;
});

async function say(from: E2eChatter, conversationId: string, text: string, replyToSeq?: number): Promise<number> {
  plaintexts.push(text);
  return (await from.chat.send(conversationId, text, replyToSeq === undefined ? {} : { replyToSeq })).seq;
}

/** Waits until every reader shows the message at `seq` as `expected` says. */
async function shows(
  readers: E2eChatter[],
  conversationId: string,
  seq: number,
  expected: (e: E2eTextEntry) => boolean,
  what: string,
): Promise<void> {
  await until(
    () =>
      readers.every((r) => {
        const e = r.at(conversationId, seq);
        return e !== undefined && expected(e);
      }),
    what,
    20_000,
  );
}

/** Two users befriended, with `devices` SDK devices of the first, all registered. */
async function dmOf(first: string, second: string, firstDevices = 1) {
  const a = withE2e(await signUp(stack, first, { gateway: 0 }), new MemoryE2eStateStore());
  const others: E2eChatter[] = [];
  for (let i = 1; i < firstDevices; i++) others.push(withE2e(await device(stack, a, 1), fileStore()));
  const b = withE2e(await signUp(stack, second, { gateway: 1 }), new MemoryE2eStateStore());
  await befriend(a, b);
  for (const c of [a, ...others, b]) await c.chat.e2e?.deviceReady();
  await waitForDevices(a, [a.user.id, b.user.id], firstDevices + 1);
  return { a, others, b, dm: dmConversationId(a.user.id, b.user.id) };
}

describe("edits, deletes and replies in an encrypted conversation", () => {
  test("edit and delete reach every device of both users; replies name their target", async () => {
    const { a: alice, others, b: bob, dm } = await dmOf("ada", "bo", 2);
    const alice2 = others[0]!;
    const everyone = [alice, alice2, bob];
    const seq = await say(alice, dm, "the original text");
    await shows(everyone, dm, seq, (e) => e.text === "the original text" && e.e2e === "decrypted", "the original");
    const contentId = alice.at(dm, seq)?.contentId;
    expect(contentId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    for (const c of everyone) expect(c.at(dm, seq)?.contentId).toBe(contentId);

    plaintexts.push("the edited text");
    const ack = await alice.chat.edit(dm, seq, "the edited text");
    expect(ack.targetSeq).toBe(seq);
    await shows(everyone, dm, seq, (e) => e.text === "the edited text" && e.editedTs === ack.ts, "the edit");
    // Listeners see an edit entry as for plaintext, not a message.
    expect(bob.stream).toContainEqual(expect.objectContaining({ kind: "edit", targetSeq: seq, seq: ack.seq }));
    expect(bob.stream.filter((e) => e.seq === ack.seq && e.conversationId === dm)).toHaveLength(1);

    // Her other device may change it too (the same user); bob may not (refused before anything is sent).
    plaintexts.push("edited on the second device");
    await alice2.chat.edit(dm, seq, "edited on the second device");
    await shows(everyone, dm, seq, (e) => e.text === "edited on the second device", "the second device's edit");
    await expect(bob.chat.edit(dm, seq, "not his")).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(bob.chat.delete(dm, seq)).rejects.toMatchObject({ code: "FORBIDDEN" });

    const reply = await say(bob, dm, "a reply to it", seq);
    await shows(everyone, dm, reply, (e) => e.replyTo?.contentId === contentId && e.replyTo?.seq === seq, "the reply");

    const del = await alice.chat.delete(dm, seq);
    await shows(everyone, dm, seq, (e) => e.text === "" && e.deletedTs === del.ts, "the delete");
    await expect(alice.chat.edit(dm, seq, "too late")).rejects.toMatchObject({ code: "CONFLICT" });
    // Only ciphertext in the log: no plaintext edit or delete entry.
    const kinds = (await messagesOf(dm)).map((m) => m.kind);
    expect(kinds.filter((k) => k !== "mls.app" && k !== "mls.commit")).toEqual([]);
    for (const c of everyone) {
      expect(c.chat.e2e?.undecryptable).toBe(0);
      expect(c.chat.e2e?.ignoredChanges).toBe(0);
      expect(c.chat.e2e?.refusedLeaves).toBe(0);
    }
  });

  test("an edit forged by another member is ignored and counted on every device", async () => {
    const { a: alice, b: bob, dm } = await dmOf("cy", "di");
    const seq = await say(alice, dm, "alice wrote this");
    await shows([bob], dm, seq, (e) => e.e2e === "decrypted", "the message");
    const target = bob.at(dm, seq)?.contentId;
    if (!target) throw new Error("no content id");

    plaintexts.push("bob forged this");
    const forged = { v: CONTENT_VERSION, type: "edit", id: newContentId(), target, text: "bob forged this" } as const;
    await bob.chat.e2e?.sendContent(dm, forged);
    plaintexts.push("bob deleted this");
    await bob.chat.e2e?.sendContent(dm, { v: CONTENT_VERSION, type: "delete", id: newContentId(), target });
    await until(() => alice.chat.e2e?.ignoredChanges === 2, "both changes ignored on alice's device", 20_000);
    expect(bob.chat.e2e?.ignoredChanges).toBe(2);
    for (const c of [alice, bob]) {
      expect(c.at(dm, seq)).toMatchObject({ text: "alice wrote this", editedTs: null, deletedTs: null });
      expect(c.chat.e2e?.undecryptable).toBe(0);
    }
  });

  test("an edit that arrives before its target is applied when the target arrives", async () => {
    const { a: alice, b: bob, dm } = await dmOf("eve", "fin");
    const target = textContent("a message edited early");
    plaintexts.push("a message edited early", "the early edit");
    const e2e = alice.chat.e2e;
    if (!e2e) throw new Error("no engine");
    const editAck = await e2e.sendContent(dm, {
      v: CONTENT_VERSION,
      type: "edit",
      id: newContentId(),
      target: target.id,
      text: "the early edit",
    });
    const textAck = await e2e.sendContent(dm, target);
    expect(textAck.seq).toBeGreaterThan(editAck.seq);
    await shows(
      [alice, bob],
      dm,
      textAck.seq,
      (e) => e.text === "the early edit" && e.editedTs === editAck.ts,
      "the edit applied",
    );
    const order = bob.stream.filter((e) => e.conversationId === dm && e.seq >= editAck.seq).map((e) => e.kind);
    expect(order).toEqual(["text", "edit"]);
    for (const c of [alice, bob]) expect(c.chat.e2e?.undecryptable).toBe(0);
  });

  test("reactions: anyone's, toggled, on every device of both users; none on a deleted message", async () => {
    const { a: ann, others, b: ben, dm } = await dmOf("rea", "reb", 2);
    const ann2 = others[0]!;
    const everyone = [ann, ann2, ben];
    const seq = await say(ann, dm, "react to this");
    await shows(everyone, dm, seq, (e) => e.e2e === "decrypted", "the message");
    await ben.chat.react(dm, seq, "👍");
    await ann2.chat.react(dm, seq, "👍");
    await ann.chat.react(dm, seq, "🎉");
    const both = [
      { emoji: "👍", userIds: [ben.user.id, ann.user.id] },
      { emoji: "🎉", userIds: [ann.user.id] },
    ];
    await shows(everyone, dm, seq, (e) => JSON.stringify(e.reactions) === JSON.stringify(both), "three reactions");
    // The same emoji again from the same user takes it back, whichever of her devices does it.
    await ann.chat.react(dm, seq, "👍");
    const after = [
      { emoji: "👍", userIds: [ben.user.id] },
      { emoji: "🎉", userIds: [ann.user.id] },
    ];
    await shows(
      everyone,
      dm,
      seq,
      (e) => JSON.stringify(e.reactions) === JSON.stringify(after),
      "a reaction taken back",
    );
    await expect(ben.chat.react(dm, seq, "not an emoji")).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await ann.chat.delete(dm, seq);
    await shows(everyone, dm, seq, (e) => e.deletedTs !== null, "the delete");
    await expect(ben.chat.react(dm, seq, "👍")).rejects.toMatchObject({ code: "CONFLICT" });
    for (const c of everyone) expect(c.chat.e2e?.undecryptable).toBe(0);
    // Reactions are application messages like any other: the log holds nothing readable of them.
    const kinds = (await messagesOf(dm)).map((m) => m.kind);
    expect(kinds.filter((k) => k !== "mls.app" && k !== "mls.commit")).toEqual([]);
  });
});

describe("history and the key directory", () => {
  test("loadOlder on a device that joined later: earlier messages unavailable, later ones decrypted", async () => {
    const { a: alice, b: bob, dm } = await dmOf("gil", "hal");
    const early = [await say(alice, dm, "early one"), await say(alice, dm, "early two")];
    await shows([bob], dm, early[1]!, (e) => e.e2e === "decrypted", "the early messages");

    // A second device of alice registers (its KeyPackages published), then goes away; bob's
    // engine hears of it (auth.keys.devices.changed.v1) and drops its cached list of her devices.
    const heard = devicesChanged(bob, alice.user.id);
    const store = fileStore();
    const person = await device(stack, alice, 1);
    const before = withE2e(person, store);
    await before.chat.e2e?.deviceReady();
    before.chat.stop();
    await until(() => devicesChanged(bob, alice.user.id) > heard, "bob told of alice's new device", 20_000);
    // Bob's next send adds it (its Welcome waits in its inbox); two messages follow.
    const late = [await say(bob, dm, "late one"), await say(bob, dm, "late two")];
    await shows([alice], dm, late[1]!, (e) => e.e2e === "decrypted", "the late messages");

    // The same device comes back with a fresh store: its window starts at the newest entry.
    const again = withE2e(person, store);
    await until(() => again.chat.syncStatus === "up-to-date", "caught up", 20_000);
    await pageToStart(again, dm);
    for (const seq of early) expect(again.at(dm, seq)).toMatchObject({ e2e: "unavailable", text: "" });
    expect(again.at(dm, late[0]!)).toMatchObject({ e2e: "decrypted", text: "late one" });
    expect(again.at(dm, late[1]!)).toMatchObject({ e2e: "decrypted", text: "late two" });
    expect(again.chat.e2e?.undecryptable).toBe(0);
  });

  test("a device that restarts shows what it read and sent before, edits applied, and reads on", async () => {
    const { a: alice, b: bob, dm } = await dmOf("lu", "mo");
    const heard = devicesChanged(bob, alice.user.id);
    const store = fileStore();
    const person = await device(stack, alice, 1);
    const phone = withE2e(person, store);
    await phone.chat.e2e?.deviceReady();
    await until(() => devicesChanged(bob, alice.user.id) > heard, "bob told of alice's phone", 20_000);
    const theirs = await say(bob, dm, "read before the restart");
    await shows([phone], dm, theirs, (e) => e.e2e === "decrypted", "bob's message on the phone");
    const mine = await say(phone, dm, "sent by the phone");
    plaintexts.push("the phone's edit", "edited by bob");
    await phone.chat.edit(dm, mine, "the phone's edit");
    await bob.chat.edit(dm, theirs, "edited by bob");
    await shows([phone], dm, theirs, (e) => e.text === "edited by bob", "bob's edit on the phone");
    phone.chat.stop();

    const again = withE2e(person, store);
    await until(() => again.chat.syncStatus === "up-to-date", "caught up", 20_000);
    await pageToStart(again, dm);
    await shows([again], dm, theirs, (e) => e.e2e === "decrypted", "what the phone read, after the restart");
    expect(again.at(dm, theirs)).toMatchObject({ text: "edited by bob", editedTs: expect.any(Number) });
    expect(again.at(dm, mine)).toMatchObject({ e2e: "decrypted", text: "the phone's edit" });
    const after = await say(bob, dm, "after the restart");
    await shows([again], dm, after, (e) => e.text === "after the restart", "a message after the restart");
    expect(again.chat.e2e?.undecryptable).toBe(0);
  });

  test("a group whose tree holds a leaf with another key than the directory's: the DS refuses it, and so does a device a server lets it reach", async () => {
    const { a: jo, b: kim, dm } = await dmOf("jo", "kim");
    // Kim's session builds the DM's group itself, with her real device id but a key of its own.
    const { devices } = await kim.client.request("auth.keys.devices", { userId: kim.user.id });
    const kimDevice = devices[0]!.deviceId;
    const impostor = await Device.create({ userId: kim.user.id, deviceId: kimDevice });
    const server = await kim.client.request("chat.mls.serverSender", {});
    const group = await impostor.createGroup(dm, {
      externalSenders: [decodeExternalSenderDescriptor(Buffer.from(server.externalSender, "base64url"))],
    });
    const claimed = await kim.client.request("auth.keys.claim", { userId: jo.user.id });
    const joDevice = claimed.keyPackages[0]!;
    const bundle = await group.addMembers([Buffer.from(joDevice.keyPackage, "base64url")]);
    if (!bundle.welcome) throw new Error("no Welcome");
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
    const refused = await kim.client.call("chat.mls.send", {
      conversationId: dm,
      clientMsgId: newClientMsgId(),
      message: b64(bundle.commit),
      groupInfo: b64(bundle.groupInfo),
      welcome: { message: b64(bundle.welcome), deviceIds: [joDevice.deviceId] },
    });
    expect(!refused.ok && refused.error.code).toBe("FORBIDDEN");

    // A malicious server would let it through: its Welcome put in jo's inbox behind the DS's back.
    const conv = await stack.db.conversation.upsert({
      where: { key: dm },
      create: { key: dm, kind: "dm", lastSeq: 0, lastActivityMs: Date.now() },
      update: {},
    });
    await stack.db.mlsWelcome.create({
      data: { deviceId: joDevice.deviceId, conversationId: conv.id, epoch: 1, data: b64(bundle.welcome), createdMs: 0 },
    });
    // Jo's next send reads the inbox first: the device refuses the leaf and never joins that group.
    const seq = await say(jo, dm, "jo goes on");
    expect(jo.chat.e2e?.refusedLeaves).toBeGreaterThanOrEqual(1);
    await shows([jo, kim], dm, seq, (e) => e.text === "jo goes on", "jo's message in jo's own group");
    expect(jo.chat.e2e?.undecryptable).toBe(0);
  });

  test("no plaintext of a message or an edit in the database's messages nor on NATS", async () => {
    await world.expectNoPlaintext(8);
  });
});
