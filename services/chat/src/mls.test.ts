// The chat service as MLS's Delivery Service, with real MLS (@sealroom/e2e over ts-mls): devices
// of two users establish a group through chat.mls.send, join from the Welcome inbox, and exchange
// encrypted messages through the log; the DS's refusals leave nothing written.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeContent, newContentId, textContent, type Content } from "@sealroom/e2e";
import { dmConversationId, groupConversationId } from "@sealroom/proto/chat";
import { loadServerSender } from "./server-sender.js";
import { setup, type Harness } from "./test/harness.js";
import { b64, bytes, mlsKit } from "./test/mls.js";

let h: Harness;
beforeAll(async () => {
  h = await setup();
});
afterAll(async () => {
  await h?.teardown();
});
const { cid, member, newGroup, keyPackage, establish, join, sendText, sync, textOf, friends } = mlsKit(() => h);

describe("chat.mls.send: a DM becomes end-to-end encrypted", () => {
  it("the first commit establishes the group, the Welcome reaches bob's inbox, messages round trip", async () => {
    const { a, b, dm } = await friends();
    await h.call(a, "chat.send", { conversationId: dm, clientMsgId: cid(), text: "before encryption" });
    const alice = await member(a);
    const bob = await member(b);
    const { group: ga, ack } = await establish(dm, alice, [bob]);
    expect(ack).toMatchObject({ conversationId: dm, seq: 2, epoch: 1 });
    const conv = await h.db.conversation.findUniqueOrThrow({ where: { key: dm } });
    expect(conv.mlsEpoch).toBe(1);
    expect(await h.db.mlsGroupInfo.findUnique({ where: { conversationId: conv.id } })).toMatchObject({ epoch: 1 });
    await h.until(() => h.events(b, "chat.mls.welcome.v1").length === 1, 5000, "the welcome event");
    expect(h.events(b, "chat.mls.welcome.v1")[0]).toEqual({ conversationId: dm, deviceId: bob.deviceId });

    const gb = await join(bob);
    expect(gb.epoch).toBe(1n);
    expect((await h.call(b, "chat.mls.welcomes", {})).welcomes).toEqual([]);

    const sent = await sendText(alice, ga, dm, "hello bob, encrypted");
    expect(sent).toMatchObject({ seq: 3, epoch: 1 });
    const entries = await sync(b, dm, 1);
    expect(entries.map((e) => e.kind)).toEqual(["mls.commit", "mls.app"]);
    expect(entries[1]).toMatchObject({ senderId: a, clientMsgId: sent.clientMsgId });
    expect(await textOf(gb, entries[1])).toBe("hello bob, encrypted");

    await sendText(bob, gb, dm, "hi alice");
    const [reply] = await sync(a, dm, 3);
    expect(await textOf(ga, reply)).toBe("hi alice");

    // Live: the entry itself, no text preview; history carries the same entries.
    await h.until(() => h.events(b, "chat.message.created.v1").some((e) => e.entry.seq === 4));
    const live = h.events(b, "chat.message.created.v1").find((e) => e.entry.seq === 3);
    expect(live).toMatchObject({ entry: { kind: "mls.app", seq: 3 }, preview: "", sender: { id: a } });
    const history = await h.call(a, "chat.history", { conversationId: dm });
    expect(history.entries.map((e) => e.kind)).toEqual(["text", "mls.commit", "mls.app", "mls.app"]);
    expect(history.people?.map((p) => p.id).sort()).toEqual([a, b].sort());

    // No ciphertext as a preview: the newest shown entry is encrypted, so there is none.
    const list = await h.call(b, "chat.conversations", {});
    expect(list.conversations.find((c) => c.conversationId === dm)?.last).toBeNull();

    // Plaintext can no longer enter; the plaintext from before can still be taken back.
    expect((await h.refusal(a, "chat.send", { conversationId: dm, clientMsgId: cid(), text: "x" }))?.code).toBe(
      "ENCRYPTION_REQUIRED",
    );
    expect((await h.refusal(a, "chat.edit", { conversationId: dm, seq: 1, text: "changed" }))?.code).toBe(
      "ENCRYPTION_REQUIRED",
    );
    expect((await h.refusal(a, "chat.delete", { conversationId: dm, seq: 3 }))?.code).toBe("FORBIDDEN");
    expect((await h.call(a, "chat.delete", { conversationId: dm, seq: 1 })).targetSeq).toBe(1);

    // The GroupInfo of the current epoch, for participants only.
    const info = await h.call(b, "chat.mls.groupInfo", { conversationId: dm });
    expect(info.epoch).toBe(1);
    const stranger = await h.seed.user();
    expect((await h.refusal(stranger, "chat.mls.groupInfo", { conversationId: dm }))?.code).toBe("NOT_FOUND");

    // The database holds ciphertext only.
    const marker = "hello bob, encrypted";
    const rows = await h.db.message.findMany({
      where: { conversationId: conv.id, kind: { startsWith: "mls." } },
      orderBy: { seq: "asc" },
    });
    expect(rows.map((r) => r.kind)).toEqual(["mls.commit", "mls.app", "mls.app"]);
    for (const row of rows) {
      expect(row.body).not.toContain(marker);
      expect(Buffer.from(row.body, "base64url").toString("latin1")).not.toContain(marker);
    }
    if (h.database.file) {
      // The scan finds what is there: a plaintext message of another DM is in the file.
      const control = `plaintext-control-${a}`;
      const other = await h.seed.user();
      await h.seed.friends(a, other);
      await h.call(a, "chat.send", { conversationId: dmConversationId(a, other), clientMsgId: cid(), text: control });
      const files = [h.database.file, `${h.database.file}-wal`].flatMap((file) => {
        try {
          return [readFileSync(file)];
        } catch {
          return [];
        }
      });
      expect(files.some((content) => content.includes(Buffer.from(control)))).toBe(true);
      expect(files.some((content) => content.includes(Buffer.from(marker)))).toBe(false);
    }
  });

  it("two commits in one epoch: one wins, the other is STALE_EPOCH, catches up and retries", async () => {
    const { a, b, dm } = await friends();
    const alice = await member(a);
    const bob = await member(b);
    const { group: ga } = await establish(dm, alice, [bob]);
    const gb = await join(bob);
    const [ca, cb] = [await ga.commitPending(), await gb.commitPending()];
    const send = (userId: number, c: typeof ca) =>
      h.refusal(userId, "chat.mls.send", {
        conversationId: dm,
        clientMsgId: cid(),
        message: b64(c.commit),
        groupInfo: b64(c.groupInfo),
      });
    const [ra, rb] = await Promise.all([send(a, ca), send(b, cb)]);
    expect([ra?.code, rb?.code].filter((c) => c !== undefined)).toEqual(["STALE_EPOCH"]);
    const refused = ra ? ra : rb!;
    expect(refused.message).toContain("epoch 2");
    const [winner, loser] = ra ? [gb, ga] : [ga, gb];
    const loserId = ra ? a : b;
    winner.mergePendingCommit();

    // The loser processes the winner's commit from the log (its own pending one is dropped) and retries.
    const [commit] = await sync(loserId, dm, 1);
    expect(commit?.kind).toBe("mls.commit");
    if (commit?.kind !== "mls.commit") throw new Error("no commit");
    expect((await loser.processMessage(bytes(commit.message))).kind).toBe("commit");
    expect(loser.hasPendingCommit).toBe(false);
    const retry = await loser.commitPending();
    const ack = await h.call(loserId, "chat.mls.send", {
      conversationId: dm,
      clientMsgId: cid(),
      message: b64(retry.commit),
      groupInfo: b64(retry.groupInfo),
    });
    expect(ack.epoch).toBe(3);
    loser.mergePendingCommit();
    const [again] = await sync(ra ? b : a, dm, 2);
    if (again?.kind !== "mls.commit") throw new Error("no commit");
    await winner.processMessage(bytes(again.message));
    expect([ga.epoch, gb.epoch]).toEqual([3n, 3n]);
    const sent = await sendText(alice, ga, dm, "after the race");
    expect(await textOf(gb, (await sync(b, dm, sent.seq - 1))[0])).toBe("after the race");

    // An application message made in an older epoch is refused: not every member could read it.
    const conv = await h.db.conversation.findUniqueOrThrow({ where: { key: dm } });
    const before = conv.lastSeq;
    const old = await ga.encrypt(encodeContent(textContent("late")));
    const update = await gb.commitPending();
    await h.call(b, "chat.mls.send", {
      conversationId: dm,
      clientMsgId: cid(),
      message: b64(update.commit),
      groupInfo: b64(update.groupInfo),
    });
    gb.mergePendingCommit();
    const late = await h.refusal(a, "chat.mls.send", { conversationId: dm, clientMsgId: cid(), message: b64(old) });
    expect(late?.code).toBe("STALE_EPOCH");
    expect((await h.db.conversation.findUniqueOrThrow({ where: { key: dm } })).lastSeq).toBe(before + 1);
  });

  it("a Remove proposal built on the published GroupInfo enters the log, and the next commit applies it", async () => {
    const { a, b, dm } = await friends();
    // The server's own key (server-sender.ts): a member relays a proposal signed with it.
    const server = await loadServerSender(h.db);
    const alice = await member(a);
    const bob = await member(b);
    const group = await newGroup(alice, dm);
    const add = await group.addMembers([await keyPackage(bob)]);
    await h.call(a, "chat.mls.send", {
      conversationId: dm,
      clientMsgId: cid(),
      message: b64(add.commit),
      groupInfo: b64(add.groupInfo),
      welcome: { message: b64(add.welcome!), deviceIds: [bob.deviceId] },
    });
    group.mergePendingCommit();
    const gb = await join(bob);

    // Bob's device signs out (its row goes; no doorbell here, so the reconciler does not propose
    // first): its leaf no longer belongs, and only such a leaf may be removed.
    await h.db.device.delete({ where: { id: bob.deviceId } });
    const { groupInfo } = await h.call(a, "chat.mls.groupInfo", { conversationId: dm });
    const [proposal] = await server.proposeRemove(bytes(groupInfo), { userId: b });
    const ack = await h.call(a, "chat.mls.send", { conversationId: dm, clientMsgId: cid(), message: b64(proposal!) });
    expect(ack.epoch).toBe(1);
    const [entry] = await sync(b, dm, 1);
    expect(entry?.kind).toBe("mls.proposal");
    if (entry?.kind !== "mls.proposal") throw new Error("no proposal");
    expect(await gb.processMessage(bytes(entry.message))).toMatchObject({ kind: "proposal", fromServer: true });
    expect(await group.processMessage(bytes(entry.message))).toMatchObject({ kind: "proposal" });

    const commit = await group.commitPending();
    await h.call(a, "chat.mls.send", {
      conversationId: dm,
      clientMsgId: cid(),
      message: b64(commit.commit),
      groupInfo: b64(commit.groupInfo),
    });
    group.mergePendingCommit();
    const [removal] = await sync(b, dm, 2);
    if (removal?.kind !== "mls.commit") throw new Error("no commit");
    expect(await gb.processMessage(bytes(removal.message))).toMatchObject({ kind: "commit", removedSelf: true });
    // The proposal was for epoch 1; the group is at 2 now.
    const again = await h.refusal(a, "chat.mls.send", {
      conversationId: dm,
      clientMsgId: cid(),
      message: b64(proposal!),
    });
    expect(again?.code).toBe("STALE_EPOCH");
    expect((await h.call(b, "chat.mls.groupInfo", { conversationId: dm })).epoch).toBe(2);
  });

  it("refuses another group's messages, malformed bytes, and messages before the group exists", async () => {
    const { a, b, dm } = await friends();
    const alice = await member(a);
    const elsewhere = await alice.device.createGroup(groupConversationId(999_999));
    const wrong = await elsewhere.commitPending();
    const code = async (body: { message: string; groupInfo?: string }) =>
      (await h.refusal(a, "chat.mls.send", { conversationId: dm, clientMsgId: cid(), ...body }))?.code;
    expect(await code({ message: b64(wrong.commit), groupInfo: b64(wrong.groupInfo) })).toBe("BAD_REQUEST");
    expect(await code({ message: "AAEC" })).toBe("BAD_REQUEST");
    expect(await code({ message: "not base64!" })).toBe("BAD_REQUEST");
    expect(await code({ message: "AAECA" })).toBe("BAD_REQUEST"); // no whole number of bytes
    // A welcome as the message; a commit without its GroupInfo.
    const own = await newGroup(alice, dm);
    const bob = await member(b);
    const bundle = await own.addMembers([await keyPackage(bob)]);
    expect(await code({ message: b64(bundle.welcome!) })).toBe("BAD_REQUEST");
    expect(await code({ message: b64(bundle.commit) })).toBe("BAD_REQUEST");
    // A commit whose GroupInfo is not of the epoch it creates.
    const current = await own.groupInfo();
    expect(await code({ message: b64(bundle.commit), groupInfo: b64(current) })).toBe("BAD_REQUEST");
    // An application message while no group exists.
    const solo = await newGroup(alice, dm);
    expect(await code({ message: b64(await solo.encrypt(new Uint8Array(256))) })).toBe("CONFLICT");
    expect(await h.db.conversation.findUnique({ where: { key: dm } })).toBeNull();
    expect((await h.refusal(a, "chat.mls.groupInfo", { conversationId: dm }))?.code).toBe("NOT_FOUND");
  });

  it("a Welcome for a device of a non-member is FORBIDDEN and nothing is written", async () => {
    const owner = await h.seed.user();
    const mate = await h.seed.user();
    const outsider = await h.seed.user();
    const groupId = await h.seed.group(owner, [mate]);
    const conversationId = groupConversationId(groupId);
    await h.services[0]!.catchUpTimeline();
    const lastSeq = (await h.db.conversation.findUnique({ where: { key: conversationId } }))?.lastSeq ?? 0;
    const o = await member(owner);
    const m = await member(mate);
    const x = await member(outsider);
    const group = await newGroup(o, conversationId);
    const bundle = await group.addMembers([await keyPackage(m), await keyPackage(x)]);
    const refusal = await h.refusal(owner, "chat.mls.send", {
      conversationId,
      clientMsgId: cid(),
      message: b64(bundle.commit),
      groupInfo: b64(bundle.groupInfo),
      welcome: { message: b64(bundle.welcome!), deviceIds: [m.deviceId, x.deviceId] },
    });
    expect(refusal?.code).toBe("FORBIDDEN");
    const conv = await h.db.conversation.findUnique({ where: { key: conversationId } });
    expect(conv?.mlsEpoch ?? null).toBeNull();
    expect(conv?.lastSeq ?? 0).toBe(lastSeq);
    expect(await h.db.mlsWelcome.count({ where: { deviceId: { in: [m.deviceId, x.deviceId] } } })).toBe(0);
    if (conv) expect(await h.db.mlsGroupInfo.count({ where: { conversationId: conv.id } })).toBe(0);
    // An unknown device is refused the same way.
    const unknown = await h.refusal(owner, "chat.mls.send", {
      conversationId,
      clientMsgId: cid(),
      message: b64(bundle.commit),
      groupInfo: b64(bundle.groupInfo),
      welcome: { message: b64(bundle.welcome!), deviceIds: ["no-such-device"] },
    });
    expect(unknown?.code).toBe("FORBIDDEN");
  });

  it("a retry with the same clientMsgId returns the original ack; other bytes are CONFLICT", async () => {
    const { a, b, dm } = await friends();
    const alice = await member(a);
    const bob = await member(b);
    const { group } = await establish(dm, alice, [bob]);
    const message = b64(await group.encrypt(encodeContent(textContent("once"))));
    const body = { conversationId: dm, clientMsgId: cid(), message };
    const acks = await Promise.all([1, 2, 3].map(() => h.call(a, "chat.mls.send", body)));
    expect(new Set(acks.map((x) => JSON.stringify(x))).size).toBe(1);
    expect(await h.db.message.count({ where: { senderId: a, clientMsgId: body.clientMsgId } })).toBe(1);
    const other = b64(await group.encrypt(encodeContent(textContent("twice"))));
    expect((await h.refusal(a, "chat.mls.send", { ...body, message: other }))?.code).toBe("CONFLICT");
  });

  it("a new message (notify) counts as unread and moves the conversation up; an edit does not", async () => {
    const { a, b, dm } = await friends();
    const alice = await member(a);
    const bob = await member(b);
    const { group } = await establish(dm, alice, [bob]);
    const encrypted = async (content: Content) => b64(await group.encrypt(encodeContent(content)));
    const read = async () =>
      (await h.call(b, "chat.conversations", {})).conversations.find((c) => c.conversationId === dm);
    const before = await read();
    expect(before?.read.unread).toBe(0);

    const first = textContent("counted");
    const sent = await h.call(a, "chat.mls.send", {
      conversationId: dm,
      clientMsgId: cid(),
      message: await encrypted(first),
      notify: true,
    });
    const after = await read();
    expect(after?.read.unread).toBe(1);
    expect(after?.lastActivityTs).toBe(sent.ts);
    expect(after?.last).toBeNull(); // no preview of ciphertext: devices compute theirs

    // An edit (as its sender's device marks it: no notify) is stored but neither counted nor shown.
    const edit: Content = { v: 1, type: "edit", id: newContentId(), target: first.id, text: "edited" };
    const quiet = await h.call(a, "chat.mls.send", {
      conversationId: dm,
      clientMsgId: cid(),
      message: await encrypted(edit),
    });
    expect(quiet.seq).toBe(sent.seq + 1);
    const later = await read();
    expect(later?.read.unread).toBe(1);
    expect(later?.lastActivityTs).toBe(sent.ts);

    // Only an application message may say so: a commit with notify is refused, nothing written.
    const commit = await group.commitPending();
    const refused = await h.refusal(a, "chat.mls.send", {
      conversationId: dm,
      clientMsgId: cid(),
      message: b64(commit.commit),
      groupInfo: b64(commit.groupInfo),
      notify: false,
    });
    expect(refused?.code).toBe("BAD_REQUEST");
    group.discardPendingCommit();
    const conv = await h.db.conversation.findUniqueOrThrow({ where: { key: dm } });
    expect(conv.lastSeq).toBe(quiet.seq);
  });
});
