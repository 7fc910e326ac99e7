import { describe, expect, it } from "vitest";
import { CHAT_LIMITS } from "@sealroom/proto/chat-limits";
import {
  CONTENT_VERSION,
  CONTENT_VERSION_MAX,
  MENTIONS_MAX,
  PADDING_BUCKETS,
  contentVersionFor,
  decodeContent,
  encodeContent,
  isReactionEmoji,
  newContentId,
  textContent,
  type Content,
} from "./content.js";
import { fromUtf8, utf8 } from "./bytes.js";
import { E2eError } from "./errors.js";

function pad(json: string, size = 256): Uint8Array {
  const body = utf8(json);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
}

/** The JSON a padded envelope carries, as another device reads it. */
function wire(padded: Uint8Array): Record<string, unknown> {
  const len = new DataView(padded.buffer, padded.byteOffset).getUint32(0);
  const value: unknown = JSON.parse(fromUtf8(padded.subarray(4, 4 + len)));
  if (typeof value !== "object" || value === null) throw new Error("not an object");
  return { ...value };
}

describe("content envelope", () => {
  it("round-trips a text, padded to a bucket", () => {
    const c = textContent("hello");
    const bytes = encodeContent(c);
    expect(bytes.length).toBe(256);
    expect(decodeContent(bytes)).toEqual({ kind: "content", content: c });
  });

  it("hides the exact length: texts of different sizes share a bucket", () => {
    const sizes = ["a", "a".repeat(100), "a".repeat(180)].map((t) => encodeContent(textContent(t)).length);
    expect(new Set(sizes)).toEqual(new Set([256]));
    expect(encodeContent(textContent("a".repeat(300))).length).toBe(512);
  });

  it("the longest text fits the largest bucket, one longer is refused", () => {
    const longest = "😀".repeat(CHAT_LIMITS.textMax);
    const bytes = encodeContent(textContent(longest));
    expect(PADDING_BUCKETS).toContain(bytes.length);
    expect(() => encodeContent(textContent(`${longest}x`))).toThrow(E2eError);
    expect(() => encodeContent(textContent("   "))).toThrow(E2eError);
  });

  it("defines the reserved shapes (edit, delete, reaction, attachment, reply)", () => {
    const target = newContentId();
    const shapes: Content[] = [
      { v: 1, type: "text", id: newContentId(), text: "re", replyTo: target },
      { v: 1, type: "edit", id: newContentId(), target, text: "fixed" },
      { v: 1, type: "delete", id: newContentId(), target },
      { v: 1, type: "reaction", id: newContentId(), target, emoji: "👍" },
      {
        v: 1,
        type: "attachment",
        id: newContentId(),
        blobId: "b1",
        name: "cat.png",
        mime: "image/png",
        size: 1234,
        key: "A".repeat(43),
        sha256: "B".repeat(43),
      },
    ];
    for (const c of shapes) expect(decodeContent(encodeContent(c))).toEqual({ kind: "content", content: c });
  });

  it("a text may name the users it mentions, each once and at most MENTIONS_MAX; none: no field", () => {
    const c = textContent("hi @bob @carol", undefined, [2, 3, 2]);
    expect(c).toMatchObject({ mentions: [2, 3] });
    expect(decodeContent(encodeContent(c))).toEqual({ kind: "content", content: c });
    expect(textContent("hi", undefined, [])).not.toHaveProperty("mentions");
    const base = { v: 1, type: "text", id: newContentId(), text: "x" } as const;
    expect(() => encodeContent({ ...base, mentions: [2, 2] })).toThrow(E2eError);
    expect(() => encodeContent({ ...base, mentions: [] })).toThrow(E2eError);
    expect(() => encodeContent({ ...base, mentions: [0] })).toThrow(E2eError);
    const many = Array.from({ length: MENTIONS_MAX + 1 }, (_, i) => i + 1);
    expect(() => encodeContent({ ...base, mentions: many })).toThrow(E2eError);
    expect(() => decodeContent(pad(JSON.stringify({ ...base, mentions: ["2"] })))).toThrow(E2eError);
  });

  it("a newer version or unknown type is unsupported, not an error", () => {
    expect(decodeContent(pad('{"v":3,"type":"text"}'))).toMatchObject({ kind: "unsupported", v: 3 });
    expect(decodeContent(pad('{"v":1,"type":"poll"}'))).toMatchObject({ kind: "unsupported", type: "poll" });
  });

  it("refuses malformed envelopes", () => {
    const ok = encodeContent(textContent("x"));
    const badPadding = ok.slice();
    badPadding[255] = 1;
    for (const bytes of [
      ok.slice(0, 200), // not a bucket size
      badPadding,
      pad("not json"),
      pad("[1]"),
      pad('{"v":1,"type":"text","id":"short","text":"x"}'),
      pad(`{"v":1,"type":"text","id":"${newContentId()}","text":"x","extra":1}`),
    ]) {
      expect(() => decodeContent(bytes)).toThrow(E2eError);
    }
  });

  it("a reaction is one pictographic grapheme, never text", () => {
    for (const ok of ["👍", "🇫🇷", "👍🏽", "👨‍👩‍👧", "1️⃣", "❤️", "🏳️‍🌈"]) expect(isReactionEmoji(ok), ok).toBe(true);
    for (const bad of ["", "ok", "👍👍", "a👍", "👍 ", "1", "#"]) expect(isReactionEmoji(bad), bad).toBe(false);
    const reaction = { v: 1, type: "reaction", id: newContentId(), target: newContentId(), emoji: "buy now" } as const;
    expect(() => encodeContent(reaction)).toThrow(E2eError);
  });
});

describe("content version 2", () => {
  const attachment = {
    v: 2,
    type: "attachment",
    id: newContentId(),
    blobId: "b1",
    name: "cat.png",
    mime: "image/png",
    size: 1234,
    key: "A".repeat(43),
    sha256: "B".repeat(43),
    forwarded: true,
  } as const;

  it("a forwarded text or file goes as v2 with the mark, and reads back with it", () => {
    const text = textContent("look at this", undefined, undefined, true);
    expect(text).toMatchObject({ v: CONTENT_VERSION_MAX, forwarded: true });
    const bytes = encodeContent(text);
    expect(bytes.length).toBe(256);
    expect(wire(bytes)).toMatchObject({ v: 2, forwarded: true });
    expect(decodeContent(bytes)).toEqual({ kind: "content", content: text });
    expect(decodeContent(encodeContent(attachment))).toEqual({ kind: "content", content: attachment });
  });

  it("everything without a v2 field still goes as v1, whatever v the caller wrote", () => {
    expect(wire(encodeContent(textContent("hello")))).toMatchObject({ v: CONTENT_VERSION });
    const declared2 = { v: 2, type: "delete", id: newContentId(), target: newContentId() } as const;
    expect(contentVersionFor(declared2)).toBe(1);
    expect(wire(encodeContent(declared2)).v).toBe(1);
    // A mark given with v: 1 is sent as v2 (never as a v1 that older devices would refuse).
    const declared1 = { v: 1, type: "text", id: newContentId(), text: "x", forwarded: true } as const;
    expect(wire(encodeContent(declared1)).v).toBe(2);
  });

  it("v1 stays strict: the mark or any unknown field in a v1 envelope is invalid_content", () => {
    const id = newContentId();
    for (const extra of ['"forwarded":true', '"forwardedFrom":7', '"x":null']) {
      const bytes = pad(`{"v":1,"type":"text","id":"${id}","text":"x",${extra}}`);
      expect(() => decodeContent(bytes), extra).toThrow(expect.objectContaining({ code: "invalid_content" }));
    }
  });

  it("v2 ignores unknown fields, and keeps none of them", () => {
    const id = newContentId();
    const json = `{"v":2,"type":"text","id":"${id}","text":"x","forwarded":true,"futureField":{"a":[1,2]},"n":3}`;
    expect(decodeContent(pad(json))).toEqual({
      kind: "content",
      content: { v: 2, type: "text", id, text: "x", forwarded: true },
    });
    const reaction = `{"v":2,"type":"reaction","id":"${id}","target":"${newContentId()}","emoji":"👍","skin":1}`;
    expect(decodeContent(pad(reaction))).toMatchObject({ kind: "content", content: { emoji: "👍" } });
    expect(decodeContent(pad(reaction))).not.toHaveProperty("content.skin");
    // What this device sends, it knows: an unknown field is refused before it leaves.
    const withExtra = { ...textContent("x", undefined, undefined, true), extra: 1 };
    expect(() => encodeContent(withExtra)).toThrow(E2eError);
  });

  it("v2 checks every field it knows as strictly as v1, with the same limits", () => {
    const base = { v: 2, type: "text", id: newContentId(), text: "x" };
    const bad: Record<string, unknown>[] = [
      { ...base, forwarded: false },
      { ...base, forwarded: "yes" },
      { ...base, id: "short" },
      { ...base, text: "   " },
      { ...base, text: "a".repeat(CHAT_LIMITS.textMax + 1) },
      { ...base, mentions: [2, 2] },
      { ...base, replyTo: 5 },
      { ...attachment, size: 10, paddedSize: 9 },
      { ...attachment, key: "short" },
      { ...attachment, thumb: { mime: "image/png", width: 1, height: 1, data: "A".repeat(16) } },
    ];
    for (const value of bad) {
      const json = JSON.stringify(value);
      const bucket = PADDING_BUCKETS.find((b) => b >= 4 + utf8(json).length);
      expect(() => decodeContent(pad(json, bucket)), json.slice(0, 80)).toThrow(
        expect.objectContaining({ code: "invalid_content" }),
      );
    }
  });

  it("padding and size limits hold for v2: the longest forwarded text fits, unknown fields count", () => {
    const longest = textContent("😀".repeat(CHAT_LIMITS.textMax), undefined, undefined, true);
    expect(PADDING_BUCKETS).toContain(encodeContent(longest).length);
    // Unknown fields take room in the padded frame like any other: bucket sizes only, zeros after.
    const json = `{"v":2,"type":"text","id":"${newContentId()}","text":"x","z":"${"f".repeat(900)}"}`;
    expect(decodeContent(pad(json, 1024))).toMatchObject({ kind: "content", content: { text: "x" } });
    expect(() => decodeContent(pad(json, 1000))).toThrow(expect.objectContaining({ code: "invalid_content" }));
    const ok = encodeContent(textContent("x", undefined, undefined, true));
    const badPadding = ok.slice();
    badPadding[ok.length - 1] = 1;
    expect(() => decodeContent(badPadding)).toThrow(expect.objectContaining({ code: "invalid_content" }));
  });

  it("a version after 2, or an unknown type in v2, is unsupported, not an error", () => {
    const id = newContentId();
    expect(decodeContent(pad(`{"v":3,"type":"text","id":"${id}","text":"x"}`))).toMatchObject({
      kind: "unsupported",
      v: 3,
    });
    expect(decodeContent(pad('{"v":2,"type":"poll"}'))).toMatchObject({ kind: "unsupported", type: "poll" });
  });
});
