import { afterAll, beforeAll, expect, it } from "vitest";
import { ctxOf, setup, type Harness } from "./test/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await setup({ config: { writePerSec: 1, writeBurst: 3 } });
});
afterAll(() => h.teardown());

it("regression: one user's changes share one budget across connections and gateways (each gateway's bucket let them multiply it)", async () => {
  const [alice, ...others] = await h.users("alice", "b1", "b2", "b3", "b4", "b5", "b6");
  // Six friend requests, each from another gateway and connection of the same user.
  const replies = await Promise.all(
    others.map((to, i) =>
      h.call("social.friends.request", { userId: to }, { ...ctxOf(alice!, `gw${i}`), connId: `c${i}` }),
    ),
  );
  expect(replies.filter((r) => r.ok)).toHaveLength(3);
  const refused = replies.filter((r) => !r.ok);
  expect(refused).toHaveLength(3);
  for (const r of refused) expect(r).toMatchObject({ ok: false, error: { code: "RATE_LIMITED", retryable: true } });
  expect(refused.every((r) => !r.ok && (r.error.retryAfterMs ?? 0) > 0)).toBe(true);
  // Reading is not a change; other users keep their own budget; time refills it.
  expect((await h.call("social.overview", {}, alice!)).ok).toBe(true);
  expect((await h.call("social.friends.request", { userId: others[0]! }, others[5]!)).ok).toBe(true);
  h.clock.advance(1000);
  expect((await h.call("social.friends.request", { userId: others[4]! }, alice!)).ok).toBe(true);
  expect(await h.db.friendRequest.count({ where: { fromId: alice! } })).toBe(4);
});

it("a group made with invitations costs one change for the group and one per invitation, as inviting one by one would", async () => {
  const [owner, f1, f2, f3] = await h.users("owner", "f1", "f2", "f3");
  h.clock.advance(10_000); // the befriending below is the friends' changes, and owner's: a full bucket to start
  for (const f of [f1!, f2!, f3!]) await h.befriend(owner!, f);
  h.clock.advance(10_000);
  // Burst 3: the group and two invitations take all of it; the next change waits.
  expect((await h.call("social.groups.create", { name: "three", invite: [f1!, f2!] }, owner!)).ok).toBe(true);
  expect(await h.call("social.groups.create", { name: "none", invite: [] }, owner!)).toMatchObject({
    ok: false,
    error: { code: "RATE_LIMITED" },
  });
  // More invitations than the whole burst: refused until the bucket is full, then allowed.
  h.clock.advance(2000);
  expect(await h.call("social.groups.create", { name: "four", invite: [f1!, f2!, f3!] }, owner!)).toMatchObject({
    ok: false,
    error: { code: "RATE_LIMITED" },
  });
  h.clock.advance(1000);
  expect((await h.call("social.groups.create", { name: "four", invite: [f1!, f2!, f3!] }, owner!)).ok).toBe(true);
});
