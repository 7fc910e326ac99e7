/**
 * The thumbnail an attachment may carry inside its encrypted content (docs/E2E.md section 11): a
 * small JPEG or WebP the sender's device made, so a receiver shows the picture at once, at its
 * size, before the file is downloaded and opened. Checked strictly on receipt, since it is bytes
 * another device chose: one of two types, sides within THUMBNAIL_LIMITS.maxSide, at most
 * THUMBNAIL_LIMITS.maxBytes, canonical base64url, and bytes that start as the named type does.
 * A receiver still decodes it only in an <img> (never as script or SVG).
 */
import { z } from "zod";

export const THUMBNAIL_LIMITS = {
  /** Longest side in pixels. */
  maxSide: 320,
  /**
   * Image bytes at most. As base64url (16 KiB) beside the longest caption it still fits the
   * largest padding bucket; a sender drops the thumbnail of a content that would not.
   */
  maxBytes: 12 * 1024,
} as const;

export const THUMBNAIL_TYPES = ["image/jpeg", "image/webp"] as const;

const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** The first `n` bytes of a base64url string (enough to check a file's signature). */
function leadingBytes(data: string, n: number): number[] {
  const out: number[] = [];
  let bits = 0;
  let acc = 0;
  for (const ch of data) {
    acc = (acc << 6) | B64URL.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
      if (out.length === n) break;
    }
  }
  return out;
}

/** Whether `data` (base64url) starts with the signature of `mime`. */
export function thumbnailSignatureMatches(mime: (typeof THUMBNAIL_TYPES)[number], data: string): boolean {
  const b = leadingBytes(data, 12);
  if (mime === "image/jpeg") return b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
  const ascii = (from: number, to: number) => String.fromCharCode(...b.slice(from, to));
  return ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP";
}

/** base64url characters of `bytes` bytes without padding. */
const maxChars = Math.ceil((THUMBNAIL_LIMITS.maxBytes * 4) / 3);
const side = z.number().int().min(1).max(THUMBNAIL_LIMITS.maxSide);

export const thumbnailSchema = z
  .object({
    mime: z.enum(THUMBNAIL_TYPES),
    width: side,
    height: side,
    // A length of 1 mod 4 is never canonical base64url; 16 characters hold any signature.
    data: z
      .string()
      .min(16)
      .max(maxChars)
      .regex(/^[A-Za-z0-9_-]+$/, "base64url")
      .refine((d) => d.length % 4 !== 1, "base64url length"),
  })
  .strict()
  .refine((t) => thumbnailSignatureMatches(t.mime, t.data), "thumbnail: bytes are not of its type");
export type Thumbnail = z.infer<typeof thumbnailSchema>;
