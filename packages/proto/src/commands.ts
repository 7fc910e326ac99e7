/**
 * The closed set of client commands. The gateway accepts nothing else: it checks the connection
 * state against `access`, validates `body`, forwards to `SUBJECTS.command(type)` and validates the
 * service's reply against `value` before passing it on.
 */
import type { z } from "zod";
import * as auth from "./auth.js";
import { CHAT_COMMANDS } from "./chat.js";
import type { CommandSpec } from "./command-spec.js";
import { BACKUP_AUTH_COMMANDS } from "./backup.js";
import { KEYS_COMMANDS } from "./keys.js";
import { SOCIAL_COMMANDS } from "./social.js";

export type { CommandSpec } from "./command-spec.js";

/** Authentication commands, answered by services/auth. */
export const AUTH_COMMANDS = {
  /** Create an account and sign in. */
  "auth.register": {
    service: "auth",
    access: "anonymous",
    body: auth.registerBody,
    value: auth.sessionGrantSchema,
    authenticates: true,
  },
  /** Sign in with a password. */
  "auth.login": {
    service: "auth",
    access: "anonymous",
    body: auth.loginBody,
    value: auth.sessionGrantSchema,
    authenticates: true,
  },
  /** Sign in with a single-use resume ticket; returns the next ticket. */
  "auth.resume": {
    service: "auth",
    access: "anonymous",
    body: auth.resumeBody,
    value: auth.sessionGrantSchema,
    authenticates: true,
  },
  /** Exchange this session's ticket for a fresh one (the old one stops working). */
  "auth.renewTicket": {
    service: "auth",
    access: "user",
    body: auth.renewTicketBody,
    value: auth.ticketGrantSchema,
  },
  /** Change the password; every session is revoked, this connection moves to a new one. */
  "auth.changePassword": {
    service: "auth",
    access: "user",
    body: auth.changePasswordBody,
    value: auth.passwordChangedSchema,
  },
  /** Revoke this session (or all of the user's); their sockets close with SESSION_REVOKED. */
  "auth.logout": {
    service: "auth",
    access: "user",
    body: auth.logoutBody,
    value: auth.emptySchema,
  },
} as const satisfies Record<string, CommandSpec>;

/** Every command; each family lives in its own module (keys.ts, social.ts, chat.ts). */
export const COMMANDS = {
  ...AUTH_COMMANDS,
  ...KEYS_COMMANDS,
  ...BACKUP_AUTH_COMMANDS,
  ...SOCIAL_COMMANDS,
  ...CHAT_COMMANDS,
} as const;

export type CommandType = keyof typeof COMMANDS;
export type CommandBody<T extends CommandType> = z.input<(typeof COMMANDS)[T]["body"]>;
export type CommandValue<T extends CommandType> = z.infer<(typeof COMMANDS)[T]["value"]>;

/**
 * The registry seen per command type, so that a generic `T` keeps its value's type: TypeScript
 * cannot relate `(typeof COMMANDS)[T]["value"]` to `CommandValue<T>` for a type parameter, but it
 * checks this assignment key by key, and indexing a mapped type by `T` stays precise.
 */
const VALUE_SCHEMAS: { readonly [T in CommandType]: { readonly value: z.ZodType<CommandValue<T>> } } = COMMANDS;

/** The schema of a command's successful reply value. */
export function commandValueSchema<T extends CommandType>(type: T): z.ZodType<CommandValue<T>> {
  return VALUE_SCHEMAS[type].value;
}

export function isCommandType(type: string): type is CommandType {
  return Object.hasOwn(COMMANDS, type);
}
