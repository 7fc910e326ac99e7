import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setup, type Harness } from "./test/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await setup({ config: { searchBurst: 3, searchPerSec: 1 } });
});
afterAll(() => h.teardown());

describe("blocking", () => {
  it("ends the friendship, the requests both ways and the blocker's invitations; the blocked user is not told", async () => {
    const [alice, mallory, carol] = await h.users("alice", "mallory", "carol");
    await h.befriend(alice!, mallory!);
    const groupId = await h.group(alice!);
    const { invitation } = await h.ok("social.groups.invite", { groupId, userId: mallory }, alice!);
    await h.ok("social.friends.request", { userId: carol }, mallory!);
    const { block } = await h.ok("social.blocks.add", { userId: mallory }, alice!);
    expect(block.user.id).toBe(mallory);
    await h.settle();
    expect(h.eventsOf(mallory!, "social.friend.removed.v1")).toEqual([{ userId: alice }]);
    expect(h.eventsOf(mallory!, "social.invitation.removed.v1")).toEqual([
      { invitationId: invitation.id, reason: "withdrawn" },
    ]);
    expect(h.eventsOf(mallory!, "social.block.added.v1")).toEqual([]);
    expect(h.eventsOf(alice!, "social.block.added.v1")).toEqual([{ block }]);
    expect((await h.ok("social.overview", {}, alice!)).blocked.map((b) => b.user.id)).toEqual([mallory]);
    expect((await h.ok("social.overview", {}, mallory!)).friends).toEqual([]);
    // Mallory's unrelated request stays.
    expect((await h.ok("social.overview", {}, mallory!)).outgoing).toHaveLength(1);
  });

  it("a blocked user cannot send the blocker a request (the blocker looks nonexistent) nor be invited by them", async () => {
    const [alice, mallory] = await h.users("alice", "mallory");
    const pending = await h.ok("social.friends.request", { userId: alice }, mallory!);
    await h.ok("social.blocks.add", { userId: mallory }, alice!);
    expect(
      await h.db.friendRequest.count({ where: { id: pending.status === "pending" ? pending.request.id : -1 } }),
    ).toBe(0);
    const unknown = await h.fail("social.friends.request", { userId: 999_999 }, mallory!);
    expect(await h.fail("social.friends.request", { userId: alice }, mallory!)).toEqual(unknown);
    expect((await h.fail("social.friends.request", { userId: mallory }, alice!)).code).toBe("CONFLICT");
    expect((await h.fail("social.blocks.add", { userId: mallory }, alice!)).code).toBe("CONFLICT");
    expect((await h.fail("social.blocks.add", { userId: alice }, alice!)).code).toBe("BAD_REQUEST");
    // Blocking back answers like a missing account (it would otherwise reveal the block).
    expect(await h.fail("social.blocks.add", { userId: alice }, mallory!)).toEqual(
      await h.fail("social.blocks.add", { userId: 999_999 }, mallory!),
    );
  });

  it("unblocking restores nothing, and unblocking someone not blocked is NOT_FOUND", async () => {
    const [alice, bob] = await h.users("alice", "bob");
    await h.befriend(alice!, bob!);
    await h.ok("social.blocks.add", { userId: bob }, alice!);
    await h.ok("social.blocks.remove", { userId: bob }, alice!);
    expect((await h.fail("social.blocks.remove", { userId: bob }, alice!)).code).toBe("NOT_FOUND");
    expect((await h.ok("social.overview", {}, alice!)).friends).toEqual([]);
    expect((await h.ok("social.friends.request", { userId: alice }, bob!)).status).toBe("pending");
  });
});

describe("search", () => {
  it("finds by case-insensitive prefix, public profile only, without the searcher and without users who blocked them", async () => {
    const [me, , , blocker] = await h.users("Zed", "zebra", "ZELDA", "zeal");
    const found = await h.ok("social.users.search", { prefix: "ZE" }, me!);
    const names = found.users.map((u) => u.username);
    expect(names.every((n) => n.toLowerCase().startsWith("ze"))).toBe(true);
    expect(found.users.map((u) => u.id)).not.toContain(me);
    expect(names.some((n) => n.startsWith("zeal"))).toBe(true);
    expect(Object.keys(found.users[0]!).sort()).toEqual(["id", "username"]);
    await h.ok("social.blocks.add", { userId: me }, blocker!);
    const again = await h.ok("social.users.search", { prefix: "ze", limit: 20 }, me!);
    expect(again.users.map((u) => u.id)).not.toContain(blocker);
    // The blocker still finds the user they blocked.
    h.clock.advance(10_000);
    expect((await h.ok("social.users.search", { prefix: "zed" }, blocker!)).users.map((u) => u.id)).toContain(me);
  });

  it("treats LIKE wildcards literally, bounds the limit and rate-limits each user", async () => {
    const [me] = await h.users("wild");
    h.clock.advance(10_000);
    expect((await h.ok("social.users.search", { prefix: "%" }, me!)).users).toEqual([]);
    expect((await h.ok("social.users.search", { prefix: "_" }, me!)).users).toEqual([]);
    expect((await h.fail("social.users.search", { prefix: "a", limit: 21 }, me!)).code).toBe("BAD_REQUEST");
    expect((await h.fail("social.users.search", { prefix: "" }, me!)).code).toBe("BAD_REQUEST");
    await h.ok("social.users.search", { prefix: "w" }, me!);
    const limited = await h.fail("social.users.search", { prefix: "w" }, me!);
    expect(limited).toMatchObject({ code: "RATE_LIMITED", retryable: true });
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    h.clock.advance(1_000);
    await h.ok("social.users.search", { prefix: "w" }, me!);
  });
});
