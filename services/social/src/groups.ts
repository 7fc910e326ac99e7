/**
 * Groups: create, read, leave, kick, roles, transfer, rename, disband. Each mutation runs in one
 * serialized write transaction that re-reads the group and the actor's role, so racing mutations
 * (a transfer and a leave, two kicks, a kick and an accept) apply one after the other, each on
 * the state the previous one left.
 *
 * Disbanding keeps the member rows: the group is read-only from then on, its members can still
 * open it (social.groups.get) and read its history; nobody can change it any more.
 */
import { AppError } from "@sealroom/proto/errors";
import {
  SOCIAL_LIMITS,
  checkGroupName,
  checkProfileText,
  type GroupDetail,
  type GroupInfo,
  type GroupRole,
} from "@sealroom/proto/social";
import { mutate, type Deps } from "./deps.js";
import {
  activeGroupCount,
  conversationSeq,
  detailOf,
  forMutation,
  groupDetail,
  groupNotFound,
  infoOf,
  memberIds,
  memberRole,
  nameInvalid,
  recordChange,
  removeMember,
} from "./group-core.js";
import { mayAttempt, mayKick } from "./group-rules.js";
import { createInvitationsFor } from "./invitations.js";
import { addNotice, writeNotices } from "./notices.js";
import { friendsAmong, known, publicUser, requireUser, usersById } from "./views.js";

const forbidden = (message: string) => new AppError("FORBIDDEN", message);
const notAMember = () => new AppError("NOT_FOUND", "That user is not a member of this group.");

export function createGroups(deps: Deps) {
  const { config, store, clock } = deps;

  return {
    async create(actorId: number, rawName: string, invite: number[]): Promise<GroupDetail> {
      const checked = checkGroupName(rawName);
      if (!checked.ok) throw nameInvalid();
      const invitees = [...new Set(invite)];
      if (invitees.includes(actorId)) throw new AppError("BAD_REQUEST", "You cannot invite yourself.");
      return mutate(deps, async (tx, out, now) => {
        const actorRow = await requireUser(tx, actorId);
        const actor = publicUser(actorRow);
        if ((await activeGroupCount(tx, actorId)) >= config.groupsPerUserCap) {
          throw new AppError("CONFLICT", `You are in ${config.groupsPerUserCap} groups already.`);
        }
        const friends = await friendsAmong(tx, actorId, invitees);
        if (invitees.some((id) => !friends.has(id))) throw forbidden("You can only invite your friends.");
        const users = await usersById(tx, invitees);
        if (users.size !== invitees.length) throw new AppError("NOT_FOUND", "No such user.");
        const group = await tx.group.create({ data: { name: checked.name, ownerId: actorId, createdAt: now } });
        const owner = await tx.groupMember.create({
          data: {
            groupId: group.id,
            userId: actorId,
            role: "owner",
            joinedAt: now,
            joinedSeq: await conversationSeq(tx, group.id),
          },
        });
        const invited = invitees.map((id) => known(users, id));
        // "created" and the invitations, one change each, recorded in one batch.
        const created = { type: "created", actor, target: actor, name: checked.name, role: "owner" } as const;
        const invites = await createInvitationsFor(
          tx,
          out,
          group,
          actor,
          invited,
          now,
          config.invitationTtlMs,
          created,
        );
        // The group as groupDetail would read it back: its one member, its invitations newest first.
        return detailOf(tx, { ...group, version: group.version + 1 + invited.length }, actorId, "owner", now, {
          rows: [owner],
          memberUsers: new Map([[actorId, actorRow]]),
          invites: invites.sort((a, b) => b.id - a.id).slice(0, SOCIAL_LIMITS.invitationsListed),
        });
      });
    },

    /** Current members only; the members of a disbanded group keep read access. */
    async get(actorId: number, groupId: number): Promise<GroupDetail> {
      return store.snapshot(async (q) => {
        const role = await memberRole(q, groupId, actorId);
        const group = role && (await q.group.findUnique({ where: { id: groupId } }));
        if (!role || !group) throw groupNotFound();
        return groupDetail(q, group, actorId, role, new Date(clock()));
      });
    },

    async leave(actorId: number, groupId: number): Promise<Record<string, never>> {
      return mutate(deps, async (tx, out, now) => {
        const { group, role } = await forMutation(tx, groupId, actorId);
        if (!mayAttempt(role, "leave")) {
          throw new AppError(
            "CONFLICT",
            "The owner cannot leave the group. Transfer ownership to another member first.",
          );
        }
        await removeMember(tx, group, actorId, { reason: "left", byId: null }, now);
        const me = publicUser(await requireUser(tx, actorId));
        await recordChange(tx, out, groupId, { type: "left", actor: me, target: me, notify: [actorId] }, now);
        out.toUser(actorId, "social.group.removed.v1", { group: { id: groupId, name: group.name }, reason: "left" });
        return {};
      });
    },

    async kick(actorId: number, groupId: number, userId: number): Promise<{ group: GroupInfo }> {
      return mutate(deps, async (tx, out, now) => {
        const { group, role } = await forMutation(tx, groupId, actorId);
        if (userId === actorId) throw new AppError("BAD_REQUEST", "You cannot kick yourself.");
        if (!mayAttempt(role, "kick")) throw forbidden("Only the owner and admins can remove members.");
        const targetRole = await memberRole(tx, groupId, userId);
        if (!targetRole) throw notAMember();
        if (!mayKick(role, targetRole)) throw forbidden("Admins can remove plain members only.");
        await removeMember(tx, group, userId, { reason: "kicked", byId: actorId }, now);
        const actor = publicUser(await requireUser(tx, actorId));
        const target = publicUser(await requireUser(tx, userId));
        const { info } = await recordChange(tx, out, groupId, { type: "kicked", actor, target, notify: [userId] }, now);
        const ref = { id: groupId, name: group.name };
        out.toUser(userId, "social.group.removed.v1", { group: ref, reason: "kicked", by: actor });
        await addNotice(tx, out, userId, "group.kicked", { group: ref, by: actor }, now);
        return { group: info };
      });
    },

    /** Owner only; setting the role a member already has changes nothing and succeeds. */
    async setRole(
      actorId: number,
      groupId: number,
      userId: number,
      newRole: Exclude<GroupRole, "owner">,
    ): Promise<{ group: GroupInfo }> {
      return mutate(deps, async (tx, out, now) => {
        const { group, role } = await forMutation(tx, groupId, actorId);
        if (!mayAttempt(role, "setRole")) throw forbidden("Only the owner can change roles.");
        if (userId === actorId) throw new AppError("BAD_REQUEST", "The owner's role changes only by a transfer.");
        const current = await memberRole(tx, groupId, userId);
        if (!current) throw notAMember();
        if (current === newRole) return { group: infoOf(group, (await memberIds(tx, groupId)).length) };
        await tx.groupMember.update({ where: { groupId_userId: { groupId, userId } }, data: { role: newRole } });
        const actor = publicUser(await requireUser(tx, actorId));
        const target = publicUser(await requireUser(tx, userId));
        const { info } = await recordChange(tx, out, groupId, { type: "role", actor, target, role: newRole }, now);
        return { group: info };
      });
    },

    /** Owner only: the target becomes owner, the previous owner an admin. */
    async transfer(actorId: number, groupId: number, userId: number): Promise<{ group: GroupInfo }> {
      return mutate(deps, async (tx, out, now) => {
        const { role } = await forMutation(tx, groupId, actorId);
        if (!mayAttempt(role, "transfer")) throw forbidden("Only the owner can transfer ownership.");
        if (userId === actorId) throw new AppError("BAD_REQUEST", "You already own this group.");
        if (!(await memberRole(tx, groupId, userId))) throw notAMember();
        await tx.groupMember.update({ where: { groupId_userId: { groupId, userId } }, data: { role: "owner" } });
        await tx.groupMember.update({
          where: { groupId_userId: { groupId, userId: actorId } },
          data: { role: "admin" },
        });
        const actor = publicUser(await requireUser(tx, actorId));
        const target = publicUser(await requireUser(tx, userId));
        const { info } = await recordChange(
          tx,
          out,
          groupId,
          { type: "transferred", actor, target, role: "owner", update: { ownerId: userId } },
          now,
        );
        return { group: info };
      });
    },

    /** Owner only; the same name again changes nothing and succeeds. */
    async rename(actorId: number, groupId: number, rawName: string): Promise<{ group: GroupInfo }> {
      const checked = checkGroupName(rawName);
      if (!checked.ok) throw nameInvalid();
      return mutate(deps, async (tx, out, now) => {
        const { group, role } = await forMutation(tx, groupId, actorId);
        if (!mayAttempt(role, "rename")) throw forbidden("Only the owner can rename the group.");
        if (group.name === checked.name) return { group: infoOf(group, (await memberIds(tx, groupId)).length) };
        const actor = publicUser(await requireUser(tx, actorId));
        const { info } = await recordChange(
          tx,
          out,
          groupId,
          {
            type: "renamed",
            actor,
            target: null,
            name: checked.name,
            previousName: group.name,
            update: { name: checked.name },
          },
          now,
        );
        return { group: info };
      });
    },

    /** Whoever may rename the group (the owner); the same topic again changes nothing and succeeds. */
    async setTopic(actorId: number, groupId: number, rawTopic: string): Promise<{ group: GroupInfo }> {
      const checked = checkProfileText(rawTopic, SOCIAL_LIMITS.topicMax);
      if (!checked.ok)
        throw new AppError(
          "BAD_REQUEST",
          `A topic is at most ${SOCIAL_LIMITS.topicMax} characters, without control or invisible characters.`,
        );
      return mutate(deps, async (tx, out, now) => {
        const { group, role } = await forMutation(tx, groupId, actorId);
        if (!mayAttempt(role, "rename")) throw forbidden("Only the owner can change the topic.");
        if (group.topic === checked.text) return { group: infoOf(group, (await memberIds(tx, groupId)).length) };
        const actor = publicUser(await requireUser(tx, actorId));
        const { info } = await recordChange(
          tx,
          out,
          groupId,
          { type: "topic", actor, target: null, topic: checked.text, update: { topic: checked.text } },
          now,
        );
        return { group: info };
      });
    },

    /**
     * Owner only. The group becomes read-only; member rows stay (history readable), pending
     * invitations go, every other member gets a notice.
     */
    async disband(actorId: number, groupId: number): Promise<{ group: GroupInfo }> {
      return mutate(deps, async (tx, out, now) => {
        const { group, role } = await forMutation(tx, groupId, actorId);
        if (!mayAttempt(role, "disband")) throw forbidden("Only the owner can disband the group.");
        const actor = publicUser(await requireUser(tx, actorId));
        const { info } = await recordChange(
          tx,
          out,
          groupId,
          { type: "disbanded", actor, target: null, name: group.name, update: { disbandedAt: now } },
          now,
        );
        const invites = await tx.groupInvite.findMany({ where: { groupId } });
        await tx.groupInvite.deleteMany({ where: { groupId } });
        for (const i of invites)
          out.toUser(i.inviteeId, "social.invitation.removed.v1", { invitationId: i.id, reason: "withdrawn" });
        const ref = { id: groupId, name: group.name };
        const members = await memberIds(tx, groupId);
        const others = members.filter((userId) => userId !== actorId);
        const notices = await writeNotices(tx, others, "group.disbanded", { group: ref, by: actor }, now);
        for (const userId of members) {
          out.toUser(userId, "social.group.removed.v1", { group: ref, reason: "disbanded" });
          const notice = notices.get(userId);
          if (notice) out.toUser(userId, "social.notice.created.v1", { notice });
        }
        return { group: info };
      });
    },
  };
}
