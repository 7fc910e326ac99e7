/**
 * The SDK's SocialStore against the real stack (gateway, NATS, social service, SQLite): what a UI
 * bound to it would show as two or three people befriend, block and run a group, live and after a
 * reconnect that missed events.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SocialStore, type SocialSnapshot } from "@sealroom/sdk/node";
import { startStack, type Stack } from "./support/stack.js";
import { SOCIAL_STACK, errorCode, password, signUp, type Person } from "./social-helpers.js";

let stack: Stack;
type Member = Person & { store: SocialStore };
let alice: Member, bob: Member, carol: Member;

async function withStore(p: Promise<Person>): Promise<Member> {
  const person = await p;
  const store = new SocialStore(person.client);
  store.start();
  await until(store, (s) => s.status === "ready");
  return { ...person, store };
}

/** Resolves once the store's snapshot satisfies `pred` (checked on every change). */
function until(store: SocialStore, pred: (s: SocialSnapshot) => boolean, timeoutMs = 5000): Promise<SocialSnapshot> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const s = store.getSnapshot();
      if (!pred(s)) return;
      clearTimeout(timer);
      off();
      resolve(s);
    };
    const timer = setTimeout(() => {
      off();
      reject(new Error(`store never matched; last snapshot ${JSON.stringify(store.getSnapshot()).slice(0, 800)}`));
    }, timeoutMs);
    const off = store.subscribe(check);
    check();
  });
}

beforeAll(async () => {
  stack = await startStack(SOCIAL_STACK);
  [alice, bob, carol] = await Promise.all([
    withStore(signUp(stack, "alice")),
    withStore(signUp(stack, "bob")),
    withStore(signUp(stack, "carol")),
  ]);
});
afterAll(async () => {
  for (const p of [alice, bob, carol]) p?.store.stop();
  await stack?.stop();
});

describe("friends", () => {
  test("a request appears live, accepting makes friends on both sides, presence follows sign-out", async () => {
    const [found] = await alice.store.search(bob.name);
    expect(found).toEqual(bob.user);
    expect(await alice.store.requestFriend(bob.user.id)).toBe("pending");
    expect(alice.store.getSnapshot().outgoing.map((r) => r.to)).toEqual([bob.user]);

    const { incoming } = await until(bob.store, (s) => s.incoming.length === 1);
    expect(incoming[0]!.from).toEqual(alice.user);
    await bob.store.acceptRequest(incoming[0]!.id);
    // The reply is applied before the promise resolves, without waiting for an event.
    expect(bob.store.getSnapshot()).toMatchObject({
      incoming: [],
      friends: [{ user: alice.user, presence: { online: true } }],
    });
    await until(
      alice.store,
      (s) => s.outgoing.length === 0 && s.friends.some((f) => f.user.id === bob.user.id && f.presence.online),
    );

    const before = Date.now();
    await bob.client.logout();
    const s = await until(alice.store, (x) => x.friends[0]?.presence.online === false);
    expect(s.friends[0]!.presence.lastSeenAt).toBeGreaterThanOrEqual(before - 1000);
    // Signed out, the store is empty; signed in again, it reloads.
    await until(bob.store, (x) => x.status === "offline" && x.friends.length === 0);
    await bob.client.login(bob.name, password);
    await until(bob.store, (x) => x.status === "ready" && x.friends.length === 1);
    await until(alice.store, (x) => x.friends[0]?.presence.online === true);
  });

  test("what happened while disconnected is there after the next sign-in", async () => {
    carol.client.close();
    await until(carol.store, (s) => s.status === "offline");
    const sent = await alice.social.requestFriend(carol.user.id);
    expect(sent.status).toBe("pending");
    // Reconnecting resumes the session with the stored ticket: a sign-in, so the store reloads.
    await carol.client.connect();
    const s = await until(carol.store, (x) => x.status === "ready" && x.incoming.length === 1);
    expect(s.incoming[0]!.from).toEqual(alice.user);
    await carol.store.declineRequest(s.incoming[0]!.id);
    await until(carol.store, (x) => x.incoming.length === 0);
    // A decline is silent (review item 17): to alice the request still looks pending; she withdraws it.
    expect(alice.store.getSnapshot()).toMatchObject({ outgoing: [{ to: carol.user }] });
    expect(alice.store.getSnapshot().notices.filter((n) => n.type === "friendRequest.declined")).toEqual([]);
    await alice.store.cancelRequest(alice.store.getSnapshot().outgoing[0]!.id);
    expect(alice.store.getSnapshot().outgoing).toEqual([]);
    await alice.store.dismissNotices(alice.store.getSnapshot().notices.map((n) => n.id));
    expect(alice.store.getSnapshot().notices).toEqual([]);
  });

  test("blocking removes the friend and the requests; unblocking lists them no more", async () => {
    await carol.store.requestFriend(bob.user.id);
    await until(bob.store, (s) => s.incoming.some((r) => r.from.id === carol.user.id));
    await bob.store.block(carol.user.id);
    expect(bob.store.getSnapshot()).toMatchObject({ incoming: [], blocked: [{ user: carol.user }] });
    await until(carol.store, (s) => s.outgoing.length === 0);
    await bob.store.unblock(carol.user.id);
    expect(bob.store.getSnapshot().blocked).toEqual([]);
  });
});

describe("groups", () => {
  test("create, invite, accept, promote, kick: every member's store follows", async () => {
    const created = await alice.store.createGroup("  Weekend trip  ", [bob.user.id]);
    const gid = created.group.id;
    expect(alice.store.getSnapshot().groups).toMatchObject([{ id: gid, name: "Weekend trip", role: "owner" }]);
    const { invitations } = await until(bob.store, (s) => s.invitations.length === 1);
    await bob.store.acceptInvitation(invitations[0]!.id);
    expect(bob.store.getSnapshot()).toMatchObject({ invitations: [], groups: [{ id: gid, role: "member" }] });

    // Alice's open detail gains Bob; Bob's list learns his new role from the event alone.
    await alice.store.loadGroup(gid);
    await until(alice.store, (s) => s.groupDetails[gid]?.members.length === 2);
    await alice.store.setRole(gid, bob.user.id, "admin");
    await until(bob.store, (s) => s.groups[0]?.role === "admin");

    // The owner cannot leave: the service's CONFLICT reaches the caller and nothing changes.
    expect(await errorCode(alice.store.leave(gid))).toBe("CONFLICT");
    expect(alice.store.getSnapshot().groups).toHaveLength(1);

    await bob.store.loadGroup(gid);
    await alice.store.kick(gid, bob.user.id);
    const s = await until(bob.store, (x) => x.groups.length === 0);
    expect(s.goneGroups[gid]).toBe("kicked");
    expect(s.groupDetails[gid]).toBeUndefined();
    await until(alice.store, (x) => x.groupDetails[gid]?.members.length === 1);
  });

  test("transfer then the old owner leaves; disbanding leaves the group read-only", async () => {
    const created = await alice.store.createGroup("Book club", [bob.user.id]);
    const gid = created.group.id;
    const { invitations } = await until(bob.store, (s) => s.invitations.some((i) => i.group.id === gid));
    await bob.store.acceptInvitation(invitations.find((i) => i.group.id === gid)!.id);
    await alice.store.transfer(gid, bob.user.id);
    expect(alice.store.getSnapshot().groups.find((g) => g.id === gid)?.role).toBe("admin");
    await until(bob.store, (s) => s.groups.find((g) => g.id === gid)?.role === "owner");
    await alice.store.leave(gid);
    expect(alice.store.getSnapshot().groups.some((g) => g.id === gid)).toBe(false);

    await bob.store.rename(gid, "Book club 2");
    expect(bob.store.getSnapshot().groupDetails[gid]?.group.name).toBe("Book club 2");
    await bob.store.disband(gid);
    const s = bob.store.getSnapshot();
    expect(s.groups.some((g) => g.id === gid)).toBe(false);
    expect(s.goneGroups[gid]).toBe("disbanded");
    expect(s.groupDetails[gid]?.group.disbandedAt).not.toBeNull();
  });
});
