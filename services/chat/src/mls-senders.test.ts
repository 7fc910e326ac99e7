// The Delivery Service's sender checks (mls-senders.ts; docs/E2E.md section 3) with real MLS
// devices: a user's new device joins a quiet DM by External Commit and sends first; External
// Commits naming anyone but the calling device, from strangers or removed members, removing
// another's leaf, are refused with nothing written; a commit's or proposal's MLS sender must be
// the calling device's leaf, an application message's sender must at least have one; a Welcome
// goes exactly to the devices the commit adds; an Add and an External Commit of the same device
// racing in one epoch converge.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Device, encodeContent, inspectMembership, textContent, type Group } from "@sealroom/e2e";
import { groupConversationId } from "@sealroom/proto/chat";
import { loadServerSender } from "./server-sender.js";
import { setup, type Harness } from "./test/harness.js";
import { b64, bytes, mlsKit, type Member } from "./test/mls.js";

let h: Harness;
beforeAll(async () => {
  h = await setup();
});
afterAll(async () => {
  await h?.teardown();
});
const { cid, member, keyPackage, establish, join, sendText, sync, textOf, friends } = mlsKit(() => h);

/** What a refused send must have left as it was. */
async function snapshot(conversationId: string) {
  const conv = await h.db.conversation.findUniqueOrThrow({ where: { key: conversationId } });
  const info = await h.db.mlsGroupInfo.findUniqueOrThrow({ where: { conversationId: conv.id } });
  return {
    lastSeq: conv.lastSeq,
    mlsEpoch: conv.mlsEpoch,
    infoEpoch: info.epoch,
    welcomes: await h.db.mlsWelcome.count(),
  };
}

/** The External Commit of `m`'s device (on `session`) from the conversation's current GroupInfo. */
async function externalJoin(m: Member, conversationId: string, session?: string, device = m.device) {
  const { groupInfo } = await h.call(m.userId, "chat.mls.groupInfo", { conversationId }, session);
  return device.joinExternal(bytes(groupInfo));
}

function sendJoin(
  userId: number,
  conversationId: string,
  bundle: { commit: Uint8Array; groupInfo: Uint8Array },
  session?: string,
) {
  const body = { conversationId, clientMsgId: cid(), message: b64(bundle.commit), groupInfo: b64(bundle.groupInfo) };
  return {
    call: () => h.call(userId, "chat.mls.send", body, session),
    refusal: () => h.refusal(userId, "chat.mls.send", body, session),
  };
}

/** alice and bob in an encrypted DM, both joined; bob's second device signed in on its own session. */
async function quietDm() {
  const { a, b, dm } = await friends();
  const alice = await member(a);
  const bob = await member(b);
  const { group: ga } = await establish(dm, alice, [bob]);
  const gb = await join(bob);
  const phoneSession = `s${b}-phone`;
  const phone = await member(b, phoneSession);
  return { a, b, dm, alice, bob, ga, gb, phone, phoneSession };
}

describe("External Commit: a user's new device joins by itself", () => {
  it("in a quiet DM the new device joins, sends first and the peer reads it; earlier messages stay unreadable to it", async () => {
    const { a, b, dm, alice, ga, gb, phone, phoneSession } = await quietDm();
    const early = await sendText(alice, ga, dm, "before the phone");
    const { group: gp, bundle, resync } = await externalJoin(phone, dm, phoneSession);
    expect(resync).toBe(false);
    const ack = await sendJoin(b, dm, bundle, phoneSession).call();
    expect(ack.epoch).toBe(2);
    // The stored GroupInfo is the joiner's: the next join (or server proposal) builds on it.
    const info = await h.call(a, "chat.mls.groupInfo", { conversationId: dm });
    expect(info.epoch).toBe(2);
    expect(inspectMembership(bytes(info.groupInfo)).leaves.map((l) => l.member?.deviceId)).toContain(phone.deviceId);
    expect(await h.db.mlsWelcome.count({ where: { deviceId: phone.deviceId } })).toBe(0);

    // Alice's and bob's first devices read the commit from the log.
    for (const [userId, group] of [
      [a, ga],
      [b, gb],
    ] as const) {
      const [commit] = await sync(userId, dm, early.seq);
      if (commit?.kind !== "mls.commit") throw new Error("no commit");
      expect(await group.processMessage(bytes(commit.message))).toMatchObject({ kind: "commit", epoch: 2n });
    }
    const first = await h.call(
      b,
      "chat.mls.send",
      { conversationId: dm, clientMsgId: cid(), message: b64(await gp.encrypt(await textBytes("from the phone"))) },
      phoneSession,
    );
    expect(await textOf(ga, (await sync(a, dm, first.seq - 1))[0])).toBe("from the phone");
    const reply = await sendText(alice, ga, dm, "hello phone");
    expect(await textOf(gp, (await sync(b, dm, reply.seq - 1))[0])).toBe("hello phone");
    // What was sent before it joined is not for it.
    await expect(textOf(gp, (await sync(b, dm, early.seq - 1))[0])).rejects.toThrow();
  });

  it("refuses, with nothing written, an External Commit naming another user, another device, another key", async () => {
    const { a, b, dm, alice, phone, phoneSession } = await quietDm();
    const before = await snapshot(dm);
    // Bob's phone session sends a join whose leaf is alice's (a device of hers made for it).
    const asAlice = await Device.create({ userId: a, deviceId: alice.deviceId });
    const other = await externalJoin(phone, dm, phoneSession, asAlice);
    forbidden(await sendJoin(b, dm, other.bundle, phoneSession).refusal(), "new leaf must be the calling device");
    // Bob's own user, but his first device's id from the phone's session.
    const bobs = await h.db.device.findFirstOrThrow({ where: { userId: b, sessionId: `s${b}` } });
    const sibling = await Device.create({ userId: b, deviceId: bobs.id });
    const wrongDevice = await externalJoin(phone, dm, phoneSession, sibling);
    forbidden(await sendJoin(b, dm, wrongDevice.bundle, phoneSession).refusal(), "new leaf must be the calling device");
    // The phone's id under a key the directory does not hold for it.
    const impostor = await Device.create({ userId: b, deviceId: phone.deviceId });
    const wrongKey = await externalJoin(phone, dm, phoneSession, impostor);
    forbidden(await sendJoin(b, dm, wrongKey.bundle, phoneSession).refusal(), "new leaf must be the calling device");
    expect(await snapshot(dm)).toEqual(before);
  });

  it("a stranger cannot see the group; a kicked member cannot join it again; both leave nothing written", async () => {
    const [o, m, k] = [await h.seed.user(), await h.seed.user(), await h.seed.user()];
    const groupId = await h.seed.group(o, [m, k]);
    const conversationId = groupConversationId(groupId);
    await h.services[0]!.catchUpTimeline();
    const owner = await member(o);
    const { group: go } = await establish(conversationId, owner, [await member(m)]);
    // A stranger with a registered device, and a GroupInfo obtained somehow (the owner's).
    const stranger = await member(await h.seed.user());
    const strangerJoin = await stranger.device.joinExternal(await go.groupInfo());
    const before = await snapshot(conversationId);
    expect((await sendJoin(stranger.userId, conversationId, strangerJoin.bundle).refusal())?.code).toBe("NOT_FOUND");
    expect((await h.refusal(stranger.userId, "chat.mls.groupInfo", { conversationId }))?.code).toBe("NOT_FOUND");
    // k fetched the GroupInfo while a member, then was kicked.
    const kicked = await member(k);
    const kickedJoin = await externalJoin(kicked, conversationId);
    await h.seed.kick(groupId, o, k);
    // What social records of a kicked member (the harness's kick only deletes the membership).
    await h.db.formerMember.create({
      data: { groupId, userId: k, reason: "kicked", byId: o, groupName: "Group", removedAt: new Date() },
    });
    await h.services[0]!.catchUpTimeline();
    const afterKick = await snapshot(conversationId);
    forbidden(await sendJoin(k, conversationId, kickedJoin.bundle).refusal(), "no longer a member");
    expect(await snapshot(conversationId)).toEqual(afterKick);
    expect(afterKick.mlsEpoch).toBe(before.mlsEpoch);
  });

  it("a resync removes only the device's own old leaf; removing another's leaf is FORBIDDEN", async () => {
    const { a, b, dm, bob, ga } = await quietDm();
    // Bob's first device lost its group state (not its device): it joins again, replacing its leaf.
    const again = await externalJoin(bob, dm);
    expect(again.resync).toBe(true);
    const ack = await sendJoin(b, dm, again.bundle).call();
    expect(ack.epoch).toBe(2);
    const [commit] = await sync(a, dm, ack.seq - 1);
    if (commit?.kind !== "mls.commit") throw new Error("no commit");
    await ga.processMessage(bytes(commit.message));
    const sent = await h.call(b, "chat.mls.send", {
      conversationId: dm,
      clientMsgId: cid(),
      message: b64(await again.group.encrypt(await textBytes("resynced"))),
    });
    expect(await textOf(ga, (await sync(a, dm, sent.seq - 1))[0])).toBe("resynced");

    // A phone of bob's whose key is also that of a device of alice's in the group: its join
    // would remove her leaf (ts-mls resyncs by key). Refused.
    const twin = await Device.generateSignatureKeyPair();
    const aliceTwinSession = `s${a}-twin`;
    const aliceTwin = await Device.create({ userId: a, deviceId: `twin-a-${a}` }, {}, twin);
    await h.seed.device(a, aliceTwin.identity.deviceId, aliceTwinSession, b64(twin.publicKey));
    const add = await ga.addMembers([(await aliceTwin.createKeyPackages(1))[0]!.bytes]);
    await h.call(a, "chat.mls.send", {
      conversationId: dm,
      clientMsgId: cid(),
      message: b64(add.commit),
      groupInfo: b64(add.groupInfo),
      welcome: { message: b64(add.welcome!), deviceIds: [aliceTwin.identity.deviceId] },
    });
    ga.mergePendingCommit();
    const bobTwinSession = `s${b}-twin`;
    const bobTwin = await Device.create({ userId: b, deviceId: `twin-b-${b}` }, {}, twin);
    await h.seed.device(b, bobTwin.identity.deviceId, bobTwinSession, b64(twin.publicKey));
    const evil = await externalJoin(
      { userId: b, deviceId: bobTwin.identity.deviceId, device: bobTwin },
      dm,
      bobTwinSession,
    );
    expect(evil.resync).toBe(true);
    const before = await snapshot(dm);
    forbidden(
      await sendJoin(b, dm, evil.bundle, bobTwinSession).refusal(),
      "remove only an old leaf of the joining device",
    );
    expect(await snapshot(dm)).toEqual(before);
  });

  it("an Add of the phone and the phone's own External Commit in one epoch: one wins, both paths converge", async () => {
    for (let round = 0; round < 2; round++) {
      const { a, b, dm, ga, gb, phone, phoneSession } = await quietDm();
      const add = await ga.addMembers([await keyPackage(phone)]);
      const own = await externalJoin(phone, dm, phoneSession);
      const addBody = {
        conversationId: dm,
        clientMsgId: cid(),
        message: b64(add.commit),
        groupInfo: b64(add.groupInfo),
        welcome: { message: b64(add.welcome!), deviceIds: [phone.deviceId] },
      };
      // Both orders: round 0 sends the Add first, round 1 the External Commit first.
      const first =
        round === 0 ? () => h.refusal(a, "chat.mls.send", addBody) : sendJoin(b, dm, own.bundle, phoneSession).refusal;
      const second =
        round === 0 ? sendJoin(b, dm, own.bundle, phoneSession).refusal : () => h.refusal(a, "chat.mls.send", addBody);
      const [r1, r2] = await Promise.all([first(), second()]);
      expect([r1?.code, r2?.code].filter((c) => c !== undefined)).toEqual(["STALE_EPOCH"]);
      const addWon = (round === 0 ? r1 : r2) === undefined;
      let gp: Group;
      if (addWon) {
        ga.mergePendingCommit();
        gp = await join(phone, phoneSession); // the Welcome; the External Commit is dropped
      } else {
        ga.discardPendingCommit();
        gp = own.group;
        expect(await h.db.mlsWelcome.count({ where: { deviceId: phone.deviceId } })).toBe(0);
      }
      const [commit] = await sync(b, dm, 1);
      if (commit?.kind !== "mls.commit") throw new Error("no commit");
      await gb.processMessage(bytes(commit.message));
      if (!addWon) await ga.processMessage(bytes(commit.message));
      const leaves = inspectMembership(
        bytes((await h.call(a, "chat.mls.groupInfo", { conversationId: dm })).groupInfo),
      );
      expect(leaves.leaves.filter((l) => l.member?.deviceId === phone.deviceId)).toHaveLength(1);
      const sent = await h.call(
        b,
        "chat.mls.send",
        { conversationId: dm, clientMsgId: cid(), message: b64(await gp.encrypt(await textBytes(`round ${round}`))) },
        phoneSession,
      );
      expect(await textOf(ga, (await sync(a, dm, sent.seq - 1))[0])).toBe(`round ${round}`);
      expect(await textOf(gb, (await sync(b, dm, sent.seq - 1))[0])).toBe(`round ${round}`);
    }
  });
});

describe("the MLS sender must be the calling device", () => {
  it("a commit or an application message from another session's device is FORBIDDEN, nothing written", async () => {
    const { b, dm, ga, gb, phoneSession } = await quietDm();
    const before = await snapshot(dm);
    // Alice's commit (sender: her leaf) sent from bob's session.
    const commit = await ga.commitPending();
    const body = {
      conversationId: dm,
      clientMsgId: cid(),
      message: b64(commit.commit),
      groupInfo: b64(commit.groupInfo),
    };
    forbidden(await h.refusal(b, "chat.mls.send", body), "must be the calling device's own leaf");
    ga.discardPendingCommit();
    // Bob's phone has no leaf: it cannot post an application message (made by bob's first device).
    const app = { conversationId: dm, clientMsgId: cid(), message: b64(await gb.encrypt(await textBytes("x"))) };
    forbidden(await h.refusal(b, "chat.mls.send", app, phoneSession), "Only a device with a leaf");
    // A session without a registered device sends nothing at all.
    const bare = { ...app, clientMsgId: cid() };
    await h.db.session.create({ data: { id: `s${b}-bare`, userId: b, expiresAt: new Date(Date.now() + 86_400_000) } });
    expect((await h.refusal(b, "chat.mls.send", bare, `s${b}-bare`))?.code).toBe("DEVICE_NOT_REGISTERED");
    expect(await snapshot(dm)).toEqual(before);
  });

  it("a commit framed as the external sender's, and a new_member_proposal, are FORBIDDEN", async () => {
    const { a, dm, ga } = await quietDm();
    const before = await snapshot(dm);
    const commit = await ga.commitPending();
    const asServer = reframe(commit.commit, "external");
    const body = { conversationId: dm, clientMsgId: cid(), message: b64(asServer), groupInfo: b64(commit.groupInfo) };
    expect(await h.refusal(a, "chat.mls.send", body)).toMatchObject({
      code: "FORBIDDEN",
      message: "An external sender can only propose.",
    });
    ga.discardPendingCommit();
    const { groupInfo } = await h.call(a, "chat.mls.groupInfo", { conversationId: dm });
    const [proposal] = await (await loadServerSender(h.db)).proposeRemove(bytes(groupInfo), { userId: a });
    const fromNewMember = reframe(proposal!, "new_member_proposal");
    const refused = await h.refusal(a, "chat.mls.send", {
      conversationId: dm,
      clientMsgId: cid(),
      message: b64(fromNewMember),
    });
    expect(refused).toMatchObject({
      code: "FORBIDDEN",
      message: "Sealroom groups take no proposals from non-members.",
    });
    expect(await snapshot(dm)).toEqual(before);
  });

  it("a Welcome goes exactly to the devices the commit adds", async () => {
    const { a, dm, ga, phone } = await quietDm();
    const extra = await member(a, `s${a}-extra`);
    const before = await snapshot(dm);
    const add = await ga.addMembers([await keyPackage(phone)]);
    const send = (deviceIds: string[] | undefined) =>
      h.refusal(a, "chat.mls.send", {
        conversationId: dm,
        clientMsgId: cid(),
        message: b64(add.commit),
        groupInfo: b64(add.groupInfo),
        ...(deviceIds ? { welcome: { message: b64(add.welcome!), deviceIds } } : {}),
      });
    // A device the commit does not add (alice's other device, a member's), or none of the added.
    forbidden(await send([phone.deviceId, extra.deviceId]), "exactly the devices the commit adds");
    forbidden(await send([extra.deviceId]), "exactly the devices the commit adds");
    forbidden(await send(undefined), "exactly the devices the commit adds");
    expect(await snapshot(dm)).toEqual(before);
    expect(await send([phone.deviceId])).toBeUndefined();
    expect(await h.db.mlsWelcome.count({ where: { deviceId: phone.deviceId } })).toBe(1);
  });
});

describe("an application message waits for every member device", () => {
  /** Puts a KeyPackage of `m`'s device in the key directory, as its upload would: now it can be added. */
  async function publish(m: Member) {
    const data = b64(await keyPackage(m));
    await h.db.keyPackage.create({ data: { ref: `kp-${m.deviceId}`, deviceId: m.deviceId, data } });
  }

  it("refuses, with nothing written, a message into a DM whose tree lacks a new device of the peer, until it is added", async () => {
    const { a, b, dm, alice, ga, phone, phoneSession } = await quietDm();
    // The phone has nothing to claim yet: nobody could add it, so nobody waits for it.
    await sendText(alice, ga, dm, "before the phone could be added");
    await publish(phone);
    const before = await snapshot(dm);
    const message = b64(await ga.encrypt(await textBytes("to a group without the phone")));
    const refused = await h.refusal(a, "chat.mls.send", { conversationId: dm, clientMsgId: cid(), message });
    expect(refused).toMatchObject({ code: "GROUP_INCOMPLETE", message: expect.stringContaining("lacks 1 device") });
    expect(await snapshot(dm)).toEqual(before);

    const add = await ga.addMembers([await keyPackage(phone)]);
    await h.call(a, "chat.mls.send", {
      conversationId: dm,
      clientMsgId: cid(),
      message: b64(add.commit),
      groupInfo: b64(add.groupInfo),
      welcome: { message: b64(add.welcome!), deviceIds: [phone.deviceId] },
    });
    ga.mergePendingCommit();
    const sent = await sendText(alice, ga, dm, "now with the phone");
    const gp = await join(phone, phoneSession);
    expect(await textOf(gp, (await sync(b, dm, sent.seq - 1))[0])).toBe("now with the phone");
  });

  it("refuses a message into a group that lacks a member who just joined; devices of former members are not waited for", async () => {
    const owner = await member(await h.seed.user());
    const carol = await member(await h.seed.user());
    const groupId = await h.seed.group(owner.userId, [carol.userId]);
    const conv = groupConversationId(groupId);
    const { group: go } = await establish(conv, owner, [carol]);
    const dave = await member(await h.seed.user());
    await publish(dave);
    await sendText(owner, go, conv, "dave is not a member yet");
    await h.seed.join(groupId, dave.userId);
    const message = b64(await go.encrypt(await textBytes("dave joined a moment ago")));
    const refused = await h.refusal(owner.userId, "chat.mls.send", {
      conversationId: conv,
      clientMsgId: cid(),
      message,
    });
    expect(refused?.code).toBe("GROUP_INCOMPLETE");
    await h.seed.kick(groupId, owner.userId, dave.userId);
    await sendText(owner, go, conv, "dave was kicked before anyone added him");
  });
});

const textBytes = (text: string) => encodeContent(textContent(text));

/** A FORBIDDEN refusal, for the reason expected (several checks share the code). */
function forbidden(refusal: { code: string; message?: string } | undefined, reason: string): void {
  expect(refusal?.code).toBe("FORBIDDEN");
  expect(refusal?.message).toContain(reason);
}

/**
 * The same PublicMessage under another sender, as a client could frame it (RFC 9420 section 6:
 * version, wire format, then the FramedContent's group id, epoch and sender; a member sender's
 * message ends with its 32-byte membership tag, which a non-member's has not). Only the framing
 * matters here: the DS reads it without keys.
 */
function reframe(message: Uint8Array, to: "external" | "new_member_proposal"): Uint8Array {
  const groupIdLength = message[4]!;
  if (groupIdLength >= 64) throw new Error("a one-byte group id length expected");
  const at = 4 + 1 + groupIdLength + 8; // the sender type
  const from = message[at];
  const head = Array.from(message.subarray(0, at));
  if (from === 1 && to === "external") {
    // member (type 1, leaf index) -> external (type 2, sender index 0); drop the membership tag.
    return new Uint8Array([...head, 2, 0, 0, 0, 0, ...message.subarray(at + 5, message.length - 33)]);
  }
  if (from === 2 && to === "new_member_proposal") {
    // external (type 2, index) -> new_member_proposal (type 3, nothing more).
    return new Uint8Array([...head, 3, ...message.subarray(at + 5)]);
  }
  throw new Error(`cannot reframe a sender of type ${from} as ${to}`);
}
