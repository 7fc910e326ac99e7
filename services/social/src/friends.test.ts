import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SOCIAL_COMMANDS } from "@sealroom/proto/social";
import { ANON, setup, type Harness } from "./test/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await setup();
});
afterAll(() => h.teardown());

describe("friend requests", () => {
  it("request, then accept: both sides see it live, the requester gets a notice", async () => {
    const [alice, bob] = await h.users("alice", "bob");
    const sent = await h.ok("social.friends.request", { userId: bob }, alice!);
    expect(sent.status).toBe("pending");
    if (sent.status !== "pending") return;
    expect(sent.request).toMatchObject({ from: { id: alice }, to: { id: bob } });
    await h.settle();
    expect(h.eventsOf(bob!, "social.friendRequest.received.v1")).toEqual([{ request: sent.request }]);
    expect(h.eventsOf(alice!, "social.friendRequest.sent.v1")).toEqual([{ request: sent.request }]);

    const bobView = await h.ok("social.overview", {}, bob!);
    expect(bobView.incoming.map((r) => r.id)).toEqual([sent.request.id]);
    const aliceView = await h.ok("social.overview", {}, alice!);
    expect(aliceView.outgoing.map((r) => r.id)).toEqual([sent.request.id]);

    const { friend } = await h.ok("social.friends.accept", { requestId: sent.request.id }, bob!);
    expect(friend.user.id).toBe(alice);
    await h.settle();
    expect(h.eventsOf(alice!, "social.friend.added.v1").map((e) => e.friend.user.id)).toEqual([bob]);
    expect(h.eventsOf(bob!, "social.friend.added.v1").map((e) => e.friend.user.id)).toEqual([alice]);
    const notices = h.eventsOf(alice!, "social.notice.created.v1");
    expect(notices.map((n) => n.notice)).toMatchObject([
      { type: "friendRequest.accepted", data: { user: { id: bob } } },
    ]);

    const after = await h.ok("social.overview", {}, alice!);
    expect(after.friends.map((f) => f.user.id)).toEqual([bob]);
    expect(after.outgoing).toEqual([]);
    expect(after.notices.map((n) => n.type)).toEqual(["friendRequest.accepted"]);
    expect(await h.ok("social.notices.ack", { ids: after.notices.map((n) => n.id) }, alice!)).toEqual({
      acknowledged: 1,
    });
    expect((await h.ok("social.overview", {}, alice!)).notices).toEqual([]);
    expect(h.violations).toEqual([]);
  });

  it("requests that cross merge into one friendship", async () => {
    const [a, b] = await h.users("a", "b");
    await h.ok("social.friends.request", { userId: b }, a!);
    const merged = await h.ok("social.friends.request", { userId: a }, b!);
    expect(merged).toMatchObject({ status: "friends", friend: { user: { id: a } } });
    expect(await h.db.friendRequest.count({ where: { OR: [{ fromId: a }, { fromId: b }] } })).toBe(0);
    expect(await h.db.friendship.count({ where: { OR: [{ userAId: a }, { userBId: a }] } })).toBe(1);
  });

  it("crossing requests fired at the same moment still make exactly one friendship", async () => {
    for (let i = 0; i < 5; i++) {
      const [a, b] = await h.users("x", "y");
      const [r1, r2] = await Promise.all([
        h.call("social.friends.request", { userId: b }, a!),
        h.call("social.friends.request", { userId: a }, b!),
      ]);
      expect(r1.ok && r2.ok).toBe(true);
      const statuses = [r1, r2].map((r) => (r.ok ? r.value.status : "error")).sort();
      expect(statuses).toEqual(["friends", "pending"]);
      expect(await h.db.friendship.count({ where: { OR: [{ userAId: a }, { userBId: a }] } })).toBe(1);
      expect(await h.db.friendRequest.count({ where: { OR: [{ fromId: a }, { fromId: b }] } })).toBe(0);
    }
  });

  it.each([
    ["to yourself", "self", "BAD_REQUEST"],
    ["to an unknown user", "unknown", "NOT_FOUND"],
    ["twice", "twice", "CONFLICT"],
    ["to a friend", "friend", "CONFLICT"],
  ])("a request %s is refused", async (_what, kind, code) => {
    const [a, b] = await h.users("p", "q");
    let target = b!;
    if (kind === "self") target = a!;
    if (kind === "unknown") target = 999_999;
    if (kind === "twice") await h.ok("social.friends.request", { userId: b }, a!);
    if (kind === "friend") await h.befriend(a!, b!);
    expect((await h.fail("social.friends.request", { userId: target }, a!)).code).toBe(code);
  });

  it("only the requester cancels and only the addressee accepts or declines; other ids look unknown", async () => {
    const [a, b, c] = await h.users("a", "b", "c");
    const r = await h.ok("social.friends.request", { userId: b }, a!);
    if (r.status !== "pending") throw new Error("expected pending");
    const id = r.request.id;
    const unknown = await h.fail("social.friends.accept", { requestId: 999_999 }, b!);
    for (const [type, actor] of [
      ["social.friends.accept", a],
      ["social.friends.accept", c],
      ["social.friends.decline", a],
      ["social.friends.decline", c],
      ["social.friends.cancel", b],
      ["social.friends.cancel", c],
    ] as const) {
      const err = await h.fail(type, { requestId: id }, actor!);
      expect(err).toEqual(unknown);
    }
    expect(await h.db.friendRequest.count({ where: { id } })).toBe(1);
    await h.ok("social.friends.cancel", { requestId: id }, a!);
    expect((await h.fail("social.friends.cancel", { requestId: id }, a!)).code).toBe("NOT_FOUND");
    await h.settle();
    expect(h.eventsOf(b!, "social.friendRequest.removed.v1")).toContainEqual({ requestId: id, reason: "cancelled" });
  });

  it("a decline is silent: the requester's request still looks pending, no event, no notice (review item 17)", async () => {
    const [a, b] = await h.users("a", "b");
    const r = await h.ok("social.friends.request", { userId: b }, a!);
    if (r.status !== "pending") throw new Error("expected pending");
    const before = await h.ok("social.overview", {}, a!);
    await h.ok("social.friends.decline", { requestId: r.request.id }, b!);
    await h.settle();
    expect(h.eventsOf(a!, "social.friendRequest.removed.v1")).toEqual([]);
    expect(h.eventsOf(b!, "social.friendRequest.removed.v1")).toEqual([
      { requestId: r.request.id, reason: "declined" },
    ]);
    const after = await h.ok("social.overview", {}, a!);
    expect(after.outgoing).toEqual(before.outgoing);
    expect(after.notices).toEqual([]);
    // Asking again answers exactly as while pending; the decliner no longer sees it, nor can accept it.
    expect(await h.fail("social.friends.request", { userId: b }, a!)).toMatchObject({
      code: "CONFLICT",
      message: "You already sent this user a friend request.",
    });
    expect((await h.ok("social.overview", {}, b!)).incoming).toEqual([]);
    expect((await h.fail("social.friends.accept", { requestId: r.request.id }, b!)).code).toBe("NOT_FOUND");
    expect((await h.fail("social.friends.decline", { requestId: r.request.id }, b!)).code).toBe("NOT_FOUND");
    // The requester may withdraw it; the decliner may still ask them (the two merge into a friendship).
    expect((await h.ok("social.friends.request", { userId: a }, b!)).status).toBe("friends");
  });

  it("unfriending works from either side and updates both live", async () => {
    const [a, b] = await h.users("a", "b");
    await h.befriend(a!, b!);
    await h.ok("social.friends.remove", { userId: a }, b!);
    await h.settle();
    expect(h.eventsOf(a!, "social.friend.removed.v1")).toEqual([{ userId: b }]);
    expect(h.eventsOf(b!, "social.friend.removed.v1")).toEqual([{ userId: a }]);
    expect((await h.fail("social.friends.remove", { userId: a }, b!)).code).toBe("NOT_FOUND");
    expect((await h.ok("social.overview", {}, a!)).friends).toEqual([]);
  });

  it("acknowledging someone else's notice does nothing", async () => {
    const [a, b, c] = await h.users("a", "b", "c");
    const r = await h.ok("social.friends.request", { userId: b }, a!);
    if (r.status !== "pending") throw new Error("expected pending");
    await h.ok("social.friends.accept", { requestId: r.request.id }, b!);
    const [notice] = (await h.ok("social.overview", {}, a!)).notices;
    expect(await h.ok("social.notices.ack", { ids: [notice!.id] }, c!)).toEqual({ acknowledged: 0 });
    expect((await h.ok("social.overview", {}, a!)).notices).toHaveLength(1);
  });

  it("refuses bodies that name the actor or carry unknown fields", async () => {
    const [a, b] = await h.users("a", "b");
    expect((await h.fail("social.friends.request", { userId: b, fromId: a }, a!)).code).toBe("BAD_REQUEST");
    expect((await h.fail("social.friends.request", { userId: "1" }, a!)).code).toBe("BAD_REQUEST");
    expect((await h.fail("social.friends.request", { userId: -1 }, a!)).code).toBe("BAD_REQUEST");
  });
});

describe("defense in depth", () => {
  it("every social command refuses a context without a signed-in user, even bypassing the gateway", async () => {
    const bodies: Record<string, unknown> = {
      "social.users.search": { prefix: "a" },
      "social.overview": {},
      "social.groups.create": { name: "x" },
      "social.groups.rename": { groupId: 1, name: "x" },
      "social.groups.setRole": { groupId: 1, userId: 1, role: "admin" },
      "social.notices.ack": { ids: [1] },
      "social.groups.setTopic": { groupId: 1, topic: "x" },
      "social.profile.update": { displayName: "x" },
      "social.profiles.get": { userIds: [1] },
      "social.profile.setAvatar": { image: null },
      "social.groups.setAvatar": { groupId: 1, image: null },
    };
    const generic = { userId: 1, requestId: 1, groupId: 1, invitationId: 1 };
    for (const [type, spec] of Object.entries(SOCIAL_COMMANDS)) {
      const body =
        bodies[type] ??
        Object.fromEntries(Object.keys(spec.body.shape).map((k) => [k, generic[k as keyof typeof generic]]));
      const err = await h.fail(type as keyof typeof SOCIAL_COMMANDS, body, ANON);
      expect({ type, code: err.code }).toEqual({ type, code: "NOT_AUTHENTICATED" });
    }
  });
});
