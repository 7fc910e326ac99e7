import { describe, expect, test } from "vitest";
import { PASSWORD_MAX, USERNAME_MAX } from "@sealroom/proto/auth";
import {
  cleanUsername,
  validateAuthForm,
  validateChangePassword,
  validatePassword,
  validateUsername,
} from "./validation.js";

describe("username", () => {
  test("empty asks for one", () => {
    expect(validateUsername("")?.key).toBe("invalid.username.required");
    expect(validateUsername("   ")?.key).toBe("invalid.username.required");
  });

  test("length follows the server policy, counted in characters", () => {
    expect(validateUsername("a")?.key).toBe("invalid.username.length");
    expect(validateUsername("a".repeat(USERNAME_MAX + 1))?.key).toBe("invalid.username.length");
    expect(validateUsername("a".repeat(USERNAME_MAX))).toBeUndefined();
    expect(validateUsername("张三")).toBeUndefined(); // two characters, six UTF-8 bytes
  });

  test("any script's letters and digits, plus _ . -", () => {
    for (const ok of ["alice", "Bob_2", "li.wei", "an-na", "王小明", "Ελένη", "محمد"])
      expect(validateUsername(ok)).toBeUndefined();
  });

  test("spaces inside, symbols, zero-width and bidi characters are refused", () => {
    for (const bad of ["al ice", "al!ce", "a\u200bb", "ab\u202e", "_alice", "a@b"]) {
      expect(validateUsername(bad)?.key, JSON.stringify(bad)).toBe("invalid.username.characters");
    }
  });

  test("regression: a new name may not mix scripts or hide invisible characters; signing in with a name from before that rule still may", () => {
    expect(validateUsername("v\u0456ctim")?.key).toBe("invalid.username.script");
    expect(validateUsername("victim\u3164")?.key).toBe("invalid.username.characters");
    expect(validateUsername("v\u0456ctim", "existing")).toBeUndefined();
    expect(
      validateAuthForm("signIn", { username: "v\u0456ctim", password: "x", confirm: "" }).username,
    ).toBeUndefined();
    expect(
      validateAuthForm("register", { username: "v\u0456ctim", password: "long enough", confirm: "long enough" })
        .username?.key,
    ).toBe("invalid.username.script");
  });

  test("surrounding whitespace (autofill) is trimmed, not an error", () => {
    expect(validateUsername("  alice ")).toBeUndefined();
    expect(cleanUsername("  alice ")).toBe("alice");
  });
});

describe("password", () => {
  test("signing in only needs something typed", () => {
    expect(validatePassword("", "existing")?.key).toBe("invalid.password.required");
    expect(validatePassword("short", "existing")).toBeUndefined();
  });

  test("a new password follows the policy: 8 to 1024 characters", () => {
    expect(validatePassword("1234567", "new")).toEqual({ key: "invalid.password.short", vars: { min: 8 } });
    expect(validatePassword("12345678", "new")).toBeUndefined();
    expect(validatePassword("x".repeat(PASSWORD_MAX + 1), "new")).toEqual({
      key: "invalid.password.long",
      vars: { max: PASSWORD_MAX },
    });
  });

  test("spaces count and are allowed: a passphrase is fine", () => {
    expect(validatePassword("correct horse battery staple", "new")).toBeUndefined();
    expect(validatePassword("        ", "new")).toBeUndefined();
    expect(validatePassword("a b c", "new")?.key).toBe("invalid.password.short");
  });
});

describe("forms", () => {
  test("sign-in needs a username and a password, nothing else", () => {
    expect(validateAuthForm("signIn", { username: "", password: "", confirm: "" })).toEqual({
      username: { key: "invalid.username.required" },
      password: { key: "invalid.password.required" },
    });
    expect(validateAuthForm("signIn", { username: "alice", password: "x", confirm: "" })).toEqual({});
  });

  test("registration checks the policy and the confirmation", () => {
    const errors = validateAuthForm("register", { username: "al ice", password: "short", confirm: "shorts" });
    expect(errors.username?.key).toBe("invalid.username.characters");
    expect(errors.password?.key).toBe("invalid.password.short");
    expect(errors.confirm?.key).toBe("invalid.confirm.mismatch");
    expect(
      validateAuthForm("register", { username: "alice", password: "pass word 1", confirm: "pass word 1" }),
    ).toEqual({});
  });

  test("change password: current, a valid new one that differs, and a matching confirmation", () => {
    expect(validateChangePassword({ current: "", next: "", confirm: "" })).toEqual({
      current: { key: "invalid.password.required" },
      next: { key: "invalid.password.required" },
      confirm: { key: "invalid.confirm.required" },
    });
    expect(
      validateChangePassword({ current: "old password", next: "old password", confirm: "old password" }).next?.key,
    ).toBe("invalid.newPassword.same");
    expect(
      validateChangePassword({ current: "old password", next: "new password", confirm: "new passwort" }).confirm?.key,
    ).toBe("invalid.confirm.mismatch");
    expect(validateChangePassword({ current: "old password", next: "new password", confirm: "new password" })).toEqual(
      {},
    );
  });
});
