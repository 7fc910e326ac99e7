/**
 * Group invitations: persisted rows the invitee sees live or at next sign-in, valid for 7 days.
 * Accepting re-checks everything at that moment (the group still active, the inviter has not
 * blocked the invitee, room in the group), in the same transaction that adds the member.
 */
import { Prisma } from "@sealroom/db";
import type { PublicUser } from "@sealroom/proto/auth";
import { AppError } from "@sealroom/proto/errors";
import { SOCIAL_LIMITS, type GroupDetail, type GroupInvite, type Invitation } from "@sealroom/proto/social";
import { mutate, type Deps } from "./deps.js";
import {
  activeGroupCount,
  blockedByManager,
  conversationSeq,
  forMutation,
  groupDetail,
  inviteView,
  memberRole,
  recordChange,
  recordChanges,
  wasKicked,
  type Change,
  type GroupRow,
} from "./group-core.js";
import { inviteNeedsFriendship, mayReinviteKicked, mayWithdrawInvite } from "./group-rules.js";
import type { Outbox } from "./outbox.js";
import type { Tx } from "./store.js";
import { areFriends, blocksBetween, chunks, publicUser, requireUser } from "./views.js";

const invitationNotFound = (message = "No such invitation.") => new AppError("NOT_FOUND", message);

/** Creates an invitation (the caller has checked every rule) and tells the members and the invitee. */
export async function createInvitation(
  tx: Tx,
  out: Outbox,
  group: GroupRow,
  inviter: PublicUser,
  invitee: PublicUser,
  now: Date,
  ttlMs: number,
): Promise<GroupInvite> {
  const [invite] = await createInvitationsFor(tx, out, group, inviter, [invitee], now, ttlMs);
  if (!invite) throw new Error("createInvitation: nothing created");
  return invite;
}

/**
 * Creates one invitation per invitee (distinct users, none invited to the group yet; the caller
 * has checked every rule), each recorded and announced as createInvitation would, in the order
 * given: one change (version, GroupEvent, pushes) per invitation. A handful of statements however
 * many invitees (issue #19: a create with 50 invitations held SQLite's write lock for hundreds).
 * `first`: a change recorded just before the invitations, in the same batch (a create's
 * "created"), as recordChange would have.
 */
export async function createInvitationsFor(
  tx: Tx,
  out: Outbox,
  group: GroupRow,
  inviter: PublicUser,
  invitees: readonly PublicUser[],
  now: Date,
  ttlMs: number,
  first?: Omit<Change, "update">,
): Promise<GroupInvite[]> {
  const expiresAt = new Date(now.getTime() + ttlMs);
  const rowOf = new Map<number, { id: number; createdAt: Date; expiresAt: Date }>();
  // A hand-written multi-row INSERT: Prisma's createManyAndReturn compiles a plan the size of its
  // data, milliseconds for 50 rows while the write lock is held (issue #19).
  for (const part of chunks(invitees)) {
    const values = part.map((invitee) => Prisma.sql`(${group.id}, ${invitee.id}, ${inviter.id}, ${now}, ${expiresAt})`);
    const rows = await tx.$queryRaw<Array<{ id: number | bigint; inviteeId: number | bigint }>>(Prisma.sql`
      INSERT INTO "GroupInvite" ("groupId", "inviteeId", "inviterId", "createdAt", "expiresAt")
      VALUES ${Prisma.join(values)} RETURNING "id", "inviteeId"`);
    // (groupId, inviteeId) is unique: each invitee has exactly one of the rows.
    for (const row of rows) rowOf.set(Number(row.inviteeId), { id: Number(row.id), createdAt: now, expiresAt });
  }
  const rowFor = (invitee: PublicUser) => {
    const row = rowOf.get(invitee.id);
    if (!row) throw new Error(`no invitation row for user ${invitee.id}`);
    return row;
  };
  const changes: Array<Omit<Change, "update"> & { invitee?: PublicUser }> = [
    ...(first ? [first] : []),
    ...invitees.map((invitee) => ({ type: "invited" as const, actor: inviter, target: invitee, invitee })),
  ];
  await recordChanges(tx, out, group.id, changes, now, ({ info }, { invitee }) => {
    if (invitee) {
      const row = rowFor(invitee);
      const invitation: Invitation = {
        id: row.id,
        group: { id: group.id, name: info.name, memberCount: info.memberCount, avatar: info.avatar },
        inviter,
        createdAt: now.getTime(),
        expiresAt: row.expiresAt.getTime(),
      };
      out.toUser(invitee.id, "social.invitation.received.v1", { invitation });
    }
  });
  return invitees.map((invitee) => inviteView(rowFor(invitee), invitee, inviter));
}

export function createInvitations(deps: Deps) {
  const { config } = deps;

  return {
    async invite(actorId: number, groupId: number, userId: number): Promise<{ invitation: GroupInvite }> {
      if (actorId === userId) throw new AppError("BAD_REQUEST", "You cannot invite yourself.");
      return mutate(deps, async (tx, out, now) => {
        const { group, role } = await forMutation(tx, groupId, actorId);
        // Before any lookup, so a member learns nothing about users who are not their friends.
        if (inviteNeedsFriendship(role) && !(await areFriends(tx, actorId, userId))) {
          throw new AppError("FORBIDDEN", "Members can only invite their friends.");
        }
        const invitee = await requireUser(tx, userId);
        const blocks = await blocksBetween(tx, actorId, userId);
        if (blocks.bBlocksA) throw new AppError("NOT_FOUND", "No such user.");
        if (blocks.aBlocksB) throw new AppError("CONFLICT", "You blocked this user.");
        if (await memberRole(tx, groupId, userId)) throw new AppError("CONFLICT", "This user is already a member.");
        if (!mayReinviteKicked(role) && (await wasKicked(tx, groupId, userId))) {
          throw new AppError(
            "FORBIDDEN",
            "This user was removed from the group: only the owner or an admin can invite them back.",
          );
        }
        // Not saying who blocked them: the inviter learns only that this user cannot join.
        if (await blockedByManager(tx, groupId, userId))
          throw new AppError("CONFLICT", "This user cannot join this group.");
        const existing = await tx.groupInvite.findUnique({
          where: { groupId_inviteeId: { groupId, inviteeId: userId } },
        });
        if (existing && existing.expiresAt > now) throw new AppError("CONFLICT", "This user is already invited.");
        if (existing) await tx.groupInvite.delete({ where: { id: existing.id } });
        const pending = await tx.groupInvite.count({ where: { groupId, expiresAt: { gt: now } } });
        if (pending >= SOCIAL_LIMITS.invitationsListed) {
          throw new AppError("CONFLICT", "This group has too many pending invitations.");
        }
        if ((await tx.groupMember.count({ where: { groupId } })) >= config.groupSizeCap) {
          throw new AppError("CONFLICT", "This group is full.");
        }
        const inviter = await requireUser(tx, actorId);
        const invitation = await createInvitation(
          tx,
          out,
          group,
          publicUser(inviter),
          publicUser(invitee),
          now,
          config.invitationTtlMs,
        );
        return { invitation };
      });
    },

    async accept(actorId: number, invitationId: number): Promise<GroupDetail> {
      return mutate(deps, async (tx, out, now) => {
        const invite = await tx.groupInvite.findFirst({ where: { id: invitationId, inviteeId: actorId } });
        if (!invite) throw invitationNotFound();
        if (invite.expiresAt <= now) throw invitationNotFound("This invitation has expired.");
        const group = await tx.group.findUnique({ where: { id: invite.groupId } });
        if (!group || group.disbandedAt) throw invitationNotFound("This group no longer exists.");
        if ((await blocksBetween(tx, invite.inviterId, actorId)).aBlocksB) {
          throw invitationNotFound("This invitation is no longer valid.");
        }
        // The owner or an admin may have blocked the invitee since (or become a manager since).
        if (await blockedByManager(tx, group.id, actorId))
          throw invitationNotFound("This invitation is no longer valid.");
        if (await memberRole(tx, group.id, actorId)) throw new AppError("CONFLICT", "You are already a member.");
        if ((await tx.groupMember.count({ where: { groupId: group.id } })) >= config.groupSizeCap) {
          throw new AppError("CONFLICT", "This group is full.");
        }
        if ((await activeGroupCount(tx, actorId)) >= config.groupsPerUserCap) {
          throw new AppError("CONFLICT", `You are in ${config.groupsPerUserCap} groups already.`);
        }
        await tx.groupMember.create({
          data: {
            groupId: group.id,
            userId: actorId,
            role: "member",
            joinedAt: now,
            joinedSeq: await conversationSeq(tx, group.id),
          },
        });
        await tx.groupInvite.delete({ where: { id: invite.id } });
        // A fresh membership: the old span (and a kick on record) no longer applies.
        await tx.formerMember.deleteMany({ where: { groupId: group.id, userId: actorId } });
        const me = publicUser(await requireUser(tx, actorId));
        const { info } = await recordChange(
          tx,
          out,
          group.id,
          { type: "joined", actor: me, target: me, role: "member" },
          now,
        );
        out.toUser(actorId, "social.invitation.removed.v1", { invitationId: invite.id, reason: "accepted" });
        return groupDetail(tx, { ...group, version: info.version }, actorId, "member", now);
      });
    },

    /**
     * Withdrawing: the inviter, the owner or an admin takes a pending invitation back. The invitee
     * sees it go as `withdrawn` (like an expiry); the members see it in the group's timeline. Not a
     * member of the invitation's group: NOT_FOUND, exactly like an id that does not exist.
     */
    async withdraw(actorId: number, invitationId: number): Promise<Record<string, never>> {
      return mutate(deps, async (tx, out, now) => {
        const invite = await tx.groupInvite.findUnique({ where: { id: invitationId } });
        const role = invite && (await memberRole(tx, invite.groupId, actorId));
        if (!invite || !role || invite.expiresAt <= now) throw invitationNotFound();
        const { group } = await forMutation(tx, invite.groupId, actorId);
        if (!mayWithdrawInvite(role, invite.inviterId === actorId)) {
          throw new AppError("FORBIDDEN", "Only the inviter, the owner or an admin can withdraw an invitation.");
        }
        await tx.groupInvite.delete({ where: { id: invite.id } });
        const actor = publicUser(await requireUser(tx, actorId));
        const invitee = publicUser(await requireUser(tx, invite.inviteeId));
        await recordChange(tx, out, group.id, { type: "uninvited", actor, target: invitee }, now);
        out.toUser(invite.inviteeId, "social.invitation.removed.v1", { invitationId: invite.id, reason: "withdrawn" });
        return {};
      });
    },

    /** Declining consumes the invitation; the members see it in the group's timeline. */
    async decline(actorId: number, invitationId: number): Promise<Record<string, never>> {
      return mutate(deps, async (tx, out, now) => {
        const invite = await tx.groupInvite.findFirst({ where: { id: invitationId, inviteeId: actorId } });
        if (!invite || invite.expiresAt <= now) throw invitationNotFound();
        await tx.groupInvite.delete({ where: { id: invite.id } });
        const group = await tx.group.findUnique({ where: { id: invite.groupId } });
        if (group && !group.disbandedAt) {
          const me = publicUser(await requireUser(tx, actorId));
          await recordChange(tx, out, group.id, { type: "declined", actor: me, target: me }, now);
        }
        out.toUser(actorId, "social.invitation.removed.v1", { invitationId: invite.id, reason: "declined" });
        return {};
      });
    },

    /** Deletes expired invitations (any instance may run it; each row goes once). */
    async sweepExpired(): Promise<number> {
      return mutate(deps, async (tx, out, now) => {
        const expired = await tx.groupInvite.findMany({ where: { expiresAt: { lte: now } }, take: 500 });
        await tx.groupInvite.deleteMany({ where: { id: { in: expired.map((i) => i.id) } } });
        for (const i of expired)
          out.toUser(i.inviteeId, "social.invitation.removed.v1", { invitationId: i.id, reason: "withdrawn" });
        return expired.length;
      });
    },
  };
}
