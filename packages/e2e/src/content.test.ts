import { describe, expect, it } from "vitest";
import { CHAT_LIMITS } from "@sealroom/proto/chat-limits";
import {
  MENTIONS_MAX,
  PADDING_BUCKETS,
  decodeContent,
  encodeContent,
  isReactionEmoji,
  newContentId,
  textContent,
  type Content,
} from "./content.js";
import { utf8 } from "./bytes.js";
import { E2eError } from "./errors.js";

function pad(json: string, size = 256): Uint8Array {
  const body = utf8(json);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
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
    expect(decodeContent(pad('{"v":2,"type":"text"}'))).toMatchObject({ kind: "unsupported", v: 2 });
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
