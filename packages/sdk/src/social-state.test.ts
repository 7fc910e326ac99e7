import { describe, expect, it } from "vitest";
import type { GroupDetail, GroupEventView, GroupInfo } from "@sealroom/proto/social";
import { SocialState, displayNameOf } from "./social-state.js";

const ME = { id: 1, username: "me" };
const AMY = { id: 2, username: "amy" };
const BEN = { id: 3, username: "ben" };
const offline = { online: false, lastSeenAt: null };
const group = (version: number, opts: Partial<GroupInfo> = {}): GroupInfo => ({
  id: 5,
  name: "Trip",
  ownerId: AMY.id,
  memberCount: 2,
  version,
  createdAt: 1,
  disbandedAt: null,
  topic: "",
  avatar: null,
  ...opts,
});
const detail = (version: number): GroupDetail => ({
  group: group(version),
  role: "member",
  members: [
    { user: AMY, role: "owner", joinedAt: 1, presence: offline },
    { user: ME, role: "member", joinedAt: 2, presence: offline },
  ],
  invites: [],
  profiles: [],
});
const EMPTY_WITH = (me: { id: number; username: string }) => ({
  friends: [],
  incoming: [],
  outgoing: [],
  blocked: [],
  invitations: [],
  groups: [],
  notices: [],
  me: { user: me, displayName: null, about: null, avatar: null },
});
const event = (type: GroupEventView["type"], target = ME): GroupEventView => ({
  id: 9,
  groupId: 5,
  type,
  actor: AMY,
  target,
  createdAt: 3,
});

describe("SocialState", () => {
  it("a block ends the friendship and drops the requests between the two, and only those", () => {
    const s = new SocialState();
    s.addFriend({ user: AMY, since: 1, presence: offline });
    s.incoming.set(7, { id: 7, from: AMY, to: ME, createdAt: 1 });
    s.outgoing.set(8, { id: 8, from: ME, to: BEN, createdAt: 1 });
    s.apply({ type: "social.block.added.v1", body: { block: { user: AMY, since: 2 } } }, ME.id);
    expect([...s.friends.keys()]).toEqual([]);
    expect([...s.incoming.keys()]).toEqual([]);
    expect([...s.outgoing.keys()]).toEqual([8]);
    expect(s.snapshot("ready").blocked.map((b) => b.user.id)).toEqual([AMY.id]);
  });

  it("presence reaches a friend and the same user in every group detail", () => {
    const s = new SocialState();
    s.addFriend({ user: AMY, since: 1, presence: offline });
    s.adoptDetail(detail(1));
    s.apply({ type: "presence.changed.v1", body: { userId: AMY.id, online: true, lastSeenAt: null } }, ME.id);
    expect(s.friends.get(AMY.id)?.presence.online).toBe(true);
    expect(s.details.get(5)?.members.find((m) => m.user.id === AMY.id)?.presence.online).toBe(true);
  });

  it("a group update asks for a read of a group not listed yet, or one shown in detail", () => {
    const s = new SocialState();
    expect(s.apply({ type: "social.group.updated.v1", body: { group: group(2), event: event("joined") } }, ME.id)).toBe(
      5,
    );
    s.groups.set(5, { ...group(2), role: "member" });
    expect(s.groupUpdated(group(3, { name: "Trip 2" }), event("renamed"), ME.id)).toBeUndefined();
    expect(s.groups.get(5)?.name).toBe("Trip 2");
    // An older state arriving late does not roll the group back.
    s.groupUpdated(group(2, { name: "Old" }), event("renamed"), ME.id);
    expect(s.groups.get(5)?.name).toBe("Trip 2");
    s.adoptDetail(detail(3));
    expect(s.groupUpdated(group(4), event("joined", BEN), ME.id)).toBe(5);
  });

  it("kicked: the group and its detail go, and the reason is kept; disbanded: the detail stays, read-only", () => {
    const kicked = new SocialState();
    kicked.adoptDetail(detail(1));
    expect(kicked.groupUpdated(group(2), event("kicked"), ME.id)).toBeUndefined();
    expect(kicked.snapshot("ready")).toMatchObject({ groups: [], groupDetails: {}, goneGroups: { 5: "kicked" } });
    const disbanded = new SocialState();
    disbanded.adoptDetail(detail(1));
    disbanded.loseGroup(5, "disbanded", 42);
    expect(disbanded.details.get(5)?.group.disbandedAt).toBe(42);
    expect(disbanded.gone.get(5)).toBe("disbanded");
    expect(disbanded.groups.size).toBe(0);
  });

  it("an older group detail than the one held is ignored", () => {
    const s = new SocialState();
    const newer = detail(3);
    s.adoptDetail(newer);
    expect(s.adoptDetail(detail(2))).toBe(newer);
    expect(s.groups.get(5)).toEqual({ ...group(3), role: "member" });
  });

  it("lists requests newest first and friends by name", () => {
    const s = new SocialState();
    s.adopt({
      friends: [
        { user: BEN, since: 1, presence: offline },
        { user: AMY, since: 2, presence: offline },
      ],
      incoming: [
        { id: 1, from: AMY, to: ME, createdAt: 1 },
        { id: 2, from: BEN, to: ME, createdAt: 5 },
      ],
      outgoing: [],
      blocked: [],
      invitations: [],
      groups: [],
      notices: [],
      me: { user: ME, displayName: null, about: null, avatar: null },
      profiles: [],
    });
    const snap = s.snapshot("ready");
    expect(snap.friends.map((f) => f.user.username)).toEqual(["amy", "ben"]);
    expect(snap.incoming.map((r) => r.id)).toEqual([2, 1]);
  });

  it("keeps profiles from the overview, group reads and live updates; names fall back to the username", () => {
    const s = new SocialState();
    s.adopt({
      friends: [{ user: AMY, since: 1, presence: offline }],
      incoming: [],
      outgoing: [],
      blocked: [],
      invitations: [],
      groups: [],
      notices: [],
      me: { user: ME, displayName: "Me!", about: null, avatar: null },
      profiles: [{ user: AMY, displayName: "Amy A.", about: "hi", avatar: null }],
    });
    s.adoptDetail({ ...detail(1), profiles: [{ user: BEN, displayName: "Benny", about: null, avatar: null }] });
    let snap = s.snapshot("ready");
    expect(displayNameOf(snap.profiles, AMY)).toBe("Amy A.");
    expect(displayNameOf(snap.profiles, BEN)).toBe("Benny");
    expect(displayNameOf(snap.profiles, { id: 99, username: "stranger" })).toBe("stranger");
    expect(snap.me?.displayName).toBe("Me!");

    s.apply(
      {
        type: "social.profile.updated.v1",
        body: { profile: { user: AMY, displayName: null, about: "x", avatar: null } },
      },
      ME.id,
    );
    s.apply(
      {
        type: "social.profile.updated.v1",
        body: { profile: { user: ME, displayName: "New me", about: null, avatar: null } },
      },
      ME.id,
    );
    snap = s.snapshot("ready");
    expect(displayNameOf(snap.profiles, AMY)).toBe("amy");
    expect(snap.profiles[AMY.id]?.about).toBe("x");
    expect(snap.me?.displayName).toBe("New me");

    // A later overview replaces what was learned: a name that no friendship shows any more goes.
    s.adopt({ ...EMPTY_WITH(ME), profiles: [] });
    snap = s.snapshot("ready");
    expect(snap.profiles[AMY.id]).toBeUndefined();
    expect(displayNameOf(snap.profiles, BEN)).toBe("Benny"); // still in a group held in detail
    expect(snap.me?.displayName).toBeNull();

    s.clear();
    expect(s.snapshot("offline")).toMatchObject({ me: undefined, profiles: {} });
  });
});
