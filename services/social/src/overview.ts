/** social.overview: everything a client needs after signing in, in one consistent read. */
import { AppError } from "@sealroom/proto/errors";
import { SOCIAL_LIMITS, type Invitation, type MyGroup, type Overview } from "@sealroom/proto/social";
import type { Deps } from "./deps.js";
import { requestView } from "./friends.js";
import { infoOf, roleOf } from "./group-core.js";
import { listNotices } from "./notices.js";
import { hasContent, profilesFor } from "./profiles.js";
import type { Tx } from "./store.js";
import { chunks, known, presenceFor, usersById } from "./views.js";

async function countMembers(q: Tx, groupIds: number[]): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const part of chunks(groupIds)) {
    const rows = await q.groupMember.groupBy({
      by: ["groupId"],
      where: { groupId: { in: part } },
      _count: { _all: true },
    });
    for (const r of rows) counts.set(r.groupId, r._count._all);
  }
  return counts;
}

export function createOverview(deps: Deps) {
  return async (me: number): Promise<Overview> =>
    // One snapshot, so every list reflects the same moment.
    deps.store.snapshot(async (q) => {
      const now = new Date(deps.clock());
      const friendships = await q.friendship.findMany({
        where: { OR: [{ userAId: me }, { userBId: me }] },
        take: SOCIAL_LIMITS.friendsMax,
      });
      // A declined request is gone from the addressee's side only (the requester is never told).
      const incoming = await q.friendRequest.findMany({
        where: { toId: me, declinedAt: null },
        orderBy: { id: "desc" },
        take: SOCIAL_LIMITS.incomingRequestsListed,
      });
      const outgoing = await q.friendRequest.findMany({
        where: { fromId: me },
        orderBy: { id: "desc" },
        take: SOCIAL_LIMITS.outgoingRequestsMax,
      });
      const blocks = await q.block.findMany({
        where: { blockerId: me },
        orderBy: { createdAt: "desc" },
        take: SOCIAL_LIMITS.blocksMax,
      });
      const memberships = await q.groupMember.findMany({ where: { userId: me } });
      const groups = await q.group.findMany({
        where: { id: { in: memberships.map((m) => m.groupId) }, disbandedAt: null },
        take: SOCIAL_LIMITS.groupsPerUserMax,
      });
      const invites = await q.groupInvite.findMany({
        where: { inviteeId: me, expiresAt: { gt: now } },
        orderBy: { id: "desc" },
        take: SOCIAL_LIMITS.invitationsListed,
      });
      const invitedGroups = new Map(
        (await q.group.findMany({ where: { id: { in: invites.map((i) => i.groupId) }, disbandedAt: null } })).map(
          (g) => [g.id, g],
        ),
      );
      const counts = await countMembers(q, [...groups.map((g) => g.id), ...invitedGroups.keys()]);

      const friendIds = friendships.map((f) => (f.userAId === me ? f.userBId : f.userAId));
      const users = await usersById(q, [
        me,
        ...friendIds,
        ...incoming.flatMap((r) => [r.fromId, r.toId]),
        ...outgoing.flatMap((r) => [r.fromId, r.toId]),
        ...blocks.map((b) => b.blockedId),
        ...invites.map((i) => i.inviterId),
      ]);
      const friendUsers = new Map(friendIds.flatMap((id) => (users.has(id) ? [[id, users.get(id)!]] : [])));
      const presence = await presenceFor(q, me, friendUsers, now);
      const roles = new Map(memberships.map((m) => [m.groupId, roleOf(m.role)]));
      const profiles = await profilesFor(q, me, [me, ...friendIds]);
      const mine = profiles.find((p) => p.user.id === me);
      if (!mine) throw new AppError("NOT_FOUND", "No such user.");

      return {
        friends: friendships.map((f) => {
          const id = f.userAId === me ? f.userBId : f.userAId;
          return {
            user: known(users, id),
            since: f.createdAt.getTime(),
            presence: presence.get(id) ?? { online: false, lastSeenAt: null },
          };
        }),
        incoming: incoming.map((r) => requestView(r, known(users, r.fromId), known(users, r.toId))),
        outgoing: outgoing.map((r) => requestView(r, known(users, r.fromId), known(users, r.toId))),
        blocked: blocks.map((b) => ({ user: known(users, b.blockedId), since: b.createdAt.getTime() })),
        invitations: invites.flatMap((i): Invitation[] => {
          const g = invitedGroups.get(i.groupId);
          if (!g) return [];
          return [
            {
              id: i.id,
              group: { id: g.id, name: g.name, memberCount: counts.get(g.id) ?? 0, avatar: g.avatar },
              inviter: known(users, i.inviterId),
              createdAt: i.createdAt.getTime(),
              expiresAt: i.expiresAt.getTime(),
            },
          ];
        }),
        groups: groups.map((g): MyGroup => ({ ...infoOf(g, counts.get(g.id) ?? 0), role: roles.get(g.id)! })),
        notices: await listNotices(q, me, deps.log),
        me: mine,
        profiles: profiles.filter((p) => p.user.id !== me && hasContent(p)),
      };
    });
}
