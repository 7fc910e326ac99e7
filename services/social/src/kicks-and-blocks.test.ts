/**
 * The outside review's findings 8 and 9: kicks stick, invitations can be withdrawn, a user blocked
 * by the owner or an admin cannot join, and a blocker looks exactly like a missing account.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setup, type Harness } from "./test/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await setup();
});
afterAll(() => h.teardown());

describe("kicks stick", () => {
  it("a plain member cannot re-invite a kicked user; the owner or an admin can", async () => {
    const [owner, admin, member, kicked] = await h.users("o", "a", "m", "k");
    await h.befriend(member!, kicked!);
    const groupId = await h.group(owner!, { admins: [admin!], members: [member!, kicked!] });
    await h.ok("social.groups.kick", { groupId, userId: kicked }, admin!);

    const refused = await h.fail("social.groups.invite", { groupId, userId: kicked }, member!);
    expect(refused.code).toBe("FORBIDDEN");
    expect(await h.db.groupInvite.count({ where: { groupId, inviteeId: kicked! } })).toBe(0);

    const { invitation } = await h.ok("social.groups.invite", { groupId, userId: kicked }, admin!);
    await h.ok("social.groups.acceptInvite", { invitationId: invitation.id }, kicked!);
    // Back in: the kick is no longer on record, and leaving is not a kick.
    await h.ok("social.groups.leave", { groupId }, kicked!);
    await h.ok("social.groups.invite", { groupId, userId: kicked }, member!);
  });

  it("the departure is recorded with its span, reason and remover", async () => {
    const [owner, bob] = await h.users("o", "bob");
    const groupId = await h.group(owner!, { members: [bob!], name: "Before" });
    await h.ok("social.groups.kick", { groupId, userId: bob }, owner!);
    await h.ok("social.groups.rename", { groupId, name: "After" }, owner!);
    const row = await h.db.formerMember.findUniqueOrThrow({ where: { groupId_userId: { groupId, userId: bob! } } });
    expect(row).toMatchObject({ reason: "kicked", byId: owner, groupName: "Before" });
  });
});

describe("withdrawing an invitation", () => {
  it("the inviter, the owner or an admin withdraws; another member cannot; the invitee sees it go", async () => {
    const [owner, admin, member, other, carol, dave] = await h.users("o", "a", "m", "x", "carol", "dave");
    await h.befriend(member!, carol!);
    await h.befriend(member!, dave!);
    const groupId = await h.group(owner!, { admins: [admin!], members: [member!, other!] });
    const first = await h.ok("social.groups.invite", { groupId, userId: carol }, member!);
    const second = await h.ok("social.groups.invite", { groupId, userId: dave }, member!);

    expect((await h.fail("social.groups.withdrawInvite", { invitationId: first.invitation.id }, other!)).code).toBe(
      "FORBIDDEN",
    );
    const [stranger] = await h.users("s");
    const unknown = await h.fail("social.groups.withdrawInvite", { invitationId: 999_999 }, stranger!);
    expect(unknown.code).toBe("NOT_FOUND");
    expect(await h.fail("social.groups.withdrawInvite", { invitationId: first.invitation.id }, stranger!)).toEqual(
      unknown,
    );

    await h.ok("social.groups.withdrawInvite", { invitationId: first.invitation.id }, member!);
    await h.ok("social.groups.withdrawInvite", { invitationId: second.invitation.id }, admin!);
    await h.settle();
    expect(h.eventsOf(carol!, "social.invitation.removed.v1")).toEqual([
      { invitationId: first.invitation.id, reason: "withdrawn" },
    ]);
    expect(h.eventsOf(owner!, "social.group.updated.v1").at(-1)?.event).toMatchObject({
      type: "uninvited",
      actor: { id: admin },
      target: { id: dave },
    });
    expect((await h.fail("social.groups.acceptInvite", { invitationId: first.invitation.id }, carol!)).code).toBe(
      "NOT_FOUND",
    );
    expect((await h.ok("social.groups.get", { groupId }, owner!)).invites).toEqual([]);
  });
});

describe("blocks keep users out of the blocker's groups", () => {
  it("a user blocked by the owner cannot be invited by a member, nor join with an earlier invitation", async () => {
    const [owner, admin, member, mallory] = await h.users("o", "a", "m", "mallory");
    await h.befriend(member!, mallory!);
    const groupId = await h.group(owner!, { admins: [admin!], members: [member!] });
    const early = await h.ok("social.groups.invite", { groupId, userId: mallory }, member!);

    await h.ok("social.blocks.add", { userId: mallory }, owner!);
    await h.settle();
    // The owner's block withdraws the pending invitation to the owner's group, whoever sent it.
    expect(h.eventsOf(mallory!, "social.invitation.removed.v1")).toEqual([
      { invitationId: early.invitation.id, reason: "withdrawn" },
    ]);
    expect((await h.fail("social.groups.acceptInvite", { invitationId: early.invitation.id }, mallory!)).code).toBe(
      "NOT_FOUND",
    );
    expect((await h.fail("social.groups.invite", { groupId, userId: mallory }, member!)).code).toBe("CONFLICT");
    expect(await h.db.groupMember.count({ where: { groupId, userId: mallory! } })).toBe(0);
  });

  it("an invitation is refused at acceptance when an admin blocked the invitee after it was sent", async () => {
    const [owner, member, mallory, later] = await h.users("o", "m", "mallory", "later");
    await h.befriend(member!, mallory!);
    const groupId = await h.group(owner!, { members: [member!, later!] });
    const { invitation } = await h.ok("social.groups.invite", { groupId, userId: mallory }, member!);
    // `later` blocked mallory while a plain member, then became an admin.
    await h.ok("social.blocks.add", { userId: mallory }, later!);
    await h.ok("social.groups.setRole", { groupId, userId: later, role: "admin" }, owner!);
    expect((await h.fail("social.groups.acceptInvite", { invitationId: invitation.id }, mallory!)).code).toBe(
      "NOT_FOUND",
    );
    expect(await h.db.groupMember.count({ where: { groupId, userId: mallory! } })).toBe(0);
  });
});

describe("a blocker is indistinguishable from a missing account", () => {
  it("blocks.add on a user who blocked the caller answers like a user that does not exist", async () => {
    const [alice, mallory] = await h.users("alice", "mallory");
    await h.ok("social.blocks.add", { userId: mallory }, alice!);
    const missing = await h.fail("social.blocks.add", { userId: 999_999 }, mallory!);
    expect(missing.code).toBe("NOT_FOUND");
    expect(await h.fail("social.blocks.add", { userId: alice }, mallory!)).toEqual(missing);
    expect(await h.fail("social.friends.request", { userId: alice }, mallory!)).toEqual(
      await h.fail("social.friends.request", { userId: 999_999 }, mallory!),
    );
    expect(await h.db.block.count({ where: { blockerId: mallory! } })).toBe(0);
  });
});
