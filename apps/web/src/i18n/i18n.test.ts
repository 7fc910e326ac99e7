import { TYPE } from "@formatjs/icu-messageformat-parser";
import type { IntlMessageFormat } from "intl-messageformat";
import { describe, expect, test } from "vitest";
import { AppError, ERRORS, type ErrorCode } from "@sealroom/proto/errors";
import { en, enErrors } from "./en.js";
import { describeError, formatWait } from "./errors.js";
import { CATALOGS, LANGUAGES, compiled, initialLanguage, languageFromPreferences, translate } from "./languages.js";

type Ast = ReturnType<IntlMessageFormat["getAst"]>;

/** The values a message reads (plural branches included), so two translations can be compared. */
function valuesOf(ast: Ast, into = new Set<string>()): string[] {
  for (const el of ast) {
    if ("value" in el && el.type !== TYPE.literal) into.add(String(el.value));
    if ("options" in el) for (const option of Object.values(el.options)) valuesOf(option.value, into);
    if ("children" in el) valuesOf(el.children, into);
  }
  return [...into].sort();
}
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
  test("both languages have every key, non-empty, each a valid ICU message with the same values", () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(zhCN[key].trim(), key).not.toBe("");
      expect(valuesOf(compiled("zh-CN", key).getAst()), key).toEqual(valuesOf(compiled("en", key).getAst()));
    }
  });

  test("a count is said by the language's plural rules, its number formatted", () => {
    expect(translate("en", "group.memberCount", { count: 1 })).toBe("1 member");
    expect(translate("en", "group.memberCount", { count: 1234 })).toBe("1,234 members");
    expect(translate("zh-CN", "group.memberCount", { count: 1234 })).toBe("1,234 位成员");
    expect(translate("en", "chat.count.over", { count: 1 })).toBe("1 character too many");
    expect(translate("en", "signIn.newTitle", { count: 1 })).toBe("New sign-in to your account");
    expect(translate("en", "signIn.newTitle", { count: 3 })).toBe("3 new sign-ins to your account");
    expect(translate("zh-CN", "signIn.newTitle", { count: 1 })).toBe("你的账户有新的登录");
    expect(translate("zh-CN", "signIn.newTitle", { count: 3 })).toBe("你的账户有 3 个新的登录");
  });

  test("markup-like text stays text, and a missing value leaves the sentence readable", () => {
    expect(translate("en", "notices.dismissOne", { text: "<b>hi</b>" })).toBe("Dismiss: <b>hi</b>");
    expect(translate("en", "notices.dismissOne")).toBe(en["notices.dismissOne"]);
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
});
