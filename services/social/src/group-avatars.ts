/**
 * Group pictures (docs/protocol/social.md, "Group pictures"): one image per group in the
 * GroupAvatar table, checked exactly as profile pictures (avatars.ts). Whoever may rename the group
 * sets it, as a group change (version bump, GroupEvent, push to the members), and Group.avatar
 * carries its version in every GroupInfo. Members (also of a disbanded group) and pending invitees,
 * who see the group's name, may read it; anyone else gets NOT_FOUND, as for a group without one.
 */
import { AppError } from "@sealroom/proto/errors";
import type { GroupAvatarImage, GroupInfo } from "@sealroom/proto/social";
import type { KeyedTokenBucket } from "@sealroom/runtime";
import { checkAvatarImage, noPicture, storedPicture, takePictureRead } from "./avatars.js";
import { mutate, type Deps } from "./deps.js";
import { forMutation, infoOf, memberIds, memberRole, recordChange } from "./group-core.js";
import { mayAttempt } from "./group-rules.js";
import type { Tx } from "./store.js";
import { publicUser, requireUser } from "./views.js";

/** Whether `viewer` may see the group's picture: a member, or invited and not yet expired. */
async function maySee(q: Tx, groupId: number, viewer: number, now: Date): Promise<boolean> {
  if (await memberRole(q, groupId, viewer)) return true;
  const invite = await q.groupInvite.findUnique({ where: { groupId_inviteeId: { groupId, inviteeId: viewer } } });
  return invite !== null && invite.expiresAt > now;
}

/** `reads`: the per-user budget of pictures fetched, shared with profile pictures. */
export function createGroupAvatars(deps: Deps, reads: KeyedTokenBucket<number>) {
  return {
    async set(actorId: number, groupId: number, image: string | null): Promise<{ group: GroupInfo }> {
      const next = image === null ? null : checkAvatarImage(image);
      return mutate(deps, async (tx, out, now) => {
        const { group, role } = await forMutation(tx, groupId, actorId);
        if (!mayAttempt(role, "rename")) throw new AppError("FORBIDDEN", "Only the owner can change the picture.");
        const version = next?.version ?? null;
        if (group.avatar === version) return { group: infoOf(group, (await memberIds(tx, groupId)).length) };
        if (next === null) await tx.groupAvatar.deleteMany({ where: { groupId } });
        else {
          const fields = { version: next.version, mime: next.mime, data: next.data };
          await tx.groupAvatar.upsert({ where: { groupId }, create: { groupId, ...fields }, update: fields });
        }
        const actor = publicUser(await requireUser(tx, actorId));
        const type = next === null ? "pictureRemoved" : "picture";
        const { info } = await recordChange(
          tx,
          out,
          groupId,
          { type, actor, target: null, update: { avatar: version } },
          now,
        );
        return { group: info };
      });
    },

    async get(viewer: number, groupId: number): Promise<{ avatar: GroupAvatarImage }> {
      takePictureRead(reads, viewer);
      return deps.store.snapshot(async (q) => {
        if (!(await maySee(q, groupId, viewer, new Date(deps.clock())))) throw noPicture();
        return { avatar: { groupId, ...storedPicture(await q.groupAvatar.findUnique({ where: { groupId } })) } };
      });
    },
  };
}
