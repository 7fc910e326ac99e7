import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupEventDataSchema } from "@sealroom/proto/social";
import { setup, type Harness } from "./test/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await setup();
});
afterAll(() => h.teardown());

const profileOf = async (viewer: number, userId: number) =>
  (await h.ok("social.profiles.get", { userIds: [userId] }, viewer)).profiles[0];

describe("social.profile.update", () => {
  it("normalizes, trims and stores the display name and about line; '' clears; omitted stays", async () => {
    const [me] = await h.users("me");
    const decomposed = "Jose\u0301"; // NFC: "José"
    const { profile } = await h.ok("social.profile.update", { displayName: `  ${decomposed}  `, about: " hi " }, me!);
    expect(profile).toMatchObject({ user: { id: me }, displayName: "José", about: "hi" });
    const row = await h.db.user.findUniqueOrThrow({ where: { id: me } });
    expect([row.displayName, row.about]).toEqual(["José", "hi"]);

    await h.ok("social.profile.update", { about: "" }, me!);
    expect(await profileOf(me!, me!)).toMatchObject({ displayName: "José", about: null });
    await h.ok("social.profile.update", { displayName: "   " }, me!);
    expect(await profileOf(me!, me!)).toMatchObject({ displayName: null, about: null });
  });

  it.each([
    ["65 characters", { displayName: "x".repeat(65) }],
    ["a control character", { displayName: "bad\u0007name" }],
    ["a bidi override", { displayName: "evil\u202Eeman" }],
    ["a zero-width space", { displayName: "a\u200Bb" }],
    ["an about line of 201 characters", { about: "y".repeat(201) }],
    ["a newline in the about line", { about: "one\ntwo" }],
  ])("refuses %s and changes nothing", async (_what, body) => {
    const [me] = await h.users("bad");
    await h.ok("social.profile.update", { displayName: "Kept", about: "kept" }, me!);
    expect((await h.fail("social.profile.update", body, me!)).code).toBe("BAD_REQUEST");
    expect(await profileOf(me!, me!)).toMatchObject({ displayName: "Kept", about: "kept" });
  });

  it("accepts 64 characters of CJK and emoji, and 200 for the about line", async () => {
    const [me] = await h.users("cjk");
    const displayName = "读书会🙂".repeat(16);
    const about = "关于".repeat(100);
    expect((await h.ok("social.profile.update", { displayName, about }, me!)).profile).toMatchObject({
      displayName,
      about,
    });
  });

  it("tells the user, friends and fellow members live, never a stranger or across a block", async () => {
    const [me, friend, fellow, stranger, blocker] = await h.users("p", "friend", "fellow", "stranger", "blocker");
    await h.befriend(me!, friend!);
    await h.befriend(me!, blocker!);
    await h.group(fellow!, { members: [me!, blocker!] });
    await h.ok("social.blocks.add", { userId: me }, blocker!);
    await h.settle();
    await h.ok("social.profile.update", { displayName: "Pat" }, me!);
    await h.settle();
    for (const u of [me, friend, fellow]) {
      expect(h.eventsOf(u!, "social.profile.updated.v1")).toMatchObject([
        { profile: { user: { id: me }, displayName: "Pat" } },
      ]);
    }
    expect(h.eventsOf(stranger!, "social.profile.updated.v1")).toEqual([]);
    expect(h.eventsOf(blocker!, "social.profile.updated.v1")).toEqual([]);

    // The same values again: nothing changes, nobody is told.
    await h.ok("social.profile.update", { displayName: "Pat" }, me!);
    await h.settle();
    expect(h.eventsOf(friend!, "social.profile.updated.v1")).toHaveLength(1);
  });
});

describe("who may read a profile", () => {
  it("the user, friends and fellow members; strangers and blocked relations get the username only", async () => {
    const [me, friend, fellow, stranger, blocked, blocker] = await h.users("v", "f", "m", "s", "b", "bb");
    await h.befriend(me!, friend!);
    await h.befriend(me!, blocker!);
    await h.group(me!, { members: [fellow!, blocked!, blocker!] });
    await h.ok("social.blocks.add", { userId: blocked }, me!);
    await h.ok("social.blocks.add", { userId: me }, blocker!);
    await h.ok("social.profile.update", { displayName: "Vee", about: "about me" }, me!);

    const full = { user: { id: me }, displayName: "Vee", about: "about me" };
    const bare = { user: { id: me }, displayName: null, about: null };
    expect(await profileOf(me!, me!)).toMatchObject(full);
    expect(await profileOf(friend!, me!)).toMatchObject(full);
    expect(await profileOf(fellow!, me!)).toMatchObject(full);
    expect(await profileOf(stranger!, me!)).toMatchObject(bare);
    expect(await profileOf(blocked!, me!)).toMatchObject(bare);
    expect(await profileOf(blocker!, me!)).toMatchObject(bare);
    expect((await profileOf(stranger!, me!))?.user.username).toMatch(/^v\d+$/);

    // The overview carries the caller's own profile and friends' that say something; groups.get the members'.
    const overview = await h.ok("social.overview", {}, friend!);
    expect(overview.me).toMatchObject({ user: { id: friend }, displayName: null });
    expect(overview.profiles).toMatchObject([full]);
    const groupId = (await h.ok("social.overview", {}, fellow!)).groups[0]!.id;
    const detail = await h.ok("social.groups.get", { groupId }, fellow!);
    expect(detail.profiles).toMatchObject([full]);
    expect((await h.ok("social.groups.get", { groupId }, blocked!)).profiles).toEqual([]);
  });

  it("leaves unknown ids out and keeps the order asked", async () => {
    const [a, b] = await h.users("a", "b");
    const { profiles } = await h.ok("social.profiles.get", { userIds: [b, 2_000_000_000, a, b] }, a!);
    expect(profiles.map((p) => p.user.id)).toEqual([b, a]);
  });

  it("shares the search budget: lookups cannot scrape usernames faster than searches", async () => {
    const [a, b] = await h.users("ra", "rb");
    const replies = [];
    for (let i = 0; i < 25; i++) replies.push(await h.call("social.profiles.get", { userIds: [b] }, a!));
    expect(replies.filter((r) => r.ok)).toHaveLength(20); // the search burst (config searchBurst)
    expect(replies.at(-1)).toMatchObject({ ok: false, error: { code: "RATE_LIMITED", retryable: true } });
    h.clock.advance(1000);
    expect((await h.call("social.profiles.get", { userIds: [b] }, a!)).ok).toBe(true);
  });

  it("a departed member stops seeing the profile", async () => {
    const [owner, member] = await h.users("o", "m");
    const groupId = await h.group(owner!, { members: [member!] });
    await h.ok("social.profile.update", { displayName: "Boss" }, owner!);
    expect((await profileOf(member!, owner!))?.displayName).toBe("Boss");
    await h.ok("social.groups.leave", { groupId }, member!);
    expect((await profileOf(member!, owner!))?.displayName).toBeNull();
  });
});

describe("social.groups.setTopic", () => {
  it("the owner sets and clears the topic; members see it live and in the timeline's outbox", async () => {
    const [owner, admin, member] = await h.users("o", "a", "m");
    const groupId = await h.group(owner!, { admins: [admin!], members: [member!] });
    const { group } = await h.ok("social.groups.setTopic", { groupId, topic: "  Weekly  plans " }, owner!);
    expect(group.topic).toBe("Weekly  plans");
    await h.settle();
    expect(h.eventsOf(member!, "social.group.updated.v1").at(-1)).toMatchObject({
      group: { id: groupId, topic: "Weekly  plans" },
      event: { type: "topic", topic: "Weekly  plans", actor: { id: owner } },
    });
    const row = await h.db.groupEvent.findFirstOrThrow({ where: { groupId }, orderBy: { id: "desc" } });
    expect([row.type, groupEventDataSchema.parse(JSON.parse(row.data)).topic]).toEqual(["topic", "Weekly  plans"]);

    // Unchanged: no new event. Cleared: "".
    const events = await h.db.groupEvent.count({ where: { groupId } });
    await h.ok("social.groups.setTopic", { groupId, topic: "Weekly  plans" }, owner!);
    expect(await h.db.groupEvent.count({ where: { groupId } })).toBe(events);
    expect((await h.ok("social.groups.setTopic", { groupId, topic: "" }, owner!)).group.topic).toBe("");
    expect((await h.ok("social.groups.get", { groupId }, member!)).group.topic).toBe("");
  });

  it("refuses admins, members, outsiders, bad text and disbanded groups", async () => {
    const [owner, admin, member, outsider] = await h.users("o", "a", "m", "x");
    const groupId = await h.group(owner!, { admins: [admin!], members: [member!] });
    expect((await h.fail("social.groups.setTopic", { groupId, topic: "t" }, admin!)).code).toBe("FORBIDDEN");
    expect((await h.fail("social.groups.setTopic", { groupId, topic: "t" }, member!)).code).toBe("FORBIDDEN");
    expect((await h.fail("social.groups.setTopic", { groupId, topic: "t" }, outsider!)).code).toBe("NOT_FOUND");
    for (const topic of ["z".repeat(201), "a\u0000b", "\u202Eevil"]) {
      expect((await h.fail("social.groups.setTopic", { groupId, topic }, owner!)).code).toBe("BAD_REQUEST");
    }
    await h.ok("social.groups.disband", { groupId }, owner!);
    expect((await h.fail("social.groups.setTopic", { groupId, topic: "t" }, owner!)).code).toBe("CONFLICT");
    expect((await h.db.group.findUniqueOrThrow({ where: { id: groupId } })).topic).toBe("");
  });
});
