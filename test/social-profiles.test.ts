/**
 * Profiles through the SDK's SocialStore against the real stack (gateway, NATS, social service, the
 * test database): a display name set by one user reaches a friend's store live and a stranger never,
 * and survives a reconnect that missed the event (the overview carries it).
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { SocialStore, displayNameOf, type SocialSnapshot } from "@sealroom/sdk/node";
import { startStack, type Stack } from "./support/stack.js";
import { SOCIAL_STACK, errorCode, signUp, type Person } from "./social-helpers.js";

let stack: Stack;
type Member = Person & { store: SocialStore };
let ann: Member, ben: Member, cy: Member;

function until(store: SocialStore, pred: (s: SocialSnapshot) => boolean, timeoutMs = 5000): Promise<SocialSnapshot> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!pred(store.getSnapshot())) return;
      clearTimeout(timer);
      off();
      resolve(store.getSnapshot());
    };
    const timer = setTimeout(() => {
      off();
      reject(new Error(`store never matched: ${JSON.stringify(store.getSnapshot().profiles)}`));
    }, timeoutMs);
    const off = store.subscribe(check);
    check();
  });
}

async function withStore(p: Promise<Person>): Promise<Member> {
  const person = await p;
  const store = new SocialStore(person.client);
  store.start();
  await until(store, (s) => s.status === "ready");
  return { ...person, store };
}

beforeAll(async () => {
  stack = await startStack(SOCIAL_STACK);
  [ann, ben, cy] = await Promise.all([
    withStore(signUp(stack, "ann")),
    withStore(signUp(stack, "ben")),
    withStore(signUp(stack, "cy")),
  ]);
  expect(await ann.store.requestFriend(ben.user.id)).toBe("pending");
  const [request] = (await until(ben.store, (s) => s.incoming.length === 1)).incoming;
  await ben.store.acceptRequest(request!.id);
});
afterAll(async () => {
  for (const p of [ann, ben, cy]) p?.store.stop();
  await stack?.stop();
});

test("a friend sees the display name live, a stranger sees the username only", async () => {
  const profile = await ann.store.updateProfile({ displayName: " Ann Ångström ", about: "Climbs" });
  expect(profile).toEqual({ user: ann.user, displayName: "Ann Ångström", about: "Climbs", avatar: null });
  expect(ann.store.getSnapshot().me).toEqual(profile);

  const seen = await until(ben.store, (s) => s.profiles[ann.user.id]?.displayName === "Ann Ångström");
  expect(displayNameOf(seen.profiles, ann.user)).toBe("Ann Ångström");
  expect(seen.profiles[ann.user.id]?.about).toBe("Climbs");

  await cy.store.loadProfiles([ann.user.id]);
  const stranger = cy.store.getSnapshot();
  expect(stranger.profiles[ann.user.id]).toEqual({ user: ann.user, displayName: null, about: null, avatar: null });
  expect(displayNameOf(stranger.profiles, ann.user)).toBe(ann.user.username);
  expect(cy.events.filter((e) => e.type === "social.profile.updated.v1")).toEqual([]);

  // A bad name is refused with a typed error and changes nothing.
  expect(await errorCode(ann.store.updateProfile({ displayName: "a\u202Eb" }))).toBe("BAD_REQUEST");
  expect(ann.store.getSnapshot().me?.displayName).toBe("Ann Ångström");
});

test("a store that missed the event (stopped, as while disconnected) learns the change from the overview", async () => {
  ben.store.stop();
  await ann.store.updateProfile({ displayName: "Annie" });
  const fresh = new SocialStore(ben.client);
  fresh.start();
  try {
    await fresh.load();
    expect(displayNameOf(fresh.getSnapshot().profiles, ann.user)).toBe("Annie");
  } finally {
    fresh.stop();
  }
});

test("a picture: the friend's store learns its version live and fetches the bytes once; a stranger gets none", async () => {
  // Ben's first store was stopped above (as while disconnected): a new one, following live events.
  const benStore = new SocialStore(ben.client);
  benStore.start();
  await benStore.load();
  const webp = Uint8Array.from([...Buffer.from("RIFF\0\0\0\0WEBPVP8 "), ...Buffer.alloc(500, 3)]);
  const profile = await ann.store.setAvatar(webp);
  expect(profile.avatar).toMatch(/^[A-Za-z0-9_-]{16}$/);
  const seen = await until(benStore, (s) => s.profiles[ann.user.id]?.avatar === profile.avatar);
  const version = seen.profiles[ann.user.id]!.avatar!;
  const picture = await benStore.avatarPicture(ann.user.id, version);
  expect(picture).toMatchObject({ userId: ann.user.id, version, mime: "image/webp" });
  expect([...picture!.bytes]).toEqual([...webp]);
  // Cached by version: the same object again, without asking the server.
  expect(await benStore.avatarPicture(ann.user.id, version)).toBe(picture);

  await cy.store.loadProfiles([ann.user.id], true);
  expect(cy.store.getSnapshot().profiles[ann.user.id]?.avatar).toBeNull();
  expect(await cy.store.avatarPicture(ann.user.id, version)).toBeUndefined();

  // Too large for the server: a typed error, and the picture stays.
  const huge = new Uint8Array(46_081);
  huge.set([0xff, 0xd8, 0xff]);
  expect(await errorCode(ann.store.setAvatar(huge))).toBe("PAYLOAD_TOO_LARGE");
  expect(ann.store.getSnapshot().me?.avatar).toBe(profile.avatar);

  expect((await ann.store.setAvatar(null)).avatar).toBeNull();
  await until(benStore, (s) => s.profiles[ann.user.id]?.avatar === null);
  benStore.stop();
});

test("a group picture: a member's store learns its version live and fetches it once; a stranger gets none", async () => {
  const benStore = new SocialStore(ben.client);
  benStore.start();
  await benStore.load();
  const detail = await ann.store.createGroup("Pictured", [ben.user.id]);
  const groupId = detail.group.id;
  const [invitation] = (await until(benStore, (s) => s.invitations.some((i) => i.group.id === groupId))).invitations;
  await benStore.acceptInvitation(invitation!.id);
  const gif = Uint8Array.from([...Buffer.from("GIF89a"), ...Buffer.alloc(300, 5)]);
  await ann.store.setGroupAvatar(groupId, gif);
  const version = ann.store.getSnapshot().groups.find((g) => g.id === groupId)?.avatar;
  expect(version).toMatch(/^[A-Za-z0-9_-]{16}$/);
  await until(benStore, (s) => s.groups.find((g) => g.id === groupId)?.avatar === version);
  const picture = await benStore.groupAvatarPicture(groupId, version!);
  expect(picture).toMatchObject({ groupId, version, mime: "image/gif" });
  expect([...picture!.bytes]).toEqual([...gif]);
  expect(await benStore.groupAvatarPicture(groupId, version!)).toBe(picture);
  expect(await cy.store.groupAvatarPicture(groupId, version!)).toBeUndefined();

  // Only the owner may change it: a typed error, and the picture stays.
  expect(await errorCode(benStore.setGroupAvatar(groupId, null))).toBe("FORBIDDEN");
  await ann.store.setGroupAvatar(groupId, null);
  await until(benStore, (s) => s.groups.find((g) => g.id === groupId)?.avatar === null);
  benStore.stop();
});
