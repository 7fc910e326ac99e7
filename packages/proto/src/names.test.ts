/**
 * The character and script rules of usernames and group names (review item 4): invisible
 * characters, marks that attach to nothing of their script, and mixed scripts are refused; names in
 * one script (or Latin with Chinese, Japanese or Korean) keep working.
 */
import { describe, expect, it } from "vitest";
import { checkUsername } from "./auth.js";
import { checkGroupName } from "./social.js";

const reason = (name: string) => {
  const r = checkUsername(name);
  return r.ok ? "ok" : r.reason;
};

describe("usernames", () => {
  it.each([
    ["U+034F combining grapheme joiner", "victim61710\u034F"],
    ["U+FE0F variation selector 16", "victim61710\uFE0F"],
    ["U+E0100 variation selector 17", "victim61710\u{E0100}"],
    ["U+3164 Hangul filler", "victim61710\u3164"],
    ["U+115F Hangul choseong filler", "victim61710\u115F"],
    ["U+0338 combining long solidus overlay (no Latin letter of its script)", "victim61710\u0338"],
    ["U+1160 Hangul jungseong filler inside", "vic\u1160tim"],
    ["U+FFA0 halfwidth Hangul filler alone", "\uFFA0\uFFA0"],
    ["a mark with no letter before it", "ab_\u0301"],
    ["five marks on one letter", "\u0E01\u0E34\u0E35\u0E36\u0E37\u0E38"],
  ])("regression: refuses %s (accepted beside victim61710)", (_what, name) => {
    expect(reason(name)).toBe("characters");
  });

  it.each([
    ["Cyrillic і for i", "v\u0456ctim61710"],
    ["Greek ο for o", "b\u03BFb"],
    ["Latin with Cyrillic", "ivan\u0418\u0432\u0430\u043D"],
    ["Arabic-Indic digits with Latin", "abc\u0663"],
    ["Hangul with Hiragana", "\uAE40\u305F"],
  ])("regression: refuses a mixed-script name: %s", (_what, name) => {
    expect(reason(name)).toBe("script");
  });

  it.each([
    ["Latin", "victim61710"],
    ["Chinese", "王小明"],
    ["Japanese (Han + Hiragana + Katakana + prolonged sound mark)", "山田たろうユーザー"],
    ["Korean", "김민수"],
    ["Korean with Han", "金민수"],
    ["Cyrillic", "Иван_Петров"],
    ["Arabic", "محمد"],
    ["Arabic with harakat", "مُحَمَّد"],
    ["Arabic with Arabic-Indic digits", "علي٣"],
    ["Hindi with its vowel signs", "राहुल"],
    ["Thai with its marks", "สมชาย"],
    ["Greek", "Αλέξανδρος"],
    ["Hebrew", "דוד"],
    ["Latin with Japanese", "taro山田"],
    ["Latin with Korean", "kim민수"],
    ["Latin with Chinese", "wang王"],
    ["a Latin letter with a combining acute that NFKC cannot compose", "q\u0301q"],
  ])("accepts %s", (_what, name) => {
    expect(reason(name)).toBe("ok");
  });
});

describe("group names", () => {
  it.each([
    ["U+200B zero width space", "team\u200Bname"],
    ["U+2060 word joiner", "team\u2060name"],
    ["U+FEFF zero width no-break space", "te\uFEFFam"],
    ["U+3164 Hangul filler", "team \u3164"],
    ["U+034F combining grapheme joiner", "team\u034F"],
    ["a variation selector on nothing", "\uFE0Fteam"],
    ["a zero width joiner between letters", "te\u200Dam"],
    ["only fillers", "\u3164\u3164"],
  ])("regression: refuses %s", (_what, name) => {
    expect(checkGroupName(name).ok).toBe(false);
  });

  it.each([
    ["plain", "Weekend hikers"],
    ["an emoji with its variation selector", "I \u2764\uFE0F cats"],
    ["a ZWJ emoji sequence", "Family \u{1F468}\u200D\u{1F469}\u200D\u{1F467}"],
    ["Chinese", "周末爬山"],
    ["mixed scripts (allowed in group names)", "Team Москва"],
  ])("accepts %s", (_what, name) => {
    expect(checkGroupName(name).ok).toBe(true);
  });
});
