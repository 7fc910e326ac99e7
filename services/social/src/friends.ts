/**
 * Friend requests and friendships. Every rule is checked inside the serialized write transaction
 * that applies it, so two users requesting each other at the same moment end up friends exactly
 * once, and a request accepted while it is being cancelled is either accepted or gone.
 */
import type { PublicUser } from "@sealroom/proto/auth";
import { AppError } from "@sealroom/proto/errors";
import { SOCIAL_LIMITS, type Friend, type FriendRequest } from "@sealroom/proto/social";
import { mutate, type Deps } from "./deps.js";
import { addNotice } from "./notices.js";
import type { Outbox } from "./outbox.js";
import type { Tx } from "./store.js";
import {
  areFriends,
  blocksBetween,
  friendPair,
  hidePresenceIfUnseen,
  presenceFor,
  publicUser,
  requireUser,
  usersById,
  type UserRow,
} from "./views.js";

const requestNotFound = () => new AppError("NOT_FOUND", "No such friend request.");

export function requestView(row: { id: number; createdAt: Date }, from: PublicUser, to: PublicUser): FriendRequest {
  return { id: row.id, from, to, createdAt: row.createdAt.getTime() };
}

/** `friend` as `viewer` sees them, with presence. */
export async function friendView(tx: Tx, viewer: number, friend: UserRow, since: Date, now: Date): Promise<Friend> {
  const presence = await presenceFor(tx, viewer, new Map([[friend.id, friend]]), now);
  return { user: publicUser(friend), since: since.getTime(), presence: presence.get(friend.id)! };
}

export async function friendCount(tx: Tx, userId: number): Promise<number> {
  return tx.friendship.count({ where: { OR: [{ userAId: userId }, { userBId: userId }] } });
}

/**
 * Makes two users friends (both sides told) and removes any pending request between them.
 * `accepter` accepted a request of `requester`, who gets a notice.
 */
async function befriend(tx: Tx, out: Outbox, accepter: UserRow, requester: UserRow, now: Date): Promise<Friend> {
  for (const user of [accepter, requester]) {
    if ((await friendCount(tx, user.id)) >= SOCIAL_LIMITS.friendsMax) {
      throw new AppError("CONFLICT", `${user.username} already has ${SOCIAL_LIMITS.friendsMax} friends.`);
    }
  }
  const pending = await tx.friendRequest.findMany({
    where: {
      OR: [
        { fromId: accepter.id, toId: requester.id },
        { fromId: requester.id, toId: accepter.id },
      ],
    },
  });
  await tx.friendRequest.deleteMany({ where: { id: { in: pending.map((r) => r.id) } } });
  await tx.friendship.create({ data: { ...friendPair(accepter.id, requester.id), createdAt: now } });
  for (const r of pending) {
    out.toUsers([accepter.id, requester.id], "social.friendRequest.removed.v1", {
      requestId: r.id,
      reason: "accepted",
    });
  }
  const forAccepter = await friendView(tx, accepter.id, requester, now, now);
  const forRequester = await friendView(tx, requester.id, accepter, now, now);
  out.toUser(accepter.id, "social.friend.added.v1", { friend: forAccepter });
  out.toUser(requester.id, "social.friend.added.v1", { friend: forRequester });
  await addNotice(tx, out, requester.id, "friendRequest.accepted", { user: publicUser(accepter) }, now);
  return forAccepter;
}

export function createFriends(deps: Deps) {
  return {
    async request(actorId: number, targetId: number) {
      if (actorId === targetId) throw new AppError("BAD_REQUEST", "You cannot send yourself a friend request.");
      return mutate(deps, async (tx, out, now) => {
        const target = await requireUser(tx, targetId);
        const actor = await requireUser(tx, actorId);
        const blocks = await blocksBetween(tx, actorId, targetId);
        // To someone who blocked you, they do not exist (as in search).
        if (blocks.bBlocksA) throw new AppError("NOT_FOUND", "No such user.");
        if (blocks.aBlocksB) throw new AppError("CONFLICT", "You blocked this user. Unblock them first.");
        if (await areFriends(tx, actorId, targetId)) throw new AppError("CONFLICT", "You are already friends.");
        const reverse = await tx.friendRequest.findUnique({
          where: { fromId_toId: { fromId: targetId, toId: actorId } },
        });
        if (reverse) {
          // They asked first: the two requests merge into a friendship.
          const friend = await befriend(tx, out, actor, target, now);
          return { status: "friends" as const, friend };
        }
        if (await tx.friendRequest.findUnique({ where: { fromId_toId: { fromId: actorId, toId: targetId } } })) {
          throw new AppError("CONFLICT", "You already sent this user a friend request.");
        }
        const outgoing = await tx.friendRequest.count({ where: { fromId: actorId } });
        if (outgoing >= SOCIAL_LIMITS.outgoingRequestsMax) {
          throw new AppError("CONFLICT", `You have ${SOCIAL_LIMITS.outgoingRequestsMax} pending requests already.`);
        }
        const row = await tx.friendRequest.create({ data: { fromId: actorId, toId: targetId, createdAt: now } });
        const request = requestView(row, publicUser(actor), publicUser(target));
        out.toUser(targetId, "social.friendRequest.received.v1", { request });
        out.toUser(actorId, "social.friendRequest.sent.v1", { request });
        return { status: "pending" as const, request };
      });
    },

    /** Only the requester cancels; anyone else's id behaves like one that does not exist. */
    async cancel(actorId: number, requestId: number): Promise<Record<string, never>> {
      return mutate(deps, async (tx, out) => {
        const row = await tx.friendRequest.findFirst({ where: { id: requestId, fromId: actorId } });
        if (!row) throw requestNotFound();
        await tx.friendRequest.delete({ where: { id: row.id } });
        out.toUsers([row.fromId, row.toId], "social.friendRequest.removed.v1", {
          requestId: row.id,
          reason: "cancelled",
        });
        return {};
      });
    },

    /** Only the addressee accepts (not one they declined: it is gone from their side). */
    async accept(actorId: number, requestId: number): Promise<{ friend: Friend }> {
      return mutate(deps, async (tx, out, now) => {
        const row = await tx.friendRequest.findFirst({ where: { id: requestId, toId: actorId, declinedAt: null } });
        if (!row) throw requestNotFound();
        const blocks = await blocksBetween(tx, actorId, row.fromId);
        if (blocks.aBlocksB || blocks.bBlocksA) throw requestNotFound();
        const users = await usersById(tx, [actorId, row.fromId]);
        const friend = await befriend(tx, out, users.get(actorId)!, users.get(row.fromId)!, now);
        return { friend };
      });
    },

    /**
     * Only the addressee declines, silently (as Signal and Telegram do): the request leaves the
     * addressee's side, while to the requester it still looks pending until they withdraw it. A
     * request the addressee makes later merges with it into a friendship.
     */
    async decline(actorId: number, requestId: number): Promise<Record<string, never>> {
      return mutate(deps, async (tx, out, now) => {
        const row = await tx.friendRequest.findFirst({ where: { id: requestId, toId: actorId, declinedAt: null } });
        if (!row) throw requestNotFound();
        await tx.friendRequest.update({ where: { id: row.id }, data: { declinedAt: now } });
        out.toUser(row.toId, "social.friendRequest.removed.v1", { requestId: row.id, reason: "declined" });
        return {};
      });
    },

    /** Either side ends a friendship; DM history stays, new DMs are refused by the chat service. */
    async remove(actorId: number, userId: number): Promise<Record<string, never>> {
      return mutate(deps, async (tx, out) => {
        const { count } = await tx.friendship.deleteMany({ where: friendPair(actorId, userId) });
        if (count === 0) throw new AppError("NOT_FOUND", "You are not friends with this user.");
        out.toUser(actorId, "social.friend.removed.v1", { userId });
        out.toUser(userId, "social.friend.removed.v1", { userId: actorId });
        await hidePresenceIfUnseen(tx, out, actorId, userId, false);
        return {};
      });
    },
  };
}
