/**
 * Accounts and sessions: username and password policy, the auth commands' bodies and values.
 * The policy functions are shared so the web client checks fields with the same rules as the server.
 */
import { z } from "zod";
import { usernameProblem } from "./names.js";

export const USERNAME_MIN = 2;
export const USERNAME_MAX = 32;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 1024;

/**
 * Letters (any script), combining marks, digits, '_', '.', '-'; starting with a letter or digit.
 * Control, format (zero-width, bidi), space and symbol characters are outside these classes.
 */
const USERNAME_RE = /^[\p{L}\p{N}][\p{L}\p{M}\p{N}_.-]*$/u;

export type UsernameCheck =
  { ok: true; username: string; key: string } | { ok: false; reason: "length" | "characters" | "script" };

/**
 * NFKC-normalizes and checks a new username; `key` is the case-insensitive uniqueness key. Besides
 * the classes above: no invisible characters, marks only on a letter of their script, one script
 * (or Latin with Chinese, Japanese or Korean): see names.ts. Names registered before these rules
 * may break them; signing in uses {@link checkSignInName}.
 */
export function checkUsername(raw: string): UsernameCheck {
  const name = checkSignInName(raw);
  if (!name.ok) return name;
  const problem = usernameProblem(name.username);
  return problem === undefined ? name : { ok: false, reason: problem };
}

/**
 * The rules every username ever registered satisfies (length and character classes): enough to
 * look an account up when signing in, including one named before the rules of review item 4.
 */
export function checkSignInName(raw: string): UsernameCheck {
  const username = raw.normalize("NFKC");
  const length = [...username].length;
  if (length < USERNAME_MIN || length > USERNAME_MAX) return { ok: false, reason: "length" };
  if (!USERNAME_RE.test(username)) return { ok: false, reason: "characters" };
  return { ok: true, username, key: usernameKey(username) };
}

/** Case-folded form used for uniqueness and lookup. */
export function usernameKey(username: string): string {
  return username.normalize("NFKC").toUpperCase().toLowerCase().normalize("NFKC");
}

/**
 * Passwords are NFKC-normalized (so the same passphrase typed on different keyboards matches),
 * 8-1024 characters, spaces kept, no composition rules.
 */
export function normalizePassword(raw: string): string | undefined {
  const password = raw.normalize("NFKC");
  const length = [...password].length;
  return length < PASSWORD_MIN || length > PASSWORD_MAX ? undefined : password;
}

/** Structural limits checked at the gateway; the policies above are enforced by the auth service. */
const usernameField = z.string().min(1).max(128);
const passwordField = z
  .string()
  .min(1)
  .max(PASSWORD_MAX * 4);
/** base64url of 32 random bytes. */
export const ticketSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

export const publicUserSchema = z.object({ id: z.number().int().positive(), username: z.string() });
export type PublicUser = z.infer<typeof publicUserSchema>;

export const registerBody = z.strictObject({ username: usernameField, password: passwordField });
export const loginBody = registerBody;
export const resumeBody = z.strictObject({ ticket: ticketSchema });
export const logoutBody = z.strictObject({
  /** Revoke every session of the user, not only this one. */
  everywhere: z.boolean().default(false),
});
export const changePasswordBody = z.strictObject({
  currentPassword: passwordField,
  newPassword: passwordField,
});
export const renewTicketBody = z.strictObject({});

/** What a successful register, login or resume grants: an authenticated connection and a ticket. */
export const sessionGrantSchema = z.object({
  user: publicUserSchema,
  sessionId: z.string().min(1).max(64),
  /** Single-use resume ticket; keep it secret. */
  ticket: ticketSchema,
  /** Unix milliseconds. */
  ticketExpiresAt: z.number().int(),
});
export type SessionGrant = z.infer<typeof sessionGrantSchema>;

/** A fresh ticket (after a password change or renewal); the previous one stops working. */
export const ticketGrantSchema = z.object({ ticket: ticketSchema, ticketExpiresAt: z.number().int() });
export type TicketGrant = z.infer<typeof ticketGrantSchema>;

/**
 * After a password change: the connection's new session and its first ticket. Every earlier session
 * of the user, the one this connection was on included, has been revoked.
 */
export const passwordChangedSchema = ticketGrantSchema.extend({ sessionId: z.string().min(1).max(64) });
export type PasswordChanged = z.infer<typeof passwordChangedSchema>;

export const emptySchema = z.object({});
