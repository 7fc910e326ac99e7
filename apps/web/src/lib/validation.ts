/**
 * Field checks for the account forms, using the same policy functions as the auth service
 * (@sealroom/proto/auth), so the form never accepts what the server would refuse or vice versa.
 * Results are message keys, translated where they are shown.
 */
import { PASSWORD_MAX, PASSWORD_MIN, checkSignInName, checkUsername, normalizePassword } from "@sealroom/proto/auth";
import type { MessageKey } from "../i18n/en.js";
import type { Vars } from "../i18n/languages.js";

export interface FieldError {
  key: MessageKey;
  vars?: Vars;
}

export type Errors<F extends string> = Partial<Record<F, FieldError>>;

/** Surrounding whitespace is never part of a username (autofill adds it); inner spaces are invalid. */
export function cleanUsername(raw: string): string {
  return raw.trim();
}

/**
 * `new`: the full policy of a name being registered. `existing`: a name to sign in with, which may
 * predate the invisible-character and script rules (the server looks it up the same way).
 */
export function validateUsername(raw: string, kind: "existing" | "new" = "new"): FieldError | undefined {
  const username = cleanUsername(raw);
  if (username === "") return { key: "invalid.username.required" };
  const check = kind === "new" ? checkUsername(username) : checkSignInName(username);
  if (check.ok) return undefined;
  const keys = {
    length: "invalid.username.length",
    characters: "invalid.username.characters",
    script: "invalid.username.script",
  } as const;
  return { key: keys[check.reason] };
}

/**
 * `existing`: a password being typed to sign in, only required. `new`: the full policy.
 * Passwords are never trimmed: spaces are allowed and kept.
 */
export function validatePassword(raw: string, kind: "existing" | "new"): FieldError | undefined {
  if (raw === "") return { key: "invalid.password.required" };
  if (kind === "existing" || normalizePassword(raw) !== undefined) return undefined;
  const length = [...raw.normalize("NFKC")].length;
  return length < PASSWORD_MIN
    ? { key: "invalid.password.short", vars: { min: PASSWORD_MIN } }
    : { key: "invalid.password.long", vars: { max: PASSWORD_MAX } };
}

export function validateConfirm(password: string, confirm: string): FieldError | undefined {
  if (confirm === "") return { key: "invalid.confirm.required" };
  return samePassword(password, confirm) ? undefined : { key: "invalid.confirm.mismatch" };
}

export type AuthField = "username" | "password" | "confirm";

export function validateAuthForm(
  mode: "signIn" | "register",
  v: { username: string; password: string; confirm: string },
): Errors<AuthField> {
  const errors: Errors<AuthField> = {};
  const username = validateUsername(v.username, mode === "register" ? "new" : "existing");
  if (username) errors.username = username;
  const password = validatePassword(v.password, mode === "register" ? "new" : "existing");
  if (password) errors.password = password;
  if (mode === "register") {
    const confirm = validateConfirm(v.password, v.confirm);
    if (confirm) errors.confirm = confirm;
  }
  return errors;
}

export type ChangePasswordField = "current" | "next" | "confirm";

export function validateChangePassword(v: {
  current: string;
  next: string;
  confirm: string;
}): Errors<ChangePasswordField> {
  const errors: Errors<ChangePasswordField> = {};
  const current = validatePassword(v.current, "existing");
  if (current) errors.current = current;
  const next =
    validatePassword(v.next, "new") ??
    (v.current !== "" && samePassword(v.current, v.next) ? { key: "invalid.newPassword.same" as const } : undefined);
  if (next) errors.next = next;
  const confirm = validateConfirm(v.next, v.confirm);
  if (confirm) errors.confirm = confirm;
  return errors;
}

function samePassword(a: string, b: string): boolean {
  return a.normalize("NFKC") === b.normalize("NFKC");
}
