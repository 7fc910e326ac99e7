/**
 * Racing mutations, fired at the same moment at two service instances (separate NATS connections
 * and database clients on one SQLite file, as two processes would have). Whatever order they land
 * in, the group must end consistent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommandType } from "@sealroom/proto/commands";
import { setup, type Harness, type Reply } from "./test/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await setup({ instances: 2, config: { groupSizeCap: 4 } });
});
afterAll(() => h.teardown());

/** Every invariant of a group's rows. */
async function expectConsistent(groupId: number) {
  const group = await h.db.group.findUniqueOrThrow({ where: { id: groupId } });
  const members = await h.db.groupMember.findMany({ where: { groupId } });
  const owners = members.filter((m) => m.role === "owner");
  expect(owners.map((m) => m.userId)).toEqual([group.ownerId]);
  expect(members.length).toBeLessThanOrEqual(4);
  expect(await h.db.groupEvent.count({ where: { groupId } })).toBe(group.version);
  const invited = await h.db.groupInvite.findMany({ where: { groupId } });
  const memberIds = new Set(members.map((m) => m.userId));
  expect(invited.filter((i) => memberIds.has(i.inviteeId))).toEqual([]);
  if (group.disbandedAt) expect(invited).toEqual([]);
  return { group, members: new Map(members.map((m) => [m.userId, m.role])) };
}

const outcome = (r: Reply<unknown>) => (r.ok ? "ok" : r.error.code);

type Call = [CommandType, unknown, number];

/** Fires commands together, each as its own actor. */
function together<C extends Call[]>(...calls: C): Promise<{ [K in keyof C]: Reply<unknown> }> {
  return Promise.all(calls.map(([type, body, actor]) => h.call(type, body, actor) as Promise<Reply<unknown>>)) as never;
}

const ROUNDS = 5;

describe("racing group mutations end consistent", () => {
  it("a transfer racing the target's leave", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < ROUNDS; i++) {
      const [owner, m] = await h.users("o", "m");
      const groupId = await h.seedGroup(owner!, { members: [m!] });
      const [transfer, leave] = await together(
        ["social.groups.transfer", { groupId, userId: m }, owner!],
        ["social.groups.leave", { groupId }, m!],
      );
      const result = `${outcome(transfer)}/${outcome(leave)}`;
      seen.add(result);
      expect(["ok/CONFLICT", "NOT_FOUND/ok"]).toContain(result);
      const { group, members } = await expectConsistent(groupId);
      if (result === "ok/CONFLICT") expect([group.ownerId, members.get(owner!)]).toEqual([m, "admin"]);
      else expect([group.ownerId, members.has(m!)]).toEqual([owner, false]);
    }
  });

  it("a kick racing the target's accept", async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const [owner, admin, x] = await h.users("o", "a", "x");
      const groupId = await h.seedGroup(owner!, { admins: [admin!] });
      const { invitation } = await h.ok("social.groups.invite", { groupId, userId: x }, owner!);
      const [accept, kick] = await together(
        ["social.groups.acceptInvite", { invitationId: invitation.id }, x!],
        ["social.groups.kick", { groupId, userId: x }, admin!],
      );
      expect(accept.ok).toBe(true);
      expect(["ok", "NOT_FOUND"]).toContain(outcome(kick));
      const { members } = await expectConsistent(groupId);
      expect(members.has(x!)).toBe(!kick.ok);
    }
  });

  it("two admins kicking each other are both refused; a demotion racing a kick lands in either order", async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const [owner, a, b] = await h.users("o", "a", "b");
      const groupId = await h.seedGroup(owner!, { admins: [a!, b!] });
      const [ab, ba] = await together(
        ["social.groups.kick", { groupId, userId: b }, a!],
        ["social.groups.kick", { groupId, userId: a }, b!],
      );
      expect([outcome(ab), outcome(ba)]).toEqual(["FORBIDDEN", "FORBIDDEN"]);
      const [demote, kick] = await together(
        ["social.groups.setRole", { groupId, userId: b, role: "member" }, owner!],
        ["social.groups.kick", { groupId, userId: b }, a!],
      );
      expect(["ok/ok", "ok/FORBIDDEN"]).toContain(`${outcome(demote)}/${outcome(kick)}`);
      const { members } = await expectConsistent(groupId);
      expect(members.has(b!)).toBe(!kick.ok);
    }
  });

  it("two admins kicking the same member: exactly one succeeds", async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const [owner, a, b, m] = await h.users("o", "a", "b", "m");
      const groupId = await h.seedGroup(owner!, { admins: [a!, b!], members: [m!] });
      const results = await together(
        ["social.groups.kick", { groupId, userId: m }, a!],
        ["social.groups.kick", { groupId, userId: m }, b!],
      );
      expect(results.map(outcome).sort()).toEqual(["NOT_FOUND", "ok"]);
      await expectConsistent(groupId);
      expect(await h.db.notice.count({ where: { userId: m!, type: "group.kicked" } })).toBe(1);
    }
  });

  it("accepts racing for the last seats never overfill the group", async () => {
    const [owner, ...invitees] = await h.users("o", "i1", "i2", "i3", "i4", "i5", "i6");
    const groupId = await h.seedGroup(owner!);
    const invitations = [];
    for (const u of invitees)
      invitations.push((await h.ok("social.groups.invite", { groupId, userId: u }, owner!)).invitation);
    const results = await together(
      ...invitations.map((inv, k): Call => ["social.groups.acceptInvite", { invitationId: inv.id }, invitees[k]!]),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(results.filter((r) => !r.ok).map(outcome)).toEqual(["CONFLICT", "CONFLICT", "CONFLICT"]);
    await expectConsistent(groupId);
  });

  it("a disband racing everything else: nothing changes after it", async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const [owner, a, m, x] = await h.users("o", "a", "m", "x");
      const groupId = await h.seedGroup(owner!, { admins: [a!], members: [m!] });
      const { invitation } = await h.ok("social.groups.invite", { groupId, userId: x }, owner!);
      const [disband, ...rest] = await together(
        ["social.groups.disband", { groupId }, owner!],
        ["social.groups.acceptInvite", { invitationId: invitation.id }, x!],
        ["social.groups.leave", { groupId }, m!],
        ["social.groups.kick", { groupId, userId: m }, a!],
        ["social.groups.rename", { groupId, name: `r${i}` }, owner!],
      );
      expect(disband.ok).toBe(true);
      for (const r of rest) expect(["ok", "CONFLICT", "NOT_FOUND"]).toContain(outcome(r));
      const { group } = await expectConsistent(groupId);
      const last = await h.db.groupEvent.findFirstOrThrow({ where: { groupId }, orderBy: { id: "desc" } });
      expect(last.type).toBe("disbanded");
      expect(group.disbandedAt).not.toBeNull();
    }
  });

  it("a storm of random mutations on one group from many actors", async () => {
    const [owner, a1, a2, m1, m2, m3] = await h.users("o", "a1", "a2", "m1", "m2", "m3");
    const groupId = await h.seedGroup(owner!, { admins: [a1!, a2!], members: [m1!] });
    const people = [owner!, a1!, a2!, m1!, m2!, m3!];
    const calls: Call[] = [];
    let seed = 7;
    const pick = <T>(xs: T[]) => xs[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % xs.length]!;
    for (let k = 0; k < 40; k++) {
      const actor = pick(people);
      const target = pick(people);
      calls.push(
        pick<Call>([
          ["social.groups.kick", { groupId, userId: target }, actor],
          ["social.groups.setRole", { groupId, userId: target, role: pick(["admin", "member"]) }, actor],
          ["social.groups.transfer", { groupId, userId: target }, actor],
          ["social.groups.leave", { groupId }, actor],
          ["social.groups.invite", { groupId, userId: target }, actor],
          ["social.groups.rename", { groupId, name: `n${k}` }, actor],
        ]),
      );
    }
    const results = await together(...calls);
    for (const r of results) expect(["ok", "CONFLICT", "NOT_FOUND", "FORBIDDEN", "BAD_REQUEST"]).toContain(outcome(r));
    await expectConsistent(groupId);
  });

  it("a friend request racing a block leaves neither request nor friendship", async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const [a, b] = await h.users("a", "b");
      await together(["social.friends.request", { userId: b }, a!], ["social.blocks.add", { userId: a }, b!]);
      expect(await h.db.friendRequest.count({ where: { fromId: a!, toId: b! } })).toBe(0);
      expect(await h.db.block.count({ where: { blockerId: b!, blockedId: a! } })).toBe(1);
    }
  });

  it("both instances took part", () => {
    for (const i of h.instances) expect(i.nc.stats().inMsgs).toBeGreaterThan(20);
  });
});
