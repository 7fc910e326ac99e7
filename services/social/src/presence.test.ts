/**
 * Presence decided by the service from gateway reports: across gateways and connections, pushed
 * only to friends and fellow group members (never across a block), coalesced, and self-healing
 * when a gateway's lease runs out. Two instances, so each transition must be published once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PRESENCE_REPORT_MAX_ENTRIES } from "@sealroom/proto/gateway-presence";
import { setup, type Harness } from "./test/harness.js";
import { watchersOfMany } from "./views.js";

let h: Harness;
beforeAll(async () => {
  h = await setup({ instances: 2, config: { presenceBatchMs: 50 } });
});
afterAll(() => h.teardown());

const changes = (watcher: number, userId: number) =>
  h.eventsOf(watcher, "presence.changed.v1").filter((e) => e.userId === userId);

async function okReport(...args: Parameters<Harness["presence"]["report"]>) {
  const reply = await h.presence.report(...args);
  if (!reply.ok) throw new Error(JSON.stringify(reply.error));
  return reply.value;
}

describe("presence", () => {
  it("is online while any connection on any live gateway remains, and pushed once per transition", async () => {
    const [alice, friend] = await h.users("alice", "friend");
    await h.befriend(alice!, friend!);
    await okReport("g1", [], { reset: true });
    await okReport("g2", [], { reset: true });

    await okReport("g1", [[alice!, 1]]);
    await okReport("g1", [[alice!, 2]]); // a second connection on g1
    await okReport("g2", [[alice!, 1]]); // and one on g2
    await h.settle();
    expect(changes(friend!, alice!)).toEqual([{ userId: alice, online: true, lastSeenAt: null }]);
    const seen = await h.ok("social.overview", {}, friend!);
    expect(seen.friends[0]!.presence).toEqual({ online: true, lastSeenAt: null });

    await okReport("g1", [[alice!, 0]]);
    await h.settle();
    expect(changes(friend!, alice!)).toHaveLength(1);
    await okReport("g2", [[alice!, 0]]);
    await h.settle();
    const last = changes(friend!, alice!).at(-1)!;
    expect(last).toEqual({ userId: alice, online: false, lastSeenAt: h.clock.now() });
    const user = await h.db.user.findUniqueOrThrow({ where: { id: alice! } });
    expect(user.lastSeenAt?.getTime()).toBe(h.clock.now());
    expect((await h.ok("social.overview", {}, friend!)).friends[0]!.presence).toEqual({
      online: false,
      lastSeenAt: h.clock.now(),
    });
  });

  it("goes to friends and fellow members of active groups only, never across a block", async () => {
    const [u, friend, member, stranger, blocker, blocked, exMember] = await h.users(
      "u",
      "f",
      "m",
      "s",
      "bk",
      "bd",
      "x",
    );
    await h.befriend(u!, friend!);
    await h.befriend(u!, blocker!);
    await h.befriend(u!, blocked!);
    const groupId = await h.group(u!, { members: [member!, exMember!] });
    const other = await h.group(stranger!, { members: [exMember!] });
    const shared = await h.group(u!, { members: [blocker!] });
    await h.ok("social.groups.leave", { groupId }, exMember!);
    await h.ok("social.blocks.add", { userId: u }, blocker!); // blocker blocked u
    await h.ok("social.blocks.add", { userId: blocked }, u!); // u blocked them
    await okReport("g3", [[u!, 1]], { reset: true });
    await h.settle();
    expect(changes(friend!, u!)).toHaveLength(1);
    expect(changes(member!, u!)).toHaveLength(1);
    for (const w of [stranger, exMember]) expect(changes(w!, u!)).toEqual([]);
    // Across the block only the "hidden" state the block itself pushed (review item 14), never u's.
    for (const w of [blocker, blocked])
      expect(changes(w!, u!)).toEqual([{ userId: u, online: false, lastSeenAt: null }]);
    // The group view hides presence across the block too.
    const view = await h.ok("social.groups.get", { groupId: shared }, blocker!);
    expect(view.members.find((m) => m.user.id === u)!.presence).toEqual({ online: false, lastSeenAt: null });
    // Members of a disbanded group are no longer told.
    await h.ok("social.groups.disband", { groupId }, u!);
    await okReport("g3", [[u!, 0]]);
    await h.settle();
    expect(changes(member!, u!)).toHaveLength(1);
    expect(changes(friend!, u!)).toHaveLength(2);
    expect(other).toBeGreaterThan(0);
  });

  it("many changing in one report: each user's own watchers are told, blocks and the cap apply", async () => {
    const [a, b, c, fa, fb, both, blocker] = await h.users("a", "b", "c", "fa", "fb", "both", "bk");
    await h.befriend(a!, fa!);
    await h.befriend(b!, fb!);
    await h.befriend(a!, both!);
    await h.befriend(b!, both!);
    await h.group(c!, { members: [fa!] });
    await h.group(b!, { members: [blocker!] });
    await h.ok("social.blocks.add", { userId: b }, blocker!);
    await okReport("g5", [
      [a!, 1],
      [b!, 1],
      [c!, 1],
    ]);
    await h.settle();
    const told = (watcher: number) =>
      [a, b, c].filter((u) => changes(watcher, u!).some((e) => e.online)).map((u) => [a, b, c].indexOf(u));
    expect(told(fa!)).toEqual([0, 2]);
    expect(told(fb!)).toEqual([1]);
    expect(told(both!)).toEqual([0, 1]);
    expect(told(blocker!)).toEqual([]);
    // The fan-out bound: each user's lowest ids.
    expect(await watchersOfMany(h.db, [a!, b!, c!], 1)).toEqual(
      new Map([
        [a!, [Math.min(fa!, both!)]],
        [b!, [Math.min(fb!, both!)]],
        [c!, [fa!]],
      ]),
    );
  });

  it("a burst handled by both instances ends on the true state", async () => {
    const [u, friend] = await h.users("u", "f");
    await h.befriend(u!, friend!);
    await okReport("g4", [], { reset: true });
    for (const n of [1, 0, 1, 0, 1, 0]) await okReport("g4", [[u!, n]]);
    await h.settle();
    expect(changes(friend!, u!).length).toBeLessThanOrEqual(6);
    expect(changes(friend!, u!).at(-1)).toEqual({ userId: u, online: false, lastSeenAt: h.clock.now() });
  });

  it("ignores a report that arrives after a newer one", async () => {
    const [u] = await h.users("u");
    await okReport("g5", [], { reset: true });
    const older = h.presence.nextStamp();
    await okReport("g5", [[u!, 1]]);
    await okReport("g5", [[u!, 0]], { stamp: older });
    expect(
      (await h.db.presence.findUniqueOrThrow({ where: { userId_gatewayId: { userId: u!, gatewayId: "g5" } } }))
        .connections,
    ).toBe(1);
    await okReport("g5", [[u!, 0]]);
    // The tombstone keeps the stamp, so a late "1" cannot revive the user either.
    await okReport("g5", [[u!, 1]], { stamp: older });
    expect(
      (await h.db.presence.findUniqueOrThrow({ where: { userId_gatewayId: { userId: u!, gatewayId: "g5" } } }))
        .connections,
    ).toBe(0);
  });

  it("a reset replaces everything the gateway reported before, even from a clock that went back", async () => {
    const [a, b, friend] = await h.users("a", "b", "f");
    await h.befriend(a!, friend!);
    await okReport(
      "g6",
      [
        [a!, 1],
        [b!, 1],
      ],
      { reset: true, stamp: 10_000_000 },
    );
    await okReport("g6", [[b!, 3]], { reset: true, stamp: 5_000_000 });
    await h.settle();
    expect(changes(friend!, a!).at(-1)?.online).toBe(false);
    const rows = await h.db.presence.findMany({ where: { gatewayId: "g6", connections: { gt: 0 } } });
    expect(rows.map((r) => [r.userId, r.connections])).toEqual([[b, 3]]);
  });
});

describe("a gateway that dies", () => {
  it("loses its users after its lease expires; each transition is published once although both instances sweep", async () => {
    const [u, v, friend] = await h.users("u", "v", "f");
    await h.befriend(u!, friend!);
    await h.befriend(v!, friend!);
    await okReport(
      "dying",
      [
        [u!, 1],
        [v!, 1],
      ],
      { reset: true, ttlMs: 1000 },
    );
    await okReport("alive", [[v!, 1]], { reset: true, ttlMs: 60_000 });
    await h.settle();
    h.clock.advance(999);
    await h.sweepAll();
    expect(await h.db.gatewayLease.count({ where: { gatewayId: "dying" } })).toBe(1);
    h.clock.advance(1);
    await Promise.all([h.sweepAll(), h.sweepAll()]);
    await h.settle();
    expect(changes(friend!, u!)).toEqual([
      { userId: u, online: true, lastSeenAt: null },
      { userId: u, online: false, lastSeenAt: h.clock.now() },
    ]);
    // v is still connected through another gateway.
    expect(changes(friend!, v!)).toEqual([{ userId: v, online: true, lastSeenAt: null }]);
    expect(await h.db.presence.count({ where: { gatewayId: "dying" } })).toBe(0);
  });

  it("asks a gateway that comes back after its lease expired to resync", async () => {
    const [u, friend] = await h.users("u", "f");
    await h.befriend(u!, friend!);
    await okReport("flaky", [[u!, 1]], { reset: true, ttlMs: 1000 });
    expect((await h.presence.heartbeat("flaky", 1000)).ok).toBe(true);
    await h.settle();
    expect(changes(friend!, u!).map((c) => c.online)).toEqual([true]);
    h.clock.advance(1500);
    // The heartbeat arrives before any sweep: the stale rows go, the gateway must send everything again.
    expect(await h.presence.heartbeat("flaky", 1000)).toEqual({ ok: true, value: { resync: true } });
    await h.settle();
    expect(changes(friend!, u!).map((c) => c.online)).toEqual([true, false]);
    expect(await okReport("flaky", [[u!, 1]], { reset: true, ttlMs: 1000 })).toEqual({ resync: false });
    expect(await h.presence.heartbeat("flaky", 1000)).toEqual({ ok: true, value: { resync: false } });
    await h.settle();
    expect(changes(friend!, u!).map((c) => c.online)).toEqual([true, false, true]);
    // A report from a gateway the service does not know (e.g. after "down") also asks for a resync.
    await h.presence.down("flaky");
    expect(await okReport("flaky", [[u!, 1]])).toEqual({ resync: true });
  });

  it("a graceful down turns its users offline at once", async () => {
    const [u, friend] = await h.users("u", "f");
    await h.befriend(u!, friend!);
    await okReport("leaving", [[u!, 2]], { reset: true });
    await h.settle();
    await h.presence.down("leaving");
    await h.settle();
    expect(changes(friend!, u!).map((c) => c.online)).toEqual([true, false]);
    expect(await h.db.gatewayLease.count({ where: { gatewayId: "leaving" } })).toBe(0);
  });

  it("a gateway holding more users than one statement may name goes down: every one goes offline", async () => {
    // SQLite takes at most 999 parameters in a statement: the users going offline were one list.
    const crowd = await h.users(...Array.from({ length: 1_200 }, () => "crowd"));
    for (let i = 0; i < crowd.length; i += PRESENCE_REPORT_MAX_ENTRIES) {
      await okReport(
        "crowded",
        crowd.slice(i, i + PRESENCE_REPORT_MAX_ENTRIES).map((u) => [u, 1]),
        { reset: i === 0 },
      );
    }
    h.clock.advance(1);
    expect(await h.presence.down("crowded")).toEqual({ ok: true, value: { resync: false } });
    expect(await h.db.user.count({ where: { id: { gte: crowd[0]! }, lastSeenAt: new Date(h.clock.now()) } })).toBe(
      crowd.length,
    );
    expect(await h.db.presence.count({ where: { gatewayId: "crowded" } })).toBe(0);
  });

  it("refuses malformed reports", async () => {
    const reply = await h.client.request(
      "gw.presence.report",
      JSON.stringify({ gatewayId: "bad gateway!", ttlMs: 1 }),
      { timeout: 5000 },
    );
    expect(reply.json()).toMatchObject({ ok: false, error: { code: "BAD_REQUEST" } });
    expect(h.violations).toEqual([]);
  });
});

describe("with one instance", () => {
  let one: Harness;
  beforeAll(async () => {
    // A window no burst can outlast on a loaded machine; settle() flushes it explicitly.
    one = await setup({ config: { presenceBatchMs: 60_000 } });
  });
  afterAll(() => one.teardown());

  it("coalesces a burst into one push of the final state", async () => {
    const [u, friend] = await one.users("u", "f");
    await one.befriend(u!, friend!);
    const report = (n: number, reset = false) => one.presence.report("solo", [[u!, n]], { reset });
    await report(0, true);
    for (const n of [1, 0, 1, 0, 1]) await report(n);
    await one.settle();
    const seen = one.eventsOf(friend!, "presence.changed.v1").filter((e) => e.userId === u);
    expect(seen).toEqual([{ userId: u, online: true, lastSeenAt: null }]);
  });
});
