/**
 * Blocking. A block ends the friendship and the pending requests between the two users, and the
 * invitations the blocker sent the blocked user (accepting one would be refused anyway). The
 * blocked user is never told: to them the blocker disappears from search, and requests to the
 * blocker fail as if the account did not exist.
 */
import { AppError } from "@sealroom/proto/errors";
import { SOCIAL_LIMITS, type Block } from "@sealroom/proto/social";
import { mutate, type Deps } from "./deps.js";
import { blocksBetween, friendPair, hidePresenceIfUnseen, publicUser, requireUser } from "./views.js";

export function createBlocks(deps: Deps) {
  return {
    async add(actorId: number, userId: number): Promise<{ block: Block }> {
      if (actorId === userId) throw new AppError("BAD_REQUEST", "You cannot block yourself.");
      return mutate(deps, async (tx, out, now) => {
        const target = await requireUser(tx, userId);
        // Someone who blocked the caller does not exist for them (as in search and friend
        // requests): a success here would tell them the account is there after all.
        if ((await blocksBetween(tx, actorId, userId)).bBlocksA) throw new AppError("NOT_FOUND", "No such user.");
        if (await tx.block.findUnique({ where: { blockerId_blockedId: { blockerId: actorId, blockedId: userId } } })) {
          throw new AppError("CONFLICT", "You already blocked this user.");
        }
        if ((await tx.block.count({ where: { blockerId: actorId } })) >= SOCIAL_LIMITS.blocksMax) {
          throw new AppError("CONFLICT", `You cannot block more than ${SOCIAL_LIMITS.blocksMax} users.`);
        }
        await tx.block.create({ data: { blockerId: actorId, blockedId: userId, createdAt: now } });

        const { count: unfriended } = await tx.friendship.deleteMany({ where: friendPair(actorId, userId) });
        if (unfriended > 0) {
          out.toUser(actorId, "social.friend.removed.v1", { userId });
          out.toUser(userId, "social.friend.removed.v1", { userId: actorId });
        }
        const requests = await tx.friendRequest.findMany({
          where: {
            OR: [
              { fromId: actorId, toId: userId },
              { fromId: userId, toId: actorId },
            ],
          },
        });
        await tx.friendRequest.deleteMany({ where: { id: { in: requests.map((r) => r.id) } } });
        for (const r of requests) {
          out.toUsers([actorId, userId], "social.friendRequest.removed.v1", { requestId: r.id, reason: "withdrawn" });
        }
        // The invitations the blocker sent, and those (anyone's) to groups the blocker owns or
        // manages: a user blocked by the owner or an admin cannot join (group-core: blockedByManager).
        const managed = await tx.groupMember.findMany({
          where: { userId: actorId, role: { in: ["owner", "admin"] } },
          select: { groupId: true },
        });
        const invites = await tx.groupInvite.findMany({
          where: {
            inviteeId: userId,
            OR: [{ inviterId: actorId }, { groupId: { in: managed.map((m) => m.groupId) } }],
          },
        });
        await tx.groupInvite.deleteMany({ where: { id: { in: invites.map((i) => i.id) } } });
        for (const i of invites)
          out.toUser(userId, "social.invitation.removed.v1", { invitationId: i.id, reason: "withdrawn" });

        await hidePresenceIfUnseen(tx, out, actorId, userId, true);
        const block = { user: publicUser(target), since: now.getTime() };
        out.toUser(actorId, "social.block.added.v1", { block });
        return { block };
      });
    },

    /** Unblocking restores nothing: friendship and requests must be made again. */
    async remove(actorId: number, userId: number): Promise<Record<string, never>> {
      return mutate(deps, async (tx, out) => {
        const { count } = await tx.block.deleteMany({ where: { blockerId: actorId, blockedId: userId } });
        if (count === 0) throw new AppError("NOT_FOUND", "You have not blocked this user.");
        out.toUser(actorId, "social.block.removed.v1", { userId });
        return {};
      });
    },
  };
}
