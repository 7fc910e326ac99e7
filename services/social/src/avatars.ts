/**
 * Profile pictures (docs/protocol/social.md, "Avatars"): one image per user in the Avatar table,
 * set by its owner and read by the profile's audience (profiles.ts visibleAmong). The service does
 * not decode images; it checks the size and the magic bytes, and takes the type from them.
 */
import { createHash } from "node:crypto";
import { AppError } from "@sealroom/proto/errors";
import {
  AVATAR_LIMITS,
  AVATAR_MIME_TYPES,
  sniffAvatarMime,
  type AvatarImage,
  type Profile,
} from "@sealroom/proto/social";
import type { KeyedTokenBucket } from "@sealroom/runtime";
import { mutate, type Deps } from "./deps.js";
import { announceProfile, PROFILE_SELECT, profileView, visibleAmong } from "./profiles.js";

interface CheckedImage {
  data: Uint8Array<ArrayBuffer>;
  mime: AvatarImage["mime"];
  version: string;
}

/** The image a body carries, checked: exact base64url, at most bytesMax bytes, an allowed type. */
export function checkAvatarImage(base64url: string): CheckedImage {
  const decoded = Buffer.from(base64url, "base64url");
  // Buffer skips what is not base64url; a string that does not round-trip is not the bytes it claims.
  if (decoded.toString("base64url") !== base64url)
    throw new AppError("BAD_REQUEST", "The picture is not base64url without padding.");
  // A copy on its own ArrayBuffer, as Prisma's Bytes type wants (Buffer may share a pool).
  const data = new Uint8Array(decoded);
  if (data.length > AVATAR_LIMITS.bytesMax)
    throw new AppError("PAYLOAD_TOO_LARGE", `A picture is at most ${AVATAR_LIMITS.bytesMax} bytes.`);
  const mime = sniffAvatarMime(data);
  if (!mime) throw new AppError("BAD_REQUEST", "A picture is a PNG, JPEG, WebP or GIF image.");
  const version = createHash("sha256").update(data).digest().subarray(0, 12).toString("base64url");
  return { data, mime, version };
}

export const noPicture = () => new AppError("NOT_FOUND", "No such picture.");

/** A stored picture (Avatar or GroupAvatar row) as sent; NOT_FOUND for none or a corrupt type. */
export function storedPicture(
  row: { version: string; mime: string; data: Uint8Array } | null,
): Omit<AvatarImage, "userId"> {
  const mime = row && AVATAR_MIME_TYPES.find((m) => m === row.mime);
  if (!row || !mime) throw noPicture();
  return { version: row.version, mime, data: Buffer.from(row.data).toString("base64url") };
}

/** Takes one picture read from `viewer`'s budget (config avatarReads*), or RATE_LIMITED. */
export function takePictureRead(reads: KeyedTokenBucket<number>, viewer: number): void {
  const wait = reads.take(viewer);
  if (wait > 0) throw new AppError("RATE_LIMITED", "Fetching pictures too fast.", wait);
}

/** `reads`: the per-user budget of pictures fetched (config avatarReads*). */
export function createAvatars(deps: Deps, reads: KeyedTokenBucket<number>) {
  return {
    async set(actorId: number, image: string | null): Promise<{ profile: Profile }> {
      const next = image === null ? null : checkAvatarImage(image);
      return mutate(deps, async (tx, out) => {
        const row = await tx.user.findUnique({ where: { id: actorId }, select: PROFILE_SELECT });
        if (!row) throw new AppError("NOT_FOUND", "No such user.");
        if ((row.avatar?.version ?? null) === (next?.version ?? null)) return { profile: profileView(row, true) };
        if (next === null) await tx.avatar.delete({ where: { userId: actorId } });
        else {
          const fields = { version: next.version, mime: next.mime, data: next.data };
          await tx.avatar.upsert({
            where: { userId: actorId },
            create: { userId: actorId, ...fields },
            update: fields,
          });
        }
        const profile = profileView({ ...row, avatar: next && { version: next.version } }, true);
        await announceProfile(deps, tx, out, profile);
        return { profile };
      });
    },

    /** NOT_FOUND alike for an unknown user, one the viewer may not see, and one without a picture. */
    async get(viewer: number, userId: number): Promise<{ avatar: AvatarImage }> {
      takePictureRead(reads, viewer);
      return deps.store.snapshot(async (q) => {
        if (!(await visibleAmong(q, viewer, [userId])).has(userId)) throw noPicture();
        return { avatar: { userId, ...storedPicture(await q.avatar.findUnique({ where: { userId } })) } };
      });
    },
  };
}
