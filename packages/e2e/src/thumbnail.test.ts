import { describe, expect, it } from "vitest";
import { ATTACHMENT_PAD_MIN, attachmentPaddedSize } from "./attachment.js";
import { decodeContent, encodeContent, newContentId, textContent, type Content } from "./content.js";
import { E2eError } from "./errors.js";
import { THUMBNAIL_LIMITS, type Thumbnail } from "./thumbnail.js";

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
/** `n` bytes that start like a JPEG file. */
const jpeg = (n: number) => b64(Uint8Array.from({ length: n }, (_, i) => [0xff, 0xd8, 0xff, 0xe0][i] ?? i & 0xff));
const webp = (n: number) => {
  const out = new Uint8Array(n);
  out.set(new TextEncoder().encode("RIFF\0\0\0\0WEBPVP8 "));
  return b64(out);
};

const attachment = (extra: Partial<Extract<Content, { type: "attachment" }>> = {}): Content => ({
  v: 1,
  type: "attachment",
  id: newContentId(),
  blobId: "b1",
  name: "cat.jpg",
  mime: "image/jpeg",
  size: 1234,
  key: "A".repeat(43),
  sha256: "B".repeat(43),
  ...extra,
});

/** The padded envelope of `value` written without encodeContent's checks (what a hostile sender could send). */
function raw(value: unknown): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(value));
  const out = new Uint8Array(json.length + 4 <= 16384 ? 16384 : 32768);
  new DataView(out.buffer).setUint32(0, json.length);
  out.set(json, 4);
  return out;
}

describe("an attachment's thumbnail", () => {
  it("a JPEG or WebP within the limits round-trips inside the content", () => {
    for (const thumb of [
      { mime: "image/jpeg", width: 320, height: 180, data: jpeg(THUMBNAIL_LIMITS.maxBytes) },
      { mime: "image/webp", width: 1, height: 320, data: webp(900) },
    ] satisfies Thumbnail[]) {
      const c = attachment({ thumb });
      expect(decodeContent(encodeContent(c))).toEqual({ kind: "content", content: c });
    }
  });

  it("refuses an oversized, mistyped, mislabelled or malformed thumbnail, sent or received", () => {
    const ok: Thumbnail = { mime: "image/jpeg", width: 100, height: 80, data: jpeg(2000) };
    const bad: unknown[] = [
      { ...ok, data: jpeg(THUMBNAIL_LIMITS.maxBytes + 3) }, // over the byte limit
      { ...ok, width: THUMBNAIL_LIMITS.maxSide + 1 },
      { ...ok, height: 0 },
      { ...ok, width: 10.5 },
      { ...ok, mime: "image/png" }, // not a thumbnail type
      { ...ok, mime: "image/svg+xml", data: b64(new TextEncoder().encode("<svg onload=alert(1)></svg>")) },
      { ...ok, mime: "image/webp" }, // JPEG bytes named WebP
      { ...ok, data: b64(new TextEncoder().encode("<script>alert(1)</script>")) }, // not JPEG bytes
      { ...ok, data: `${ok.data}=` }, // not base64url
      { ...ok, extra: 1 },
      { mime: ok.mime, width: ok.width, height: ok.height },
    ];
    for (const thumb of bad) {
      const c = attachment({ thumb: thumb as Thumbnail });
      expect(() => encodeContent(c), JSON.stringify(thumb).slice(0, 80)).toThrow(E2eError);
      expect(() => decodeContent(raw(c)), JSON.stringify(thumb).slice(0, 80)).toThrow(E2eError);
    }
  });

  it("a thumbnail at its limit beside the longest caption still fits the largest bucket", () => {
    const c = attachment({
      caption: "😀".repeat(4000),
      thumb: { mime: "image/jpeg", width: 320, height: 320, data: jpeg(THUMBNAIL_LIMITS.maxBytes) },
    });
    expect(encodeContent(c).length).toBe(32768);
    expect(decodeContent(encodeContent(textContent("x"))).kind).toBe("content");
  });
});

describe("blob size padding", () => {
  it("pads to Padmé sizes: small files alike, at most ~12% more, never less", () => {
    expect(new Set([0, 1, 100, ATTACHMENT_PAD_MIN].map(attachmentPaddedSize))).toEqual(new Set([ATTACHMENT_PAD_MIN]));
    for (const size of [4097, 5000, 65_537, 1_000_000, 12_345_678, 100 * 2 ** 20, 2 ** 40 - 1]) {
      const padded = attachmentPaddedSize(size);
      expect(padded).toBeGreaterThanOrEqual(size);
      expect(padded / size).toBeLessThan(1.125);
    }
    // Sizes collapse into few values: 1000 sizes around 1 MB share a handful.
    const around = new Set(Array.from({ length: 1000 }, (_, i) => attachmentPaddedSize(1_000_000 + i * 37)));
    expect(around.size).toBeLessThanOrEqual(3);
    expect(() => attachmentPaddedSize(-1)).toThrow(E2eError);
  });

  it("the content names the padded size, never below the file's", () => {
    const c = attachment({ size: 1234, paddedSize: attachmentPaddedSize(1234) });
    expect(decodeContent(encodeContent(c))).toEqual({ kind: "content", content: c });
    expect(() => encodeContent(attachment({ size: 5000, paddedSize: 4096 }))).toThrow(E2eError);
  });
});
