// Membership sync, the server's half (reconciler.ts; docs/E2E.md section 3): the DS refuses Adds
// social does not allow and groups without the server's external sender, and proposes the removal
// of every leaf that no longer belongs (kicked users' devices, signed-out devices), once per leaf
// and epoch; members commit the proposals and the removed devices read nothing after.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Group } from "@sealroom/e2e";
import { groupConversationId, type Entry } from "@sealroom/proto/chat";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { setup, type Harness } from "./test/harness.js";
import { b64, bytes, mlsKit, type Member } from "./test/mls.js";

let h: Harness;
beforeAll(async () => {
  h = await setup();
});
afterAll(async () => {
  await h?.teardown();
});
const { cid, member, newGroup, keyPackage, establish, join, sendText, sync, textOf, friends } = mlsKit(() => h);

/** The server's Remove proposals in the log of `conversationId`, oldest first. */
async function serverProposals(conversationId: string) {
  const conv = await h.db.conversation.findUniqueOrThrow({ where: { key: conversationId } });
  return h.db.message.findMany({
    where: { conversationId: conv.id, kind: "mls.proposal", senderId: null },
    orderBy: { seq: "asc" },
  });
}

/** Commits `group`'s pending proposals through the DS, as the next member device to send does. */
async function commitPending(m: Member, group: Group, conversationId: string) {
  const bundle = await group.commitPending();
  const ack = await h.call(m.userId, "chat.mls.send", {
    conversationId,
    clientMsgId: cid(),
    message: b64(bundle.commit),
    groupInfo: b64(bundle.groupInfo),
  });
  group.mergePendingCommit();
  return ack;
}

/** Every entry after `afterSeq` through `group` (proposals and commits processed, the rest skipped). */
async function catchUp(group: Group, entries: Entry[]) {
  for (const e of entries)
    if (e.kind === "mls.proposal" || e.kind === "mls.commit") await group.processMessage(bytes(e.message));
}

/** A group of owner alice with bob and carol (carol with two devices), all joined. */
async function threeUsers() {
  const [a, b, c] = [await h.seed.user(), await h.seed.user(), await h.seed.user()];
  const groupId = await h.seed.group(a, [b, c]);
  const conversationId = groupConversationId(groupId);
  await h.services[0]!.catchUpTimeline();
  const alice = await member(a);
  const bob = await member(b);
  const carol = await member(c);
  const carolPhone = await member(c, `s${c}-phone`);
  const { group: ga } = await establish(conversationId, alice, [bob, carol, carolPhone]);
  const gb = await join(bob);
  const gc = await join(carol);
  const gcp = await join(carolPhone, `s${c}-phone`);
  return { a, b, c, groupId, conversationId, alice, bob, carol, carolPhone, ga, gb, gc, gcp };
}

describe("the reconciler proposes removals", () => {
  it("carol kicked: one server Remove per device, a member commits them, carol reads nothing after", async () => {
    const t = await threeUsers();
    await h.seed.kick(t.groupId, t.a, t.c);
    await h.services[0]!.catchUpTimeline();
    // The timeline's doorbell runs the reconciler by itself.
    let proposals = await serverProposals(t.conversationId);
    for (let i = 0; proposals.length < 2 && i < 200; i++) {
      await new Promise((r) => setTimeout(r, 25));
      proposals = await serverProposals(t.conversationId);
    }
    expect(proposals).toHaveLength(2);
    expect(proposals.map((p) => p.clientMsgId?.split(":").slice(2))).toEqual([
      ["1", "2"],
      ["1", "3"],
    ]);
    // Running again changes nothing: one proposal per leaf and epoch.
    expect(await h.services[0]!.reconcileMls(t.conversationId)).toBe(0);
    expect(await h.services[0]!.reconcileMls()).toBe(0);
    expect(await serverProposals(t.conversationId)).toHaveLength(2);

    // Bob's device sees them in the log (no sender: the server's) and commits them.
    const entries = await sync(t.b, t.conversationId, 0);
    const fromServer = entries.filter((e) => e.kind === "mls.proposal");
    expect(fromServer.map((e) => e.kind === "mls.proposal" && e.senderId)).toEqual([null, null]);
    for (const e of fromServer) {
      expect(await t.gb.processMessage(bytes(e.kind === "mls.proposal" ? e.message : ""))).toMatchObject({
        kind: "proposal",
        fromServer: true,
      });
    }
    const ack = await commitPending(t.bob, t.gb, t.conversationId);
    expect(ack.epoch).toBe(2);
    await catchUp(t.ga, await sync(t.a, t.conversationId, proposals[0]!.seq - 1));
    expect(t.ga.members().map((m) => m.userId)).toEqual([t.a, t.b]);
    // Nothing left to propose in the new epoch.
    expect(await h.services[0]!.reconcileMls(t.conversationId)).toBe(0);

    const sent = await sendText(t.alice, t.ga, t.conversationId, "after carol");
    const [after] = await sync(t.b, t.conversationId, sent.seq - 1);
    expect(await textOf(t.gb, after)).toBe("after carol");
    // Carol's devices, with their old state and the ciphertext from the database, read nothing.
    const row = await h.db.message.findUniqueOrThrow({ where: { id: sent.id } });
    await expect(t.gc.decrypt(bytes(row.body))).rejects.toThrow();
    await expect(t.gcp.decrypt(bytes(row.body))).rejects.toThrow();
    // And the DS takes nothing from her.
    const refusal = await h.refusal(t.c, "chat.mls.send", {
      conversationId: t.conversationId,
      clientMsgId: cid(),
      message: b64(await t.gc.encrypt(new Uint8Array(8))),
    });
    // NOT_FOUND here: the seeded kick leaves no FormerMember row (social's would: FORBIDDEN).
    expect(["FORBIDDEN", "NOT_FOUND"]).toContain(refusal?.code);
  });

  it("a signed-out device is proposed for removal by the sweep", async () => {
    const t = await threeUsers();
    // Auth deletes the Device row with its session (logout): the sweep notices.
    await h.db.session.delete({ where: { id: `s${t.c}-phone` } });
    await h.services[0]!.reconcileMls();
    const proposals = await serverProposals(t.conversationId);
    expect(proposals).toHaveLength(1);
    const r = await t.ga.processMessage(bytes(proposals[0]!.body));
    expect(r.kind === "proposal" && r.target?.deviceId).toBe(t.carolPhone.deviceId);
  });

  it("auth's revocation doorbell (ctl.session.revoked) proposes the removal of the signed-out device at once", async () => {
    const t = await threeUsers();
    // Auth's logout: the session and its device go in one transaction, then the broadcast.
    await h.db.session.delete({ where: { id: `s${t.c}-phone` } });
    h.client.publish(SUBJECTS.sessionRevoked, JSON.stringify({ userId: t.c, sessionIds: [`s${t.c}-phone`] }));
    let proposals = await serverProposals(t.conversationId);
    for (let i = 0; proposals.length < 1 && i < 200; i++) {
      await new Promise((r) => setTimeout(r, 25));
      proposals = await serverProposals(t.conversationId);
    }
    expect(proposals).toHaveLength(1);
    // Live, to the group's members, without sender.
    await h.until(() =>
      h
        .events(t.a, "chat.message.created.v1")
        .some((e) => e.entry.kind === "mls.proposal" && e.entry.seq === proposals[0]!.seq),
    );
    const live = h.events(t.a, "chat.message.created.v1").find((e) => e.entry.seq === proposals[0]!.seq);
    expect(live).toMatchObject({ sender: null, entry: { senderId: null }, group: { id: t.groupId } });
  });

  it("two chat instances reconciling at once append one proposal per leaf, signed with the one shared key", async () => {
    const t = await threeUsers();
    const second = h.services[1] ?? (await h.addInstance());
    await h.seed.kick(t.groupId, t.a, t.c);
    // Straight from the database, before any doorbell: both instances race for the same leaves.
    const counts = await Promise.all([
      h.services[0]!.reconcileMls(t.conversationId),
      second.reconcileMls(t.conversationId),
      second.reconcileMls(t.conversationId),
    ]);
    await h.services[0]!.catchUpTimeline();
    const proposals = await serverProposals(t.conversationId);
    expect(proposals).toHaveLength(2);
    // However the runs interleaved (a coalesced call reports its run's count again), at most these two.
    expect(Math.max(...counts)).toBeLessThanOrEqual(2);
    expect(new Set(proposals.map((p) => p.clientMsgId)).size).toBe(2);
    // Whichever instance signed them, the group's external sender did.
    for (const p of proposals) expect(await t.ga.processMessage(bytes(p.body))).toMatchObject({ fromServer: true });
  });

  it("re-proposes in the new epoch after a commit that did not include its proposal", async () => {
    const t = await threeUsers();
    await h.db.session.delete({ where: { id: `s${t.c}-phone` } });
    expect(await h.services[0]!.reconcileMls(t.conversationId)).toBe(1);
    // Bob commits without having seen the proposal (a plain key update).
    await commitPending(t.bob, t.gb, t.conversationId);
    let proposals = await serverProposals(t.conversationId);
    for (let i = 0; proposals.length < 2 && i < 200; i++) {
      await new Promise((r) => setTimeout(r, 25));
      proposals = await serverProposals(t.conversationId);
    }
    expect(proposals.map((p) => p.clientMsgId?.split(":")[2])).toEqual(["1", "2"]);
    expect(await h.services[0]!.reconcileMls(t.conversationId)).toBe(0);
    // This one is for the current epoch: alice processes the commit and the proposal, and commits.
    await catchUp(t.ga, await sync(t.a, t.conversationId, proposals[0]!.seq));
    expect(t.ga.pendingProposalCount).toBe(1);
    await commitPending(t.alice, t.ga, t.conversationId);
    expect(t.ga.members().map((m) => m.deviceId)).not.toContain(t.carolPhone.deviceId);
  });

  it("a DM stays with both participants after unfriending (they still read it; no one may post)", async () => {
    const { a, b, dm } = await friends();
    const alice = await member(a);
    const bob = await member(b);
    await establish(dm, alice, [bob]);
    await h.seed.unfriend(a, b);
    expect(await h.services[0]!.reconcileMls(dm)).toBe(0);
  });
});

describe("the DS enforces social's membership on a member's Removes", () => {
  it("a member may not remove a device that belongs; one of a kicked member is accepted", async () => {
    const t = await threeUsers();
    const state = async () => {
      const conv = await h.db.conversation.findUniqueOrThrow({ where: { key: t.conversationId } });
      return [conv.lastSeq, conv.mlsEpoch];
    };
    const tryRemove = async (target: { userId: number; deviceId?: string }) => {
      const bundle = await t.gb.removeMembers([target]);
      const body = {
        conversationId: t.conversationId,
        clientMsgId: cid(),
        message: b64(bundle.commit),
        groupInfo: b64(bundle.groupInfo),
      };
      return { body, bundle };
    };
    // Bob pushing carol's phone out while carol is still a member: refused, nothing written.
    const before = await state();
    const phone = await tryRemove({ userId: t.c, deviceId: t.carolPhone.deviceId });
    expect((await h.refusal(t.b, "chat.mls.send", phone.body))?.code).toBe("FORBIDDEN");
    t.gb.discardPendingCommit();
    expect(await state()).toEqual(before);

    // Once carol is kicked, bob may commit her removal by value (not only the server's proposals).
    await h.seed.kick(t.groupId, t.a, t.c);
    const gone = await tryRemove({ userId: t.c });
    const ack = await h.call(t.b, "chat.mls.send", gone.body);
    t.gb.mergePendingCommit();
    expect(ack.epoch).toBe(2);
    expect(t.gb.members().map((m) => m.userId)).toEqual([t.a, t.b]);
  });
});

describe("the DS enforces social's membership on Adds", () => {
  it("an Add of a stranger's KeyPackage, or of a device under another key, is FORBIDDEN and nothing is written", async () => {
    const { a, b, dm } = await friends();
    const stranger = await h.seed.user();
    const alice = await member(a);
    const bob = await member(b);
    const outsider = await member(stranger);
    const { group } = await establish(dm, alice, [bob]);
    const before = await h.db.conversation.findUniqueOrThrow({ where: { key: dm } });
    const tryAdd = async (kp: Uint8Array) => {
      const bundle = await group.addMembers([kp]);
      group.discardPendingCommit();
      return h.refusal(a, "chat.mls.send", {
        conversationId: dm,
        clientMsgId: cid(),
        message: b64(bundle.commit),
        groupInfo: b64(bundle.groupInfo),
      });
    };
    expect((await tryAdd(await keyPackage(outsider)))?.code).toBe("FORBIDDEN");
    // Bob's user, but a device the key directory does not hold with this key.
    const impostor = await member(b, `s${b}-impostor`);
    await h.db.device.update({ where: { id: impostor.deviceId }, data: { signatureKey: b64(new Uint8Array(32)) } });
    expect((await tryAdd(await keyPackage(impostor)))?.code).toBe("FORBIDDEN");
    const after = await h.db.conversation.findUniqueOrThrow({ where: { key: dm } });
    expect([after.lastSeq, after.mlsEpoch]).toEqual([before.lastSeq, before.mlsEpoch]);
  });

  it("a group's first commit must come from the calling device's own leaf", async () => {
    const { a, b, dm } = await friends();
    const alice = await member(a);
    const laptop = await member(a, `s${a}-laptop`);
    const bob = await member(b);
    // Made on the laptop's device but sent from alice's other session: its founder leaf is not the caller's.
    const group = await newGroup(laptop, dm);
    const bundle = await group.addMembers([await keyPackage(bob)]);
    const body = {
      conversationId: dm,
      clientMsgId: cid(),
      message: b64(bundle.commit),
      groupInfo: b64(bundle.groupInfo),
      welcome: { message: b64(bundle.welcome!), deviceIds: [bob.deviceId] },
    };
    expect((await h.refusal(a, "chat.mls.send", body))?.code).toBe("FORBIDDEN");
    expect((await h.db.conversation.findUnique({ where: { key: dm } }))?.mlsEpoch ?? null).toBeNull();
    expect(alice.deviceId).not.toBe(laptop.deviceId);
    // From the laptop's own session it is accepted.
    expect((await h.call(a, "chat.mls.send", body, `s${a}-laptop`)).epoch).toBe(1);
  });

  it("a group created without the server's external sender is refused", async () => {
    const { a, b, dm } = await friends();
    const alice = await member(a);
    const bob = await member(b);
    const group = await alice.device.createGroup(dm);
    const bundle = await group.addMembers([await keyPackage(bob)]);
    const refusal = await h.refusal(a, "chat.mls.send", {
      conversationId: dm,
      clientMsgId: cid(),
      message: b64(bundle.commit),
      groupInfo: b64(bundle.groupInfo),
      welcome: { message: b64(bundle.welcome!), deviceIds: [bob.deviceId] },
    });
    expect(refusal?.code).toBe("BAD_REQUEST");
    expect(await h.db.conversation.findUnique({ where: { key: dm } })).toBeNull();
    // The same group with the server listed is accepted.
    const ok = await newGroup(alice, dm);
    const good = await ok.addMembers([await keyPackage(bob)]);
    const ack = await h.call(a, "chat.mls.send", {
      conversationId: dm,
      clientMsgId: cid(),
      message: b64(good.commit),
      groupInfo: b64(good.groupInfo),
      welcome: { message: b64(good.welcome!), deviceIds: [bob.deviceId] },
    });
    expect(ack.epoch).toBe(1);
  });

  it("a Welcome waiting for a kicked user's device is not handed out", async () => {
    const [a, c] = [await h.seed.user(), await h.seed.user()];
    const groupId = await h.seed.group(a, [c]);
    const conversationId = groupConversationId(groupId);
    await h.services[0]!.catchUpTimeline();
    const alice = await member(a);
    const carol = await member(c);
    await establish(conversationId, alice, [carol]);
    await h.seed.kick(groupId, a, c);
    expect((await h.call(c, "chat.mls.welcomes", {})).welcomes).toEqual([]);
  });
});
