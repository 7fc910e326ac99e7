import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupEventDataSchema } from "@sealroom/proto/social";
import { setup, type Harness } from "./test/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await setup();
});
afterAll(() => h.teardown());

/** The group's GroupEvent rows, oldest first, with parsed data. */
async function timeline(groupId: number) {
  const rows = await h.db.groupEvent.findMany({ where: { groupId }, orderBy: { id: "asc" } });
  return rows.map((r) => ({
    type: r.type,
    actorId: r.actorId,
    targetId: r.targetId,
    data: groupEventDataSchema.parse(JSON.parse(r.data)),
  }));
}

describe("creating a group", () => {
  it("makes the creator owner, trims the name and invites the creator's friends", async () => {
    const [owner, f1, f2] = await h.users("owner", "f1", "f2");
    await h.befriend(owner!, f1!);
    await h.befriend(owner!, f2!);
    const detail = await h.ok("social.groups.create", { name: "  Book club \n", invite: [f1, f2, f1] }, owner!);
    expect(detail.group).toMatchObject({ name: "Book club", ownerId: owner, memberCount: 1, disbandedAt: null });
    expect(detail.role).toBe("owner");
    expect(detail.members.map((m) => [m.user.id, m.role])).toEqual([[owner, "owner"]]);
    expect(detail.invites.map((i) => i.invitee.id).sort()).toEqual([f1, f2].sort());
    const events = await timeline(detail.group.id);
    expect(events.map((e) => e.type)).toEqual(["created", "invited", "invited"]);
    expect(events[0]!.data).toMatchObject({ name: "Book club" });
    expect(detail.group.version).toBe(events.length);
    await h.settle();
    expect(h.eventsOf(f1!, "social.invitation.received.v1")).toMatchObject([
      { invitation: { group: { id: detail.group.id, name: "Book club" }, inviter: { id: owner } } },
    ]);
    const rang = h.doorbells.filter((d) => d.groupId === detail.group.id);
    expect(rang).toHaveLength(3);
  });

  it("records each of many invitations as its own change, in the order given, with matching pushes", async () => {
    const [owner, ...friends] = await h.users("o", ...Array.from({ length: 12 }, (_, i) => `f${i}`));
    for (const f of friends) await h.befriend(owner!, f!);
    // Not in id order: the order given is the order recorded.
    const invite = [...friends].reverse() as number[];
    const detail = await h.ok("social.groups.create", { name: "Many", invite }, owner!);
    const groupId = detail.group.id;
    expect(detail.group.version).toBe(1 + invite.length);
    // The detail a create answers is the one the group reads back as (create assembles it itself).
    expect(await h.ok("social.groups.get", { groupId }, owner!)).toEqual(detail);

    const rows = await h.db.groupEvent.findMany({ where: { groupId }, orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.type, r.targetId])).toEqual([["created", owner], ...invite.map((id) => ["invited", id])]);
    const invites = await h.db.groupInvite.findMany({ where: { groupId }, orderBy: { id: "asc" } });
    expect(invites.map((i) => i.inviteeId)).toEqual(invite);
    // The rows' dates compare with Prisma's own (SQLite compares them as text): the same format.
    const at = new Date(h.clock.now());
    expect(await h.db.groupInvite.count({ where: { groupId, createdAt: at, expiresAt: { gt: at } } })).toBe(
      invite.length,
    );
    expect(await h.db.groupEvent.count({ where: { groupId, createdAt: at } })).toBe(rows.length);

    await h.settle();
    const updates = h.eventsOf(owner!, "social.group.updated.v1").filter((u) => u.group.id === groupId);
    expect(updates.map((u) => [u.group.version, u.event.id, u.event.type, u.event.target?.id])).toEqual(
      rows.map((r, i) => [i + 1, r.id, r.type, r.targetId]),
    );
    expect(h.doorbells.filter((d) => d.groupId === groupId).map((d) => d.eventId)).toEqual(rows.map((r) => r.id));
    for (const [i, id] of invite.entries()) {
      expect(h.eventsOf(id, "social.invitation.received.v1")).toEqual([
        {
          invitation: expect.objectContaining({
            id: invites[i]!.id,
            group: { id: groupId, name: "Many", memberCount: 1, avatar: null },
            inviter: { id: owner, username: expect.any(String) },
          }),
        },
      ]);
    }
    // Each invitation is announced right after the change that records it, as one invite would be.
    const order = h.events
      .filter((e) =>
        e.type === "social.group.updated.v1"
          ? (e.body as { group: { id: number } }).group.id === groupId
          : e.type === "social.invitation.received.v1" && invite.includes(e.userId),
      )
      .map((e) => `${e.type === "social.group.updated.v1" ? "updated" : e.type}:${e.userId}`);
    expect(order).toEqual([
      `updated:${owner}`,
      ...invite.flatMap((id) => [`updated:${owner}`, `social.invitation.received.v1:${id}`]),
    ]);
    expect(h.violations).toEqual([]);
  });

  it.each([
    ["empty", ""],
    ["only spaces", "    "],
    ["65 characters", "x".repeat(65)],
    ["a control character", "bad\u0007name"],
    ["a bidi override", "evil\u202Eeman"],
  ])("refuses a name that is %s", async (_what, name) => {
    const [owner] = await h.users("o");
    expect((await h.fail("social.groups.create", { name }, owner!)).code).toBe("BAD_REQUEST");
  });

  it("accepts 64 characters of CJK and emoji", async () => {
    const [owner] = await h.users("o");
    const name = "读书会🙂".repeat(16);
    expect((await h.ok("social.groups.create", { name }, owner!)).group.name).toBe(name);
  });

  it("refuses to invite someone who is not a friend, and creates nothing", async () => {
    const [owner, stranger] = await h.users("o", "s");
    const before = await h.db.group.count();
    expect((await h.fail("social.groups.create", { name: "G", invite: [stranger] }, owner!)).code).toBe("FORBIDDEN");
    expect((await h.fail("social.groups.create", { name: "G", invite: [owner] }, owner!)).code).toBe("BAD_REQUEST");
    expect(await h.db.group.count()).toBe(before);
  });
});

describe("roles", () => {
  it("owner promotes, admin kicks a member but not an admin or the owner, nobody kicks themself", async () => {
    const [owner, admin, admin2, m1, m2] = await h.users("o", "a", "a2", "m1", "m2");
    const groupId = await h.group(owner!, { admins: [admin!, admin2!], members: [m1!, m2!] });

    expect((await h.fail("social.groups.kick", { groupId, userId: admin2 }, admin!)).code).toBe("FORBIDDEN");
    expect((await h.fail("social.groups.kick", { groupId, userId: owner }, admin!)).code).toBe("FORBIDDEN");
    expect((await h.fail("social.groups.kick", { groupId, userId: m2 }, m1!)).code).toBe("FORBIDDEN");
    for (const u of [owner, admin, m1]) {
      expect((await h.fail("social.groups.kick", { groupId, userId: u }, u!)).code).toBe("BAD_REQUEST");
    }
    expect((await h.fail("social.groups.setRole", { groupId, userId: m1, role: "admin" }, admin!)).code).toBe(
      "FORBIDDEN",
    );
    expect((await h.fail("social.groups.setRole", { groupId, userId: owner, role: "member" }, owner!)).code).toBe(
      "BAD_REQUEST",
    );

    const { group } = await h.ok("social.groups.kick", { groupId, userId: m1 }, admin!);
    expect(group.memberCount).toBe(4);
    expect((await h.fail("social.groups.kick", { groupId, userId: m1 }, admin!)).code).toBe("NOT_FOUND");
    await h.ok("social.groups.kick", { groupId, userId: admin2 }, owner!);
    await h.settle();

    expect(h.eventsOf(m1!, "social.group.removed.v1")).toEqual([
      { group: { id: groupId, name: "Group" }, reason: "kicked", by: { id: admin, username: expect.any(String) } },
    ]);
    // The affected user sees the event itself too (who removed them).
    expect(h.eventsOf(m1!, "social.group.updated.v1").at(-1)?.event).toMatchObject({
      type: "kicked",
      actor: { id: admin },
      target: { id: m1 },
    });
    const updates = h.eventsOf(m2!, "social.group.updated.v1").filter((e) => e.event.type === "kicked");
    expect(updates.map((e) => e.event.target?.id)).toEqual([m1, admin2]);
    const notices = (await h.ok("social.overview", {}, m1!)).notices;
    expect(notices).toMatchObject([{ type: "group.kicked", data: { group: { id: groupId }, by: { id: admin } } }]);
    expect((await h.fail("social.groups.get", { groupId }, m1!)).code).toBe("NOT_FOUND");
    const last = (await timeline(groupId)).at(-1)!;
    expect(last).toMatchObject({ type: "kicked", actorId: owner, targetId: admin2 });
    expect(last.data.actorName).toMatch(/^o\d+$/);
    expect(last.data.targetName).toMatch(/^a2\d+$/);
  });

  it("setting the same role twice succeeds without a second event", async () => {
    const [owner, m] = await h.users("o", "m");
    const groupId = await h.group(owner!, { members: [m!] });
    const first = await h.ok("social.groups.setRole", { groupId, userId: m, role: "admin" }, owner!);
    const again = await h.ok("social.groups.setRole", { groupId, userId: m, role: "admin" }, owner!);
    expect(again.group.version).toBe(first.group.version);
    const demoted = await h.ok("social.groups.setRole", { groupId, userId: m, role: "member" }, owner!);
    expect(demoted.group.version).toBe(first.group.version + 1);
    expect((await timeline(groupId)).filter((e) => e.type === "role").map((e) => e.data.role)).toEqual([
      "admin",
      "member",
    ]);
  });

  it("the owner cannot leave until they transfer ownership; then they are an admin and can leave", async () => {
    const [owner, m] = await h.users("o", "m");
    const groupId = await h.group(owner!, { members: [m!] });
    const err = await h.fail("social.groups.leave", { groupId }, owner!);
    expect(err.code).toBe("CONFLICT");
    expect(err.message).toMatch(/transfer ownership/i);
    expect((await h.fail("social.groups.transfer", { groupId, userId: owner }, owner!)).code).toBe("BAD_REQUEST");
    expect((await h.fail("social.groups.transfer", { groupId, userId: owner }, m!)).code).toBe("FORBIDDEN");
    const { group } = await h.ok("social.groups.transfer", { groupId, userId: m }, owner!);
    expect(group.ownerId).toBe(m);
    const detail = await h.ok("social.groups.get", { groupId }, owner!);
    expect(detail.role).toBe("admin");
    expect(detail.members.map((x) => [x.user.id, x.role])).toEqual([
      [m, "owner"],
      [owner, "admin"],
    ]);
    await h.ok("social.groups.leave", { groupId }, owner!);
    await h.settle();
    expect(h.eventsOf(owner!, "social.group.removed.v1")).toContainEqual({
      group: { id: groupId, name: "Group" },
      reason: "left",
    });
    expect(h.eventsOf(m!, "social.group.updated.v1").at(-1)?.event).toMatchObject({
      type: "left",
      actor: { id: owner },
    });
    expect((await h.fail("social.groups.leave", { groupId }, owner!)).code).toBe("NOT_FOUND");
    expect((await h.fail("social.groups.leave", { groupId }, m!)).code).toBe("CONFLICT");
  });

  it("rename: owner only, pushed with the old and new name; the same name again is a no-op", async () => {
    const [owner, admin] = await h.users("o", "a");
    const groupId = await h.group(owner!, { admins: [admin!] });
    expect((await h.fail("social.groups.rename", { groupId, name: "Mine" }, admin!)).code).toBe("FORBIDDEN");
    expect((await h.fail("social.groups.rename", { groupId, name: " " }, owner!)).code).toBe("BAD_REQUEST");
    const { group } = await h.ok("social.groups.rename", { groupId, name: "Renamed" }, owner!);
    expect(group.name).toBe("Renamed");
    expect((await h.ok("social.groups.rename", { groupId, name: " Renamed " }, owner!)).group.version).toBe(
      group.version,
    );
    await h.settle();
    expect(h.eventsOf(admin!, "social.group.updated.v1").at(-1)?.event).toMatchObject({
      type: "renamed",
      name: "Renamed",
      previousName: "Group",
    });
  });
});

describe("reading", () => {
  it("group info and members only for current members; unknown and foreign groups look the same", async () => {
    const [owner, m, outsider, former] = await h.users("o", "m", "x", "f");
    const groupId = await h.group(owner!, { members: [m!, former!] });
    await h.ok("social.groups.leave", { groupId }, former!);
    const detail = await h.ok("social.groups.get", { groupId }, m!);
    expect(detail.members.map((x) => x.user.id)).toEqual([owner, m]);
    const unknown = await h.fail("social.groups.get", { groupId: 999_999 }, outsider!);
    expect(await h.fail("social.groups.get", { groupId }, outsider!)).toEqual(unknown);
    expect(await h.fail("social.groups.get", { groupId }, former!)).toEqual(unknown);
  });
});

describe("disbanding", () => {
  it("ends the group for everyone, keeps the members' read access and refuses every later change", async () => {
    const [owner, admin, m, invitee] = await h.users("o", "a", "m", "i");
    const groupId = await h.group(owner!, { admins: [admin!], members: [m!] });
    const { invitation } = await h.ok("social.groups.invite", { groupId, userId: invitee }, owner!);
    expect((await h.fail("social.groups.disband", { groupId }, admin!)).code).toBe("FORBIDDEN");
    const { group } = await h.ok("social.groups.disband", { groupId }, owner!);
    expect(group.disbandedAt).not.toBeNull();
    await h.settle();
    for (const u of [owner, admin, m]) {
      expect(h.eventsOf(u!, "social.group.removed.v1")).toContainEqual({
        group: { id: groupId, name: "Group" },
        reason: "disbanded",
      });
    }
    expect(h.eventsOf(invitee!, "social.invitation.removed.v1")).toContainEqual({
      invitationId: invitation.id,
      reason: "withdrawn",
    });
    expect((await h.ok("social.overview", {}, m!)).notices).toMatchObject([
      { type: "group.disbanded", data: { by: { id: owner } } },
    ]);
    expect((await h.ok("social.overview", {}, owner!)).notices).toEqual([]);
    // Each other member is told live too: the removal, then the notice overview lists.
    for (const u of [admin!, m!]) {
      const [notice] = (await h.ok("social.overview", {}, u)).notices;
      const told = h.events.filter((e) => e.userId === u).slice(-2);
      expect(told.map((e) => e.type)).toEqual(["social.group.removed.v1", "social.notice.created.v1"]);
      expect(told[1]!.body).toEqual({ notice });
    }
    expect((await h.ok("social.overview", {}, m!)).groups.map((g) => g.id)).not.toContain(groupId);

    // Members keep read access (their rows stay) ...
    const detail = await h.ok("social.groups.get", { groupId }, m!);
    expect(detail.group.disbandedAt).toBe(group.disbandedAt);
    expect(detail.members).toHaveLength(3);
    // ... and nothing changes any more.
    const attempts = [
      h.fail("social.groups.rename", { groupId, name: "Again" }, owner!),
      h.fail("social.groups.disband", { groupId }, owner!),
      h.fail("social.groups.leave", { groupId }, m!),
      h.fail("social.groups.kick", { groupId, userId: m }, owner!),
      h.fail("social.groups.setRole", { groupId, userId: m, role: "admin" }, owner!),
      h.fail("social.groups.transfer", { groupId, userId: admin }, owner!),
      h.fail("social.groups.invite", { groupId, userId: invitee }, owner!),
    ];
    for (const err of await Promise.all(attempts)) expect(err.code).toBe("CONFLICT");
    expect((await h.fail("social.groups.acceptInvite", { invitationId: invitation.id }, invitee!)).code).toBe(
      "NOT_FOUND",
    );
    expect(await h.db.groupMember.count({ where: { groupId } })).toBe(3);
  });
});

describe("the outbox for the chat service", () => {
  it("writes one GroupEvent per change, in order, with the version, and rings the doorbell for each", async () => {
    const [owner, a, b] = await h.users("o", "a", "b");
    const groupId = await h.group(owner!, { admins: [a!], members: [b!] });
    await h.ok("social.groups.rename", { groupId, name: "New" }, owner!);
    await h.ok("social.groups.transfer", { groupId, userId: a }, owner!);
    await h.ok("social.groups.kick", { groupId, userId: b }, a!);
    await h.ok("social.groups.disband", { groupId }, a!);
    const rows = await h.db.groupEvent.findMany({ where: { groupId }, orderBy: { id: "asc" } });
    expect(rows.map((r) => r.type)).toEqual([
      "created",
      "invited",
      "joined",
      "invited",
      "joined",
      "role",
      "renamed",
      "transferred",
      "kicked",
      "disbanded",
    ]);
    const group = await h.db.group.findUniqueOrThrow({ where: { id: groupId } });
    expect(group.version).toBe(rows.length);
    await h.settle();
    expect(h.doorbells.filter((d) => d.groupId === groupId).map((d) => d.eventId)).toEqual(rows.map((r) => r.id));
    expect(h.violations).toEqual([]);
  });

  it("a joiner's joinedSeq is the group conversation's last seq", async () => {
    const [owner, m] = await h.users("o", "m");
    const { group } = await h.ok("social.groups.create", { name: "Seq" }, owner!);
    await h.db.conversation.create({
      data: { key: `group:${group.id}`, kind: "group", groupId: group.id, lastSeq: 41 },
    });
    const { invitation } = await h.ok("social.groups.invite", { groupId: group.id, userId: m }, owner!);
    await h.ok("social.groups.acceptInvite", { invitationId: invitation.id }, m!);
    const rows = await h.db.groupMember.findMany({ where: { groupId: group.id }, orderBy: { joinedAt: "asc" } });
    expect(rows.map((r) => [r.userId, r.joinedSeq])).toEqual([
      [owner, 0],
      [m, 41],
    ]);
  });
});
