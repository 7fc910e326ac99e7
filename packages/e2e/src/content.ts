/**
 * The content envelope: what a Sealroom MLS application message carries, once decrypted.
 *
 * One versioned, typed JSON object (UTF-8), framed and padded (see `padContent`):
 *
 *   { "v": 1, "type": "text", "id": "<22 base64url>", "text": "...", "replyTo"?: "<id>" }
 *
 * Versions (docs/E2E.md section 5, "Versions"): v1 objects are strict (an unknown field is
 * `invalid_content`, as every device from before v2 does). v2 has the same types plus
 * `forwarded` on `text` and `attachment`, and ignores top-level fields it does not know, so the
 * next optional field needs no new version; every field it knows is checked as strictly as in v1.
 * A device sends the lowest version that carries a content's fields (`encodeContent` picks it):
 * v1 for everything but a forwarded message, so older devices keep reading ordinary ones.
 *
 * `id` is chosen by the sender (16 random bytes, base64url): edits, deletes, replies and
 * reactions name their target by it, inside the encryption, so the server can neither read nor
 * forge what refers to what. `text` (with replies), `edit`, `delete`, `reaction` and `attachment`
 * are sent (the SDK engine); `SENDABLE_TYPES` lists them. A receiver shows a valid envelope of a
 * type it does not handle, or of a newer `v`, as "unsupported message", never as an error.
 *
 * It lives in @sealroom/e2e, not packages/proto: proto holds what the server validates, and the
 * server must never parse (or be able to parse) this; only devices produce and read it. Its
 * limits come from proto's CHAT_LIMITS so that a text fits the same bounds as before.
 */
import { z } from "zod";
import { CHAT_LIMITS } from "@sealroom/proto/chat-limits";
import { checkMessageText } from "@sealroom/proto/message-text";
import { fromUtf8, utf8 } from "./bytes.js";
import { E2eError } from "./errors.js";
import { thumbnailSchema } from "./thumbnail.js";

/** The version of every content with no field of a later one: what every device reads. */
export const CONTENT_VERSION = 1;
/** The newest version this device reads and writes. */
export const CONTENT_VERSION_MAX = 2;
const CONTENT_VERSIONS = [CONTENT_VERSION, CONTENT_VERSION_MAX] as const;
export type ContentVersion = (typeof CONTENT_VERSIONS)[number];

/** A content id: 16 random bytes, base64url without padding. */
const contentId = z.string().regex(/^[A-Za-z0-9_-]{22}$/, "content id");
const messageText = z.string().refine((t) => checkMessageText(t).ok, "text: empty, too long or bad characters");

const base = { v: z.literal(CONTENT_VERSIONS), id: contentId };

/**
 * "Forwarded" (v2 on): the sender copied this text or file from another message. Only the mark:
 * no original sender, conversation or time, which would tell the new conversation's members about
 * a conversation they are not in (and which the forwarder could make up anyway). It is the
 * sender's own claim, as the rest of the content is.
 */
const forwardedMark = z.literal(true);
/** Fields a v1 envelope must not carry (devices from before v2 refuse them). */
const V2_FIELDS = ["forwarded"] as const;

/** Users a text mentions at most (distinct ids). */
export const MENTIONS_MAX = 50;
/**
 * The user ids a text mentions (`@name` chosen in the composer): the mentioned see it highlighted
 * and are notified even where they muted the conversation. Optional, sent only when non-empty.
 */
const mentions = z
  .array(
    z
      .number()
      .int()
      .positive()
      .max(2 ** 31 - 1),
  )
  .min(1)
  .max(MENTIONS_MAX)
  .refine((ids) => new Set(ids).size === ids.length, "mentions: each user once");

export const textContentSchema = z
  .object({
    ...base,
    type: z.literal("text"),
    text: messageText,
    replyTo: contentId.optional(),
    mentions: mentions.optional(),
    forwarded: forwardedMark.optional(),
  })
  .strict();
/** Replaces the text of the sender's own message `target` (receivers check the sender). */
export const editContentSchema = z
  .object({ ...base, type: z.literal("edit"), target: contentId, text: messageText })
  .strict();
/** Deletes the sender's own message `target` for everyone (receivers check the sender). */
export const deleteContentSchema = z.object({ ...base, type: z.literal("delete"), target: contentId }).strict();
/**
 * One emoji as a reaction: a single grapheme (a flag, a keycap, a skin tone or a family sequence
 * count as one) that is pictographic, so a reaction cannot carry text.
 */
export function isReactionEmoji(s: string): boolean {
  if (s.length === 0 || s.length > 32) return false;
  const graphemes = [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(s)];
  return graphemes.length === 1 && /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u.test(s);
}

/** Adds (or with `remove`, takes back) the sender's emoji reaction to `target` (anyone's message). */
export const reactionContentSchema = z
  .object({
    ...base,
    type: z.literal("reaction"),
    target: contentId,
    emoji: z.string().refine(isReactionEmoji, "emoji: one pictographic grapheme"),
    remove: z.boolean().optional(),
  })
  .strict();
const fileBytes = z
  .number()
  .int()
  .nonnegative()
  .max(2 ** 40);

/**
 * A file stored encrypted on the server under `blobId` (attachment.ts, docs/E2E.md section 11):
 * `key` (32 bytes, base64url), `sha256` (of the whole ciphertext, base64url), the name, type and
 * plaintext size travel only in here; `caption` is shown as the message's text. `paddedSize`: the
 * plaintext bytes sealed, the file then zeros, so the server sees a padded size (absent: no
 * padding, as sent before it existed). `thumb`: a small preview the sender's device made
 * (thumbnail.ts). Both optional fields are refused as unknown by devices from before them.
 * `forwarded`: v2 only, as on a text.
 */
export const attachmentContentSchema = z
  .object({
    ...base,
    type: z.literal("attachment"),
    blobId: z.string().min(1).max(128),
    name: z.string().min(1).max(255),
    mime: z.string().min(1).max(127),
    size: fileBytes,
    paddedSize: fileBytes.optional(),
    key: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    sha256: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    caption: messageText.optional(),
    replyTo: contentId.optional(),
    thumb: thumbnailSchema.optional(),
    forwarded: forwardedMark.optional(),
  })
  .strict()
  .refine((c) => c.paddedSize === undefined || c.paddedSize >= c.size, "paddedSize: below size");

/** Every content, strictly: how v1 is read, and how any content is checked before it is sent. */
export const contentSchema = z.discriminatedUnion("type", [
  textContentSchema,
  editContentSchema,
  deleteContentSchema,
  reactionContentSchema,
  attachmentContentSchema,
]);
/** How v2 is read: the same fields, checked the same, and unknown top-level fields dropped. */
const tolerantContentSchema = z.discriminatedUnion("type", [
  textContentSchema.strip(),
  editContentSchema.strip(),
  deleteContentSchema.strip(),
  reactionContentSchema.strip(),
  attachmentContentSchema.strip(),
]);
export type Content = z.infer<typeof contentSchema>;
export type ContentType = Content["type"];
/** What clients may send now; the rest are reserved shapes. */
export const SENDABLE_TYPES: readonly ContentType[] = ["text", "edit", "delete", "reaction", "attachment"];

/** A decoded envelope: a content, or one this version cannot show (newer `v` or `type`). */
export type DecodedContent =
  | { readonly kind: "content"; readonly content: Content }
  | { readonly kind: "unsupported"; readonly v: unknown; readonly type: unknown };

/**
 * Padding buckets (bytes of the padded plaintext, before MLS encryption): powers of two from
 * 256 to 32 KiB. A message is padded to the smallest bucket that holds its 4-byte length header
 * and JSON, so the ciphertext shows only which bucket (≤ 8 sizes; at most ~2x overhead) instead
 * of its length. 32 KiB holds the longest text (CHAT_LIMITS.textMax code points, 4 bytes each,
 * JSON-escaped) and keeps the MLS message, base64 in a JSON frame, under the 64 KiB frame limit.
 */
export const PADDING_BUCKETS = [256, 512, 1024, 2048, 4096, 8192, 16384, 32768] as const;
export const MAX_PADDED_BYTES = PADDING_BUCKETS[PADDING_BUCKETS.length - 1]!;

export function bucketFor(length: number): number | undefined {
  return PADDING_BUCKETS.find((b) => b >= length);
}

/** A fresh content id. */
export function newContentId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The lowest version that carries the content's fields: v1 unless it has a v2 field. */
export function contentVersionFor(content: Content): ContentVersion {
  return V2_FIELDS.some((f) => f in content && Reflect.get(content, f) !== undefined)
    ? CONTENT_VERSION_MAX
    : CONTENT_VERSION;
}

/**
 * The padded plaintext of a content: u32 length ‖ JSON ‖ zero bytes up to the bucket. Its `v` is
 * the lowest version that carries its fields (`contentVersionFor`), whatever `content.v` says, and
 * it is checked strictly: a device never sends a field it does not know.
 */
export function encodeContent(content: Content): Uint8Array {
  const parsed = contentSchema.safeParse({ ...content, v: contentVersionFor(content) });
  if (!parsed.success) {
    throw new E2eError("invalid_content", `invalid content: ${parsed.error.issues[0]?.message}`);
  }
  const json = utf8(JSON.stringify(parsed.data));
  const bucket = bucketFor(4 + json.length);
  if (bucket === undefined) throw new E2eError("invalid_content", "content too large");
  const out = new Uint8Array(bucket);
  new DataView(out.buffer).setUint32(0, json.length);
  out.set(json, 4);
  return out;
}

/**
 * Reads a padded plaintext back. Throws `invalid_content` for anything malformed (bad framing,
 * non-zero padding, not a bucket size, not JSON, an envelope that breaks its version's schema: a
 * v1 one with a field it does not have, a known field out of bounds in either); returns
 * `unsupported` for a well-formed envelope of a newer version or an unknown type. A v2 envelope's
 * unknown top-level fields are left out of the content.
 */
export function decodeContent(padded: Uint8Array): DecodedContent {
  if (!PADDING_BUCKETS.includes(padded.length as (typeof PADDING_BUCKETS)[number])) {
    throw new E2eError("invalid_content", "not a padding bucket size");
  }
  const len = new DataView(padded.buffer, padded.byteOffset, padded.byteLength).getUint32(0);
  if (4 + len > padded.length) throw new E2eError("invalid_content", "bad length");
  for (let i = 4 + len; i < padded.length; i++) {
    if (padded[i] !== 0) throw new E2eError("invalid_content", "non-zero padding");
  }
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(padded.subarray(4, 4 + len)));
  } catch (cause) {
    throw new E2eError("invalid_content", "not JSON", { cause });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new E2eError("invalid_content", "not an object");
  }
  const { v, type } = value as { v?: unknown; type?: unknown };
  const known = contentSchema.options.some((o) => o.shape.type.value === type);
  if ((v !== CONTENT_VERSION && v !== CONTENT_VERSION_MAX) || !known) return { kind: "unsupported", v, type };
  const parsed = (v === CONTENT_VERSION ? contentSchema : tolerantContentSchema).safeParse(value);
  if (!parsed.success) {
    throw new E2eError("invalid_content", `invalid content: ${parsed.error.issues[0]?.message}`);
  }
  if (v === CONTENT_VERSION && contentVersionFor(parsed.data) !== CONTENT_VERSION) {
    throw new E2eError("invalid_content", "invalid content: a version 2 field in version 1");
  }
  return { kind: "content", content: parsed.data };
}

/**
 * A text message's envelope (`mentions`: distinct user ids; left out when empty). `forwarded`: it
 * carries the mark, and so is sent as v2.
 */
export function textContent(text: string, replyTo?: string, mentions?: readonly number[], forwarded = false): Content {
  const distinct = [...new Set(mentions ?? [])];
  return {
    v: forwarded ? CONTENT_VERSION_MAX : CONTENT_VERSION,
    type: "text",
    id: newContentId(),
    text,
    ...(replyTo === undefined ? {} : { replyTo }),
    ...(distinct.length === 0 ? {} : { mentions: distinct }),
    ...(forwarded ? { forwarded: true } : {}),
  };
}

/** Limits shared with packages/proto (re-exported for callers checking before they send). */
export const CONTENT_LIMITS = { textMax: CHAT_LIMITS.textMax, paddedMax: MAX_PADDED_BYTES } as const;
