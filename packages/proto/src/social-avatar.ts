/**
 * Profile pictures (issue #16; docs/protocol/social.md, "Avatars"): one small image per user, set
 * with social.profile.setAvatar and read with social.profiles.avatar by the profile's audience. The
 * profile carries only the picture's version (a content hash), so clients fetch the bytes once per
 * version. The server sees the picture, like the display name: it is not end-to-end encrypted.
 * Group pictures work the same way (social.groups.setAvatar, social.groups.avatar), by group.
 */
import { z } from "zod";

export const AVATAR_LIMITS = {
  /**
   * Bytes of an image. 45 KiB as base64url is 61,440 characters, so the command that carries one
   * fits the 64 KiB command limit (MAX_MESSAGE_BYTES) with room for its envelope.
   */
  bytesMax: 45 * 1024,
  /** Side of the square the web app makes (any size is accepted, within bytesMax). */
  side: 256,
  /**
   * base64url characters a body may carry: what a 64 KiB command could hold. Larger images than
   * bytesMax that still fit are refused by the service with PAYLOAD_TOO_LARGE, not by the schema.
   */
  base64Max: 64 * 1024,
} as const;

/** The image types a picture may have, told by their magic bytes (never by what a client claims). */
export const AVATAR_MIME_TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif"] as const;
export type AvatarMime = (typeof AVATAR_MIME_TYPES)[number];

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0) =>
  bytes.length >= at + prefix.length && prefix.every((b, i) => bytes[at + i] === b);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

/** The image type `bytes` begin like, or undefined when they are none of AVATAR_MIME_TYPES. */
export function sniffAvatarMime(bytes: Uint8Array): AvatarMime | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(bytes, ascii("RIFF")) && startsWith(bytes, ascii("WEBP"), 8)) return "image/webp";
  if (startsWith(bytes, ascii("GIF87a")) || startsWith(bytes, ascii("GIF89a"))) return "image/gif";
  return undefined;
}

/** A picture's version: the first 12 bytes of its SHA-256, base64url (16 characters). */
export const avatarVersionSchema = z.string().regex(/^[A-Za-z0-9_-]{16}$/, "avatar version");

/** Image bytes as base64url without padding (the service decodes it exactly and checks the rest). */
const imageData = z
  .string()
  .min(1)
  .max(AVATAR_LIMITS.base64Max)
  .regex(/^[A-Za-z0-9_-]+$/, "base64url without padding");

export const avatarImageSchema = z.object({
  userId: z
    .number()
    .int()
    .positive()
    .max(2 ** 31 - 1),
  version: avatarVersionSchema,
  mime: z.enum(AVATAR_MIME_TYPES),
  data: imageData,
});
export type AvatarImage = z.infer<typeof avatarImageSchema>;

/** A group's picture (social.groups.avatar): as a profile picture, by group. */
export const groupAvatarImageSchema = avatarImageSchema.omit({ userId: true }).extend({
  groupId: z
    .number()
    .int()
    .positive()
    .max(2 ** 31 - 1),
});
export type GroupAvatarImage = z.infer<typeof groupAvatarImageSchema>;

export const setAvatarBody = z.strictObject({
  /** The new picture, or null to remove it. */
  image: imageData.nullable(),
});
