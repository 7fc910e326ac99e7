/**
 * The outside review's finding 14, server side: after an unfriending or a block, neither side keeps
 * showing the other "online" until a reload: each is told at once that the other's presence is hidden
 * (unless a shared group, without a block, still shows it).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setup, type Harness } from "./test/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await setup({ config: { presenceBatchMs: 20 } });
});
afterAll(() => h.teardown());

const HIDDEN = { online: false, lastSeenAt: null };
const about = (watcher: number, userId: number) =>
  h.eventsOf(watcher, "presence.changed.v1").filter((e) => e.userId === userId);

async function online(...users: number[]) {
  const reply = await h.presence.report(
    "g-stale",
    users.map((u) => [u, 1] as [number, number]),
  );
  if (!reply.ok) throw new Error(JSON.stringify(reply.error));
  await h.settle();
}

describe("presence after a social change", () => {
  it("an unfriending hides each side's presence from the other at once", async () => {
    await h.presence.report("g-stale", [], { reset: true });
    const [alice, carol] = await h.users("alice", "carol");
    await h.befriend(alice!, carol!);
    await online(alice!, carol!);
    expect(about(carol!, alice!).at(-1)).toMatchObject({ online: true });

    await h.ok("social.friends.remove", { userId: carol }, alice!);
    await h.settle();
    expect(about(carol!, alice!).at(-1)).toEqual({ userId: alice, ...HIDDEN });
    expect(about(alice!, carol!).at(-1)).toEqual({ userId: carol, ...HIDDEN });
  });

  it("an unfriending leaves presence alone while a group still shows it; a block hides it anyway", async () => {
    const [alice, carol] = await h.users("alice", "carol");
    await h.befriend(alice!, carol!);
    await h.group(alice!, { members: [carol!] });
    await online(alice!, carol!);
    const before = about(carol!, alice!).length;
    await h.ok("social.friends.remove", { userId: carol }, alice!);
    await h.settle();
    expect(about(carol!, alice!)).toHaveLength(before);

    await h.ok("social.blocks.add", { userId: carol }, alice!);
    await h.settle();
    expect(about(carol!, alice!).at(-1)).toEqual({ userId: alice, ...HIDDEN });
    expect(about(alice!, carol!).at(-1)).toEqual({ userId: carol, ...HIDDEN });
  });
});
