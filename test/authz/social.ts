/**
 * The social part of the authorization matrix (run by test/authz-matrix.test.ts): every social command x {owner, admin, member, former member,
 * non-member, blocked user, unauthenticated}, through a real gateway with SDK clients. Each cell
 * runs on the world below and must end with exactly the expected outcome; a refusal must also leave
 * every social table untouched (so the next cell reuses the world; an allowed call gets it
 * reseeded). The test fails on any unexpected allow.
 *
 * The world:
 *   group G owned by O, with admin A, members M and T (T: the target of kick/setRole/transfer);
 *   F was a member and left; N never was; O has blocked B.
 *   Friends: O-A, O-M, M-X (X: a user anyone may try to invite). Pending request N -> O.
 *   Invitations to G: N and F (from M), B (from O, sent before O blocked B). A notice for O.
 *   Pictures: O's (a WebP) and G's (a GIF).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AppError, type SealroomClient } from "@sealroom/sdk/node";
import type { CommandType } from "@sealroom/proto/commands";
import { SOCIAL_COMMANDS } from "@sealroom/proto/social";
import { startStack, type Stack } from "../support/stack.js";
import { SOCIAL_STACK, signUp, type Person } from "../social-helpers.js";
import { callAnonymously, record } from "./matrix.js";

export const SOCIAL_ROLES = ["owner", "admin", "member", "former", "nonmember", "blocked", "unauthenticated"] as const;
type Role = (typeof SOCIAL_ROLES)[number];
type Actor = Exclude<Role, "unauthenticated">;
/** "ok", or the error code the actor must get. */
type Outcome = "ok" | "NOT_FOUND" | "FORBIDDEN" | "CONFLICT" | "BAD_REQUEST" | "NOT_AUTHENTICATED";

const PEOPLE = ["O", "A", "M", "T", "F", "N", "B", "X"] as const;
type Name = (typeof PEOPLE)[number];
const ACTOR: Record<Actor, Name> = { owner: "O", admin: "A", member: "M", former: "F", nonmember: "N", blocked: "B" };

interface World {
  groupId: number;
  requestId: number;
  invitations: { N: number; F: number; B: number };
  noticeId: number;
}

interface Case {
  type: CommandType;
  body(w: World, actor: Actor, id: (n: Name) => number): unknown;
  expect: Record<Actor, Outcome>;
  /** Side effects of an allowed call, beyond the outcome. */
  check?(w: World, actor: Actor): Promise<void>;
}

const all = (o: Outcome): Record<Actor, Outcome> => ({
  owner: o,
  admin: o,
  member: o,
  former: o,
  nonmember: o,
  blocked: o,
});
/** Owner-only group commands. */
const ownerOnly: Record<Actor, Outcome> = {
  owner: "ok",
  admin: "FORBIDDEN",
  member: "FORBIDDEN",
  former: "NOT_FOUND",
  nonmember: "NOT_FOUND",
  blocked: "NOT_FOUND",
};
/** An invitation the actor could hold: their own where the world has one, else N's. */
const invitationOf = (w: World, actor: Actor) =>
  actor === "former" ? w.invitations.F : actor === "blocked" ? w.invitations.B : w.invitations.N;

export const SOCIAL_CASES: Case[] = [
  {
    type: "social.users.search",
    body: (_w, _a, id) => ({ prefix: names.get(id("O"))! }),
    expect: all("ok"),
  },
  { type: "social.overview", body: () => ({}), expect: all("ok") },
  {
    // A and M are already O's friends; N already asked; O blocked B, who must not learn it.
    type: "social.friends.request",
    body: (_w, _a, id) => ({ userId: id("O") }),
    expect: {
      owner: "BAD_REQUEST",
      admin: "CONFLICT",
      member: "CONFLICT",
      former: "ok",
      nonmember: "CONFLICT",
      blocked: "NOT_FOUND",
    },
  },
  {
    type: "social.friends.cancel",
    body: (w) => ({ requestId: w.requestId }),
    expect: { ...all("NOT_FOUND"), nonmember: "ok" },
  },
  {
    type: "social.friends.accept",
    body: (w) => ({ requestId: w.requestId }),
    expect: { ...all("NOT_FOUND"), owner: "ok" },
  },
  {
    type: "social.friends.decline",
    body: (w) => ({ requestId: w.requestId }),
    expect: { ...all("NOT_FOUND"), owner: "ok" },
  },
  {
    type: "social.friends.remove",
    body: (_w, _a, id) => ({ userId: id("O") }),
    expect: { ...all("NOT_FOUND"), admin: "ok", member: "ok" },
  },
  {
    // B, whom O blocked, must not learn it: blocking O back answers like a missing account.
    type: "social.blocks.add",
    body: (_w, _a, id) => ({ userId: id("O") }),
    expect: { ...all("ok"), owner: "BAD_REQUEST", blocked: "NOT_FOUND" },
  },
  {
    type: "social.blocks.remove",
    body: (_w, _a, id) => ({ userId: id("B") }),
    expect: { ...all("NOT_FOUND"), owner: "ok" },
  },
  { type: "social.groups.create", body: () => ({ name: "Mine" }), expect: all("ok") },
  {
    type: "social.groups.get",
    body: (w) => ({ groupId: w.groupId }),
    expect: { ...all("NOT_FOUND"), owner: "ok", admin: "ok", member: "ok" },
  },
  {
    // X is M's friend, so the member may invite X too.
    type: "social.groups.invite",
    body: (w, _a, id) => ({ groupId: w.groupId, userId: id("X") }),
    expect: { ...all("NOT_FOUND"), owner: "ok", admin: "ok", member: "ok" },
  },
  {
    // B's invitation came from O, who has blocked B since.
    type: "social.groups.acceptInvite",
    body: (w, a) => ({ invitationId: invitationOf(w, a) }),
    expect: { ...all("NOT_FOUND"), former: "ok", nonmember: "ok" },
    async check(w, actor) {
      expect(await stack.db.groupMember.count({ where: { groupId: w.groupId, userId: ids.get(ACTOR[actor]) } })).toBe(
        1,
      );
    },
  },
  {
    // Declining one's own invitation is always allowed.
    type: "social.groups.declineInvite",
    body: (w, a) => ({ invitationId: invitationOf(w, a) }),
    expect: { ...all("NOT_FOUND"), former: "ok", nonmember: "ok", blocked: "ok" },
  },
  {
    // N's invitation came from M: M (the inviter), the owner and admins may withdraw it.
    type: "social.groups.withdrawInvite",
    body: (w) => ({ invitationId: w.invitations.N }),
    expect: { ...all("NOT_FOUND"), owner: "ok", admin: "ok", member: "ok" },
    async check(w) {
      expect(await stack.db.groupInvite.count({ where: { id: w.invitations.N } })).toBe(0);
    },
  },
  {
    type: "social.groups.leave",
    body: (w) => ({ groupId: w.groupId }),
    expect: { ...all("NOT_FOUND"), owner: "CONFLICT", admin: "ok", member: "ok" },
  },
  {
    type: "social.groups.kick",
    body: (w, _a, id) => ({ groupId: w.groupId, userId: id("T") }),
    expect: { ...ownerOnly, admin: "ok" },
  },
  {
    type: "social.groups.setRole",
    body: (w, _a, id) => ({ groupId: w.groupId, userId: id("T"), role: "admin" }),
    expect: ownerOnly,
  },
  {
    type: "social.groups.transfer",
    body: (w, _a, id) => ({ groupId: w.groupId, userId: id("T") }),
    expect: ownerOnly,
    async check(w) {
      const group = await stack.db.group.findUniqueOrThrow({ where: { id: w.groupId } });
      expect(group.ownerId).toBe(ids.get("T"));
    },
  },
  {
    type: "social.groups.rename",
    body: (w) => ({ groupId: w.groupId, name: "Renamed" }),
    expect: ownerOnly,
  },
  {
    type: "social.groups.disband",
    body: (w) => ({ groupId: w.groupId }),
    expect: ownerOnly,
  },
  {
    // Whoever may rename the group may set its topic.
    type: "social.groups.setTopic",
    body: (w) => ({ groupId: w.groupId, topic: "Plans" }),
    expect: ownerOnly,
    async check(w) {
      expect((await stack.db.group.findUniqueOrThrow({ where: { id: w.groupId } })).topic).toBe("Plans");
    },
  },
  {
    // Everyone edits their own profile, and only their own.
    type: "social.profile.update",
    body: () => ({ displayName: "Someone" }),
    expect: all("ok"),
    async check(_w, actor) {
      const rows = await stack.db.user.findMany({ where: { displayName: "Someone" }, select: { id: true } });
      expect(rows.map((r) => r.id)).toEqual([id(ACTOR[actor])]);
    },
  },
  {
    // Anyone may ask; O's display name shows to O, O's friends (A, M) and fellow members (T), not
    // to F (left), N (a pending request is no relation) or B (blocked by O).
    type: "social.profiles.get",
    body: (_w, _a, id) => ({ userIds: [id("O")] }),
    expect: all("ok"),
    async check(_w, actor) {
      const [profile] = await people.get(ACTOR[actor])!.social.profiles([id("O")]);
      const sees = actor === "owner" || actor === "admin" || actor === "member";
      expect(profile).toEqual({
        user: { id: id("O"), username: names.get(id("O")) },
        displayName: sees ? "Owner O" : null,
        about: sees ? "runs G" : null,
        avatar: sees ? O_AVATAR.version : null,
      });
    },
  },
  {
    // Everyone sets their own picture, and only their own.
    type: "social.profile.setAvatar",
    body: () => ({ image: PNG.toString("base64url") }),
    expect: all("ok"),
    async check(_w, actor) {
      const rows = await stack.db.avatar.findMany({ where: { mime: "image/png" }, select: { userId: true } });
      expect(rows.map((r) => r.userId)).toEqual([id(ACTOR[actor])]);
    },
  },
  {
    // O's picture: to the same audience as O's profile; NOT_FOUND to the others, as if there were none.
    type: "social.profiles.avatar",
    body: (_w, _a, id) => ({ userId: id("O") }),
    expect: {
      owner: "ok",
      admin: "ok",
      member: "ok",
      former: "NOT_FOUND",
      nonmember: "NOT_FOUND",
      blocked: "NOT_FOUND",
    },
    async check(_w, actor) {
      const { avatar } = await people.get(ACTOR[actor])!.client.request("social.profiles.avatar", { userId: id("O") });
      expect(avatar).toEqual({
        userId: id("O"),
        version: O_AVATAR.version,
        mime: "image/webp",
        data: Buffer.from(O_AVATAR.data).toString("base64url"),
      });
    },
  },
  {
    // Whoever may rename the group may set its picture.
    type: "social.groups.setAvatar",
    body: (w) => ({ groupId: w.groupId, image: PNG.toString("base64url") }),
    expect: ownerOnly,
    async check(w) {
      const group = await stack.db.group.findUniqueOrThrow({ where: { id: w.groupId } });
      const row = await stack.db.groupAvatar.findUniqueOrThrow({ where: { groupId: w.groupId } });
      expect([row.mime, group.avatar]).toEqual(["image/png", row.version]);
    },
  },
  {
    // G's picture: to its members and its pending invitees (they see its name). In this world F, N
    // and B all hold an invitation to G, so everyone may; a stranger's NOT_FOUND is in
    // services/social group-avatars.test.ts.
    type: "social.groups.avatar",
    body: (w) => ({ groupId: w.groupId }),
    expect: all("ok"),
    async check(w, actor) {
      const { avatar } = await people.get(ACTOR[actor])!.client.request("social.groups.avatar", { groupId: w.groupId });
      expect(avatar).toEqual({
        groupId: w.groupId,
        version: G_AVATAR.version,
        mime: "image/gif",
        data: Buffer.from(G_AVATAR.data).toString("base64url"),
      });
    },
  },
  {
    // Anyone may acknowledge; only the owner of the notice removes it.
    type: "social.notices.ack",
    body: (w) => ({ ids: [w.noticeId] }),
    expect: all("ok"),
    async check(w, actor) {
      expect(await stack.db.notice.count({ where: { id: w.noticeId } })).toBe(actor === "owner" ? 0 : 1);
    },
  },
];

/** O's picture in the world (stored as a WebP), and the PNG setAvatar cases send. */
const O_AVATAR = {
  version: "OwnerPicture0001",
  data: Uint8Array.from([...Buffer.from("RIFF\0\0\0\0WEBPVP8 "), 1, 2, 3]),
};
/** G's picture in the world (stored as a GIF). */
const G_AVATAR = { version: "GroupPicture0001", data: Uint8Array.from([...Buffer.from("GIF89a"), 1, 0, 1, 0]) };
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

let stack: Stack;
const people = new Map<Name, Person>();
const ids = new Map<Name, number>();
const names = new Map<number, string>();

async function setUp(): Promise<void> {
  stack = await startStack(SOCIAL_STACK);
  for (const name of PEOPLE) {
    const p = await signUp(stack, `authz${name}`);
    people.set(name, p);
    ids.set(name, p.user.id);
    names.set(p.user.id, p.name);
  }
}

const id = (n: Name) => ids.get(n)!;

/** Wipes the social tables and seeds the world described at the top. */
async function seed(): Promise<World> {
  const db = stack.db;
  await db.friendship.deleteMany();
  await db.friendRequest.deleteMany();
  await db.block.deleteMany();
  await db.notice.deleteMany();
  await db.groupInvite.deleteMany();
  await db.groupMember.deleteMany();
  await db.formerMember.deleteMany();
  await db.groupEvent.deleteMany();
  await db.group.deleteMany();
  await db.user.updateMany({ data: { displayName: null, about: null } });
  await db.user.update({ where: { id: id("O") }, data: { displayName: "Owner O", about: "runs G" } });
  await db.avatar.deleteMany();
  await db.avatar.create({
    data: { userId: id("O"), version: O_AVATAR.version, mime: "image/webp", data: O_AVATAR.data },
  });
  const pair = (a: Name, b: Name) =>
    id(a) < id(b) ? { userAId: id(a), userBId: id(b) } : { userAId: id(b), userBId: id(a) };
  await db.friendship.createMany({ data: [pair("O", "A"), pair("O", "M"), pair("M", "X")] });
  await db.block.create({ data: { blockerId: id("O"), blockedId: id("B") } });
  const request = await db.friendRequest.create({ data: { fromId: id("N"), toId: id("O") } });
  await db.groupAvatar.deleteMany();
  const group = await db.group.create({ data: { name: "G", ownerId: id("O"), avatar: G_AVATAR.version } });
  await db.groupAvatar.create({
    data: { groupId: group.id, version: G_AVATAR.version, mime: "image/gif", data: G_AVATAR.data },
  });
  await db.groupMember.createMany({
    data: [
      { groupId: group.id, userId: id("O"), role: "owner" },
      { groupId: group.id, userId: id("A"), role: "admin" },
      { groupId: group.id, userId: id("M"), role: "member" },
      { groupId: group.id, userId: id("T"), role: "member" },
    ],
  });
  await db.formerMember.create({
    data: { groupId: group.id, userId: id("F"), reason: "left", groupName: "G", removedAt: new Date() },
  });
  const expiresAt = new Date(Date.now() + 86_400_000);
  const invite = (invitee: Name, inviter: Name) =>
    db.groupInvite.create({ data: { groupId: group.id, inviteeId: id(invitee), inviterId: id(inviter), expiresAt } });
  const invitations = {
    N: (await invite("N", "M")).id,
    F: (await invite("F", "M")).id,
    B: (await invite("B", "O")).id,
  };
  const notice = await db.notice.create({
    data: {
      userId: id("O"),
      type: "friendRequest.declined",
      data: JSON.stringify({ user: { id: id("X"), username: "x" } }),
    },
  });
  return { groupId: group.id, requestId: request.id, invitations, noticeId: notice.id };
}

/**
 * Every row of the social tables, to prove that a refusal changed nothing. Read through the client
 * in key order and joined here, so it is the same on both engines.
 */
async function fingerprint(): Promise<string> {
  const db = stack.db;
  const join = (rows: unknown[][]) => rows.map((r) => r.map((v) => (v instanceof Date ? v.getTime() : v)).join(":"));
  const [f, r, b, g, m, fm, i, e, n, u, av, gav] = await Promise.all([
    db.friendship.findMany({ orderBy: [{ userAId: "asc" }, { userBId: "asc" }] }),
    db.friendRequest.findMany({ orderBy: { id: "asc" } }),
    db.block.findMany({ orderBy: [{ blockerId: "asc" }, { blockedId: "asc" }] }),
    db.group.findMany({ orderBy: { id: "asc" } }),
    db.groupMember.findMany({ orderBy: [{ groupId: "asc" }, { userId: "asc" }] }),
    db.formerMember.findMany({ orderBy: [{ groupId: "asc" }, { userId: "asc" }] }),
    db.groupInvite.findMany({ orderBy: { id: "asc" } }),
    db.groupEvent.count(),
    db.notice.findMany({ orderBy: { id: "asc" }, select: { id: true } }),
    db.user.findMany({ orderBy: { id: "asc" }, select: { id: true, displayName: true, about: true } }),
    db.avatar.findMany({ orderBy: { userId: "asc" }, select: { userId: true, version: true } }),
    db.groupAvatar.findMany({ orderBy: { groupId: "asc" }, select: { groupId: true, version: true } }),
  ]);
  return JSON.stringify({
    f: join(f.map((x) => [x.userAId, x.userBId])),
    r: join(r.map((x) => [x.id, x.fromId, x.toId])),
    b: join(b.map((x) => [x.blockerId, x.blockedId])),
    g: join(g.map((x) => [x.id, x.name, x.ownerId, x.version, x.disbandedAt ?? "", x.topic, x.avatar ?? ""])),
    m: join(m.map((x) => [x.groupId, x.userId, x.role])),
    fm: join(fm.map((x) => [x.groupId, x.userId, x.reason])),
    i: join(i.map((x) => [x.id, x.inviteeId])),
    e,
    n: n.map((x) => x.id),
    u: join(u.map((x) => [x.id, x.displayName ?? "", x.about ?? ""])),
    av: join(av.map((x) => [x.userId, x.version])),
    gav: join(gav.map((x) => [x.groupId, x.version])),
  });
}

async function run(client: SealroomClient | undefined, type: CommandType, body: unknown): Promise<Outcome> {
  const result = client ? await client.call(type, body) : await callAnonymously(stack, type, body);
  if (result.ok) return "ok";
  return result.error.code as Outcome;
}

/** Registers the social matrix's tests (with their own stack) in the calling test file. */
export function defineSocialMatrix(): void {
  describe("social authorization matrix", () => {
    beforeAll(setUp);
    afterAll(async () => {
      await stack?.stop();
    });

    test("covers every social command", () => {
      expect(SOCIAL_CASES.map((c) => c.type).sort()).toEqual(Object.keys(SOCIAL_COMMANDS).sort());
    });

    test("every command x role gets exactly its expected outcome; refusals change nothing", async () => {
      const table: Array<{ command: string; role: Role; expected: Outcome; got: Outcome }> = [];
      // A refusal provably changes nothing (checked below), so the next cell can reuse its world.
      let world: World | undefined;
      let before = "";
      for (const c of SOCIAL_CASES) {
        for (const role of SOCIAL_ROLES) {
          if (!world) {
            world = await seed();
            before = await fingerprint();
          }
          let got: Outcome;
          let expected: Outcome;
          if (role === "unauthenticated") {
            expected = "NOT_AUTHENTICATED";
            got = await run(undefined, c.type, c.body(world, "nonmember", id));
          } else {
            expected = c.expect[role];
            got = await run(people.get(ACTOR[role])!.client, c.type, c.body(world, role, id));
            if (got === "ok" && expected === "ok") await c.check?.(world, role);
          }
          if (got !== "ok")
            expect({ command: c.type, role, after: await fingerprint() }).toEqual({
              command: c.type,
              role,
              after: before,
            });
          else world = undefined;
          table.push({ command: c.type, role, expected, got });
          record({ family: "social", command: c.type, role, expected, got });
        }
      }
      const unexpectedAllows = table.filter((r) => r.got === "ok" && r.expected !== "ok");
      expect(unexpectedAllows).toEqual([]);
      expect(table.filter((r) => r.got !== r.expected)).toEqual([]);
      expect(table).toHaveLength(SOCIAL_CASES.length * SOCIAL_ROLES.length);
      // 27 commands x 7 roles, reseeding after each allowed call: ~20 s on PostgreSQL alone, more on a busy machine.
    }, 90_000);

    test("the blocked user's search does not show the blocker", async () => {
      await seed();
      const found = await people.get("B")!.social.search(names.get(id("O"))!);
      expect(found).toEqual([]);
      const byOthers = await people.get("N")!.social.search(names.get(id("O"))!);
      expect(byOthers.map((u) => u.id)).toEqual([id("O")]);
    });

    test("ids of other users in a body never make anyone act as them", async () => {
      const world = await seed();
      const client = people.get("N")!.client;
      // Extra fields (an "actor", "userId" where none belongs) are refused by the gateway's schema.
      for (const body of [
        { groupId: world.groupId, userId: id("O") },
        { groupId: world.groupId, actorId: id("O") },
      ]) {
        const result = await client.call("social.groups.disband", body);
        expect(result).toMatchObject({ ok: false, error: { code: "BAD_REQUEST" } });
      }
      const err = await client
        .request("social.groups.rename", { groupId: world.groupId, name: "pwned" })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((await stack.db.group.findUniqueOrThrow({ where: { id: world.groupId } })).name).toBe("G");
    });
  });
}
