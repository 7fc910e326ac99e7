import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setup, type Harness } from "./test/harness.js";

const DAY = 24 * 60 * 60 * 1000;

let h: Harness;
beforeAll(async () => {
  h = await setup({ config: { groupSizeCap: 4 } });
});
afterAll(() => h.teardown());

describe("who may invite whom", () => {
  it("members invite their friends only; owners and admins anyone who has not blocked them", async () => {
    const [owner, admin, member, friendOfMember, stranger, blocker, blockedByOwner] = await h.users(
      "o",
      "a",
      "m",
      "f",
      "s",
      "b",
      "x",
    );
    const groupId = await h.group(owner!, { admins: [admin!], members: [member!] });
    await h.befriend(member!, friendOfMember!);

    expect((await h.fail("social.groups.invite", { groupId, userId: stranger }, member!)).code).toBe("FORBIDDEN");
    // A member cannot tell a user who blocked them from any other non-friend.
    await h.ok("social.blocks.add", { userId: member }, blocker!);
    expect(await h.fail("social.groups.invite", { groupId, userId: blocker }, member!)).toEqual(
      await h.fail("social.groups.invite", { groupId, userId: stranger }, member!),
    );
    await h.ok("social.groups.invite", { groupId, userId: friendOfMember }, member!);
    await h.ok("social.groups.invite", { groupId, userId: stranger }, admin!);

    await h.ok("social.blocks.add", { userId: admin }, blocker!);
    const unknown = await h.fail("social.groups.invite", { groupId, userId: 999_999 }, admin!);
    expect(unknown.code).toBe("NOT_FOUND");
    expect(await h.fail("social.groups.invite", { groupId, userId: blocker }, admin!)).toEqual(unknown);
    await h.ok("social.blocks.add", { userId: blockedByOwner }, owner!);
    expect((await h.fail("social.groups.invite", { groupId, userId: blockedByOwner }, owner!)).code).toBe("CONFLICT");

    expect((await h.fail("social.groups.invite", { groupId, userId: stranger }, owner!)).code).toBe("CONFLICT"); // already invited
    expect((await h.fail("social.groups.invite", { groupId, userId: member }, owner!)).code).toBe("CONFLICT"); // already a member
    expect((await h.fail("social.groups.invite", { groupId, userId: owner }, owner!)).code).toBe("BAD_REQUEST");
  });
});

describe("accepting and declining", () => {
  it("the invitee sees the invitation live and at next sign-in, and joins by accepting", async () => {
    const [owner, bob] = await h.users("o", "bob");
    const groupId = await h.group(owner!);
    const { invitation } = await h.ok("social.groups.invite", { groupId, userId: bob }, owner!);
    await h.settle();
    expect(h.eventsOf(bob!, "social.invitation.received.v1").map((e) => e.invitation.id)).toEqual([invitation.id]);
    const overview = await h.ok("social.overview", {}, bob!);
    expect(overview.invitations).toMatchObject([
      { id: invitation.id, group: { id: groupId, memberCount: 1 }, inviter: { id: owner } },
    ]);
    expect(overview.invitations[0]!.expiresAt - overview.invitations[0]!.createdAt).toBe(7 * DAY);

    // Only the invitee can use it.
    expect((await h.fail("social.groups.acceptInvite", { invitationId: invitation.id }, owner!)).code).toBe(
      "NOT_FOUND",
    );
    const detail = await h.ok("social.groups.acceptInvite", { invitationId: invitation.id }, bob!);
    expect(detail.role).toBe("member");
    expect(detail.members.map((m) => m.user.id)).toEqual([owner, bob]);
    expect((await h.fail("social.groups.acceptInvite", { invitationId: invitation.id }, bob!)).code).toBe("NOT_FOUND");
    await h.settle();
    expect(h.eventsOf(owner!, "social.group.updated.v1").at(-1)?.event).toMatchObject({
      type: "joined",
      actor: { id: bob },
      role: "member",
    });
    expect(h.eventsOf(bob!, "social.group.updated.v1").at(-1)?.event.type).toBe("joined");
    expect(h.eventsOf(bob!, "social.invitation.removed.v1")).toEqual([
      { invitationId: invitation.id, reason: "accepted" },
    ]);
    expect((await h.ok("social.overview", {}, bob!)).groups).toMatchObject([
      { id: groupId, role: "member", memberCount: 2 },
    ]);
  });

  it("declining consumes the invitation and shows in the group's timeline", async () => {
    const [owner, bob] = await h.users("o", "bob");
    const groupId = await h.group(owner!);
    const { invitation } = await h.ok("social.groups.invite", { groupId, userId: bob }, owner!);
    await h.ok("social.groups.declineInvite", { invitationId: invitation.id }, bob!);
    expect((await h.fail("social.groups.acceptInvite", { invitationId: invitation.id }, bob!)).code).toBe("NOT_FOUND");
    expect((await h.fail("social.groups.declineInvite", { invitationId: invitation.id }, bob!)).code).toBe("NOT_FOUND");
    await h.settle();
    expect(h.eventsOf(owner!, "social.group.updated.v1").at(-1)?.event).toMatchObject({
      type: "declined",
      actor: { id: bob },
    });
    // Declined is not refused forever: a new invitation can follow.
    await h.ok("social.groups.invite", { groupId, userId: bob }, owner!);
  });

  it("an invitation expires after 7 days and can then be renewed", async () => {
    const [owner, bob] = await h.users("o", "bob");
    const groupId = await h.group(owner!);
    const { invitation } = await h.ok("social.groups.invite", { groupId, userId: bob }, owner!);
    h.clock.advance(7 * DAY);
    expect((await h.fail("social.groups.acceptInvite", { invitationId: invitation.id }, bob!)).code).toBe("NOT_FOUND");
    expect((await h.ok("social.overview", {}, bob!)).invitations).toEqual([]);
    expect((await h.ok("social.groups.get", { groupId }, owner!)).invites).toEqual([]);
    const renewed = await h.ok("social.groups.invite", { groupId, userId: bob }, owner!);
    expect(renewed.invitation.id).not.toBe(invitation.id);
    h.clock.advance(7 * DAY);
    await h.instances[0]!.service.sweep();
    await h.settle();
    expect(await h.db.groupInvite.count({ where: { inviteeId: bob } })).toBe(0);
    expect(h.eventsOf(bob!, "social.invitation.removed.v1")).toContainEqual({
      invitationId: renewed.invitation.id,
      reason: "withdrawn",
    });
  });

  it("accepting re-checks that the inviter has not blocked the invitee since", async () => {
    const [owner, admin, bob] = await h.users("o", "a", "bob");
    const groupId = await h.group(owner!, { admins: [admin!] });
    const { invitation } = await h.ok("social.groups.invite", { groupId, userId: bob }, admin!);
    // The block removes the invitation; a row left behind (e.g. written concurrently) is refused at accept time too.
    await h.db.block.create({ data: { blockerId: admin!, blockedId: bob! } });
    expect((await h.fail("social.groups.acceptInvite", { invitationId: invitation.id }, bob!)).code).toBe("NOT_FOUND");
    expect(await h.db.groupMember.count({ where: { groupId, userId: bob } })).toBe(0);
    await h.db.block.delete({ where: { blockerId_blockedId: { blockerId: admin!, blockedId: bob! } } });
    await h.ok("social.blocks.add", { userId: bob }, admin!);
    expect(await h.db.groupInvite.count({ where: { id: invitation.id } })).toBe(0);
  });

  it("accepting re-checks the size cap; the invitation survives for later", async () => {
    const [owner, a, b, c, d] = await h.users("o", "a", "b", "c", "d");
    const groupId = await h.group(owner!, { members: [a!, b!] });
    const inv = await Promise.all([c, d].map((u) => h.ok("social.groups.invite", { groupId, userId: u }, owner!)));
    await h.ok("social.groups.acceptInvite", { invitationId: inv[0]!.invitation.id }, c!);
    const full = await h.fail("social.groups.acceptInvite", { invitationId: inv[1]!.invitation.id }, d!);
    expect(full).toMatchObject({ code: "CONFLICT", message: "This group is full." });
    expect((await h.fail("social.groups.invite", { groupId, userId: 999_999 }, owner!)).code).toBe("NOT_FOUND");
    await h.ok("social.groups.leave", { groupId }, a!);
    await h.ok("social.groups.acceptInvite", { invitationId: inv[1]!.invitation.id }, d!);
    expect(await h.db.groupMember.count({ where: { groupId } })).toBe(4);
  });
});
