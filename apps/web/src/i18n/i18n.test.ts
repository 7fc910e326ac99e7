import { describe, expect, test } from "vitest";
import { AppError, ERRORS, type ErrorCode } from "@sealroom/proto/errors";
import { en, enErrors } from "./en.js";
import { describeError, formatWait } from "./errors.js";
import { CATALOGS, LANGUAGES, initialLanguage, interpolate, languageFromPreferences } from "./languages.js";
import { zhCN } from "./zh-CN.js";

const codes = Object.keys(ERRORS) as ErrorCode[];

describe("error messages", () => {
  test.each(LANGUAGES)("every protocol error code has a human sentence in %s", (lang) => {
    for (const code of codes) {
      const message = describeError(lang, new AppError(code));
      expect(message, code).toBe(CATALOGS[lang].errors[code]);
      expect(message.trim().length, code).toBeGreaterThan(3);
      // never the raw code, nor any other code
      for (const c of codes) expect(message, code).not.toContain(c);
    }
  });

  test("the catalogues hold exactly the protocol's codes", () => {
    for (const lang of LANGUAGES) expect(Object.keys(CATALOGS[lang].errors).sort()).toEqual([...codes].sort());
  });

  test("Chinese sentences are translated, not copied", () => {
    for (const code of codes) expect(CATALOGS["zh-CN"].errors[code]).not.toBe(enErrors[code]);
  });

  test("a throttled sign-in says how long to wait", () => {
    const err = new AppError("AUTH_THROTTLED", undefined, 42_000);
    expect(describeError("en", err)).toBe("Too many failed sign-in attempts. You can try again in 42 seconds.");
    expect(describeError("zh-CN", err)).toContain("42");
    expect(describeError("en", new AppError("AUTH_THROTTLED", undefined, 5 * 60_000))).toContain("in 5 minutes");
    expect(describeError("en", new AppError("AUTH_THROTTLED"))).toBe(enErrors.AUTH_THROTTLED);
  });

  test("a wrong password reads as a sentence", () => {
    expect(describeError("en", new AppError("AUTH_INVALID_CREDENTIALS"))).toBe("Wrong username or password.");
    expect(describeError("zh-CN", new AppError("AUTH_INVALID_CREDENTIALS"))).toBe("用户名或密码错误。");
  });

  test("anything else becomes a generic sentence, never a stack or message", () => {
    const err = new Error("TypeError: x is undefined at foo.js:1");
    expect(describeError("en", err)).toBe(en["error.unknown"]);
    expect(describeError("en", "boom")).toBe(en["error.unknown"]);
    expect(describeError("en", { code: "NOT_A_CODE" })).toBe(en["error.unknown"]);
  });

  test("an AppError-shaped object from another copy of the class still maps", () => {
    expect(describeError("en", { code: "USERNAME_TAKEN", message: "x" })).toBe(enErrors.USERNAME_TAKEN);
  });

  test("overrides replace a sentence where the context knows better", () => {
    const msg = describeError("en", new AppError("AUTH_INVALID_CREDENTIALS"), {
      overrides: { AUTH_INVALID_CREDENTIALS: "Wrong current password." },
    });
    expect(msg).toBe("Wrong current password.");
  });

  test("waits round up to whole seconds", () => {
    expect(formatWait("en", 1)).toBe("in 1 second");
    expect(formatWait("en", 1500)).toBe("in 2 seconds");
  });
});

describe("interface text", () => {
  test("both languages have every key, non-empty, with the same placeholders", () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(zhCN[key].trim(), key).not.toBe("");
      expect(placeholders(zhCN[key]), key).toEqual(placeholders(en[key]));
    }
  });

  test("the language follows the browser, unless the user chose one", () => {
    expect(languageFromPreferences(["zh-CN"])).toBe("zh-CN");
    expect(languageFromPreferences(["zh-TW", "en"])).toBe("zh-CN");
    expect(languageFromPreferences(["fr-FR", "en-US"])).toBe("en");
    expect(languageFromPreferences(["de"])).toBe("en");
    const storage = { getItem: () => "en" };
    expect(initialLanguage(storage, ["zh-CN"])).toBe("en");
    expect(initialLanguage({ getItem: () => "klingon" }, ["zh-CN"])).toBe("zh-CN");
  });

  test("interpolation fills named placeholders and leaves unknown ones", () => {
    expect(interpolate("Hi {name}, {x}", { name: "王" })).toBe("Hi 王, {x}");
  });
});
