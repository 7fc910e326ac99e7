/**
 * Issue 3's "done when", through real gateways with SDK clients against real NATS and SQLite: people
 * find each other, become friends, block and unblock, and run a group through its whole life, each
 * step seen live by the others.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startStack, type Stack } from "./support/stack.js";
import { SOCIAL_STACK, befriend, errorCode, signUp, type Person } from "./social-helpers.js";

let stack: Stack;
let alice: Person, bob: Person, carol: Person, dave: Person;

beforeAll(async () => {
  stack = await startStack({ gateways: 2, ...SOCIAL_STACK });
  // Alice and Carol on one gateway, Bob and Dave on the other.
  [alice, bob, carol, dave] = await Promise.all([
    signUp(stack, "alice", { gateway: 0 }),
    signUp(stack, "bob", { gateway: 1 }),
    signUp(stack, "carol", { gateway: 0 }),
    signUp(stack, "dave", { gateway: 1 }),
  ]);
  // Their gateways report them online a moment after sign-in.
  const ids = [alice, bob, carol, dave].map((p) => p.user.id);
  for (
    let i = 0;
    (await stack.db.presence.count({ where: { userId: { in: ids }, connections: { gt: 0 } } })) < 4;
    i++
  ) {
    if (i > 200) throw new Error("users never came online");
    await new Promise((r) => setTimeout(r, 20));
  }
});
afterAll(async () => {
  for (const p of [alice, bob, carol, dave]) expect(p?.malformed ?? []).toEqual([]);
  await stack?.stop();
});

describe("friends", () => {
  test("alice finds bob, asks, bob accepts: both see it live", async () => {
    const found = await alice.social.search(bob.name);
    expect(found).toEqual([bob.user]);
    const sent = await alice.social.requestFriend(bob.user.id);
    expect(sent.status).toBe("pending");
    if (sent.status !== "pending") return;
    const received = await bob.waitFor("social.friendRequest.received.v1");
    expect(received.request).toEqual(sent.request);
    expect((await bob.social.overview()).incoming.map((r) => r.id)).toEqual([sent.request.id]);

    const friend = await bob.social.acceptRequest(sent.request.id);
    expect(friend.user).toEqual(alice.user);
    expect(friend.presence.online).toBe(true);
    const added = await alice.waitFor("social.friend.added.v1");
    expect(added.friend.user).toEqual(bob.user);
    expect(added.friend.presence.online).toBe(true);
    const notice = await alice.waitFor("social.notice.created.v1");
    expect(notice.notice).toMatchObject({ type: "friendRequest.accepted", data: { user: bob.user } });
    await alice.social.ackNotices([notice.notice.id]);

    const overview = await alice.social.overview();
    expect(overview.friends.map((f) => [f.user.id, f.presence.online])).toEqual([[bob.user.id, true]]);
    expect(overview.notices).toEqual([]);
  });

  test("a request to someone offline waits for their next sign-in", async () => {
    await dave.client.logout();
    const sent = await carol.social.requestFriend(dave.user.id);
    if (sent.status !== "pending") throw new Error("expected pending");
    await dave.client.login(dave.name, "correct horse battery staple");
    expect((await dave.social.overview()).incoming.map((r) => r.from)).toEqual([carol.user]);
    await dave.social.declineRequest(sent.request.id);
    await dave.waitFor("social.friendRequest.removed.v1", (b) => b.requestId === sent.request.id);
    // A decline is silent (review item 17): carol's request still looks pending, with no notice.
    const carols = await carol.social.overview();
    expect(carols.outgoing.map((r) => r.id)).toContain(sent.request.id);
    expect(carols.notices).toEqual([]);
    expect(carol.seen("social.friendRequest.removed.v1").filter((b) => b.requestId === sent.request.id)).toEqual([]);
    await carol.social.cancelRequest(sent.request.id);
  });

  test("block and unblock: the blocked user loses the blocker from search and cannot ask", async () => {
    await befriend(carol, dave);
    await carol.social.block(dave.user.id);
    await dave.waitFor("social.friend.removed.v1", (b) => b.userId === carol.user.id);
    expect(await dave.social.search(carol.name)).toEqual([]);
    expect(await errorCode(dave.social.requestFriend(carol.user.id))).toBe("NOT_FOUND");
    expect((await carol.social.overview()).blocked.map((b) => b.user)).toEqual([dave.user]);
    expect(dave.seen("social.block.added.v1")).toEqual([]);

    await carol.social.unblock(dave.user.id);
    expect(await dave.social.search(carol.name)).toEqual([carol.user]);
    expect((await dave.social.requestFriend(carol.user.id)).status).toBe("pending");
  });

  test("unfriending updates both sides live", async () => {
    await befriend(alice, dave);
    await dave.social.removeFriend(alice.user.id);
    await alice.waitFor("social.friend.removed.v1", (b) => b.userId === dave.user.id);
    expect((await alice.social.overview()).friends.map((f) => f.user.id)).toEqual([bob.user.id]);
  });
});

describe("a group's whole life", () => {
  test("create, invite, accept, promote, kick, transfer, leave and disband", async () => {
    // Alice creates it and invites her friend Bob.
    const created = await alice.social.createGroup("Weekend trip", [bob.user.id]);
    const groupId = created.group.id;
    expect(created.role).toBe("owner");
    const invitation = await bob.waitFor("social.invitation.received.v1", (b) => b.invitation.group.id === groupId);
    expect(invitation.invitation.inviter).toEqual(alice.user);
    const joined = await bob.social.acceptInvitation(invitation.invitation.id);
    expect(joined.members.map((m) => [m.user.id, m.role])).toEqual([
      [alice.user.id, "owner"],
      [bob.user.id, "member"],
    ]);
    await alice.waitFor(
      "social.group.updated.v1",
      (b) => b.event.type === "joined" && b.event.actor?.id === bob.user.id,
    );

    // The owner invites Carol (not her friend: owners may), who accepts.
    await alice.social.invite(groupId, carol.user.id);
    const carolInvite = await carol.waitFor("social.invitation.received.v1", (b) => b.invitation.group.id === groupId);
    await carol.social.acceptInvitation(carolInvite.invitation.id);

    // Bob, a plain member, cannot kick; promoted to admin, he can.
    expect(await errorCode(bob.social.kick(groupId, carol.user.id))).toBe("FORBIDDEN");
    await alice.social.setRole(groupId, bob.user.id, "admin");
    await carol.waitFor(
      "social.group.updated.v1",
      (b) => b.event.type === "role" && b.event.target?.id === bob.user.id && b.event.role === "admin",
    );
    await bob.social.kick(groupId, carol.user.id);
    const removed = await carol.waitFor("social.group.removed.v1", (b) => b.group.id === groupId);
    expect(removed.reason).toBe("kicked");
    await carol.waitFor("social.notice.created.v1", (b) => b.notice.type === "group.kicked");
    expect(await errorCode(carol.social.group(groupId))).toBe("NOT_FOUND");

    // The owner cannot leave before handing over.
    expect(await errorCode(alice.social.leave(groupId))).toBe("CONFLICT");
    await alice.social.transfer(groupId, bob.user.id);
    await bob.waitFor(
      "social.group.updated.v1",
      (b) => b.event.type === "transferred" && b.group.ownerId === bob.user.id,
    );
    await alice.social.leave(groupId);
    await bob.waitFor("social.group.updated.v1", (b) => b.event.type === "left" && b.event.actor?.id === alice.user.id);
    expect((await alice.social.overview()).groups.map((g) => g.id)).not.toContain(groupId);

    await bob.social.rename(groupId, "Trip (done)");
    const disbanded = await bob.social.disband(groupId);
    expect(disbanded.disbandedAt).not.toBeNull();
    await bob.waitFor("social.group.removed.v1", (b) => b.group.id === groupId && b.reason === "disbanded");
    // History stays readable to its last members; nothing else is possible.
    expect((await bob.social.group(groupId)).group.name).toBe("Trip (done)");
    expect(await errorCode(bob.social.rename(groupId, "again"))).toBe("CONFLICT");

    // Everything went to the chat service's outbox, in order.
    const events = await stack.db.groupEvent.findMany({ where: { groupId }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.type)).toEqual([
      "created",
      "invited",
      "joined",
      "invited",
      "joined",
      "role",
      "kicked",
      "transferred",
      "left",
      "renamed",
      "disbanded",
    ]);
  });

  test("a member invites a friend; bad input gets documented errors", async () => {
    const group = await alice.social.createGroup("Club");
    await alice.social.invite(group.group.id, bob.user.id);
    const inv = await bob.waitFor("social.invitation.received.v1", (b) => b.invitation.group.id === group.group.id);
    await bob.social.acceptInvitation(inv.invitation.id);
    expect(await errorCode(bob.social.invite(group.group.id, carol.user.id))).toBe("FORBIDDEN"); // not Bob's friend
    await befriend(bob, carol);
    await bob.social.invite(group.group.id, carol.user.id);
    expect(await errorCode(bob.social.invite(group.group.id, carol.user.id))).toBe("CONFLICT"); // already invited
    expect(await errorCode(alice.social.createGroup(" "))).toBe("BAD_REQUEST");
    expect(await errorCode(alice.social.createGroup("x".repeat(65)))).toBe("BAD_REQUEST");
    expect(await errorCode(alice.social.group(2 ** 31 - 1))).toBe("NOT_FOUND");
    expect(await errorCode(alice.social.acceptInvitation(2 ** 31 - 1))).toBe("NOT_FOUND");
    expect(await errorCode(alice.client.request("social.groups.get", { groupId: 0 }))).toBe("BAD_REQUEST");
  });
});
