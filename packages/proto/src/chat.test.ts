import { describe, expect, test } from "vitest";
import { bidiPaired, checkMessageText, sendBody, textLength } from "./chat.js";

const [LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI] = [
  "\u202A",
  "\u202B",
  "\u202C",
  "\u202D",
  "\u202E",
  "\u2066",
  "\u2067",
  "\u2068",
  "\u2069",
];

describe("unpaired bidi controls (outside review, item 10)", () => {
  test("an override left open reverses what follows it: refused by checkMessageText and the command schema", () => {
    for (const text of [
      `pay ${RLO}001$`,
      `${LRO}x`,
      `${RLE}x`,
      `${LRE}x`,
      `${RLI}x`,
      `${LRI}x`,
      `${FSI}x`,
      `x${PDF}`,
      `x${PDI}`,
    ]) {
      expect(checkMessageText(text), JSON.stringify(text)).toEqual({ ok: false, reason: "bidi" });
      expect(sendBody.safeParse({ conversationId: "dm:1:2", clientMsgId: "c", text }).success).toBe(false);
    }
  });

  test("paired and nested controls are ordinary right-to-left writing", () => {
    for (const text of [
      `${RLO}abc${PDF} ok`,
      `${RLI}שלום${PDI} and ${LRE}x${RLE}y${PDF}${PDF}`,
      `${FSI}${RLO}a${PDF}${PDI}`,
      "no controls",
      "\u200F marks are fine \u200E",
    ]) {
      expect(bidiPaired(text), JSON.stringify(text)).toBe(true);
      expect(checkMessageText(text)).toEqual({ ok: true });
    }
  });

  test("a line break closes nothing for the reader: an override must be closed on its own line", () => {
    expect(bidiPaired(`${RLO}abc\n${PDF}`)).toBe(false);
    expect(bidiPaired(`${RLO}abc${PDF}\n${RLI}x${PDI}`)).toBe(true);
    expect(bidiPaired(`${RLI}a${PDI}\r\n${RLO}b${PDF}`)).toBe(true);
  });

  test("closers must match what is open, innermost first", () => {
    expect(bidiPaired(`${RLI}${RLO}x${PDI}${PDF}`)).toBe(false);
    expect(bidiPaired(`${RLO}${RLI}x${PDF}${PDI}`)).toBe(false);
  });
});

test("textLength counts code points, as the limit does", () => {
  expect(textLength("😀😀a")).toBe(3);
  expect(textLength("")).toBe(0);
});
