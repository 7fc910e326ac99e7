/**
 * The closed set of client commands. The gateway accepts nothing else: it checks the connection
 * state against `access`, validates `body`, forwards to `SUBJECTS.command(type)` and validates the
 * service's reply against `value` before passing it on.
 */
import type { z } from "zod";
import * as auth from "./auth.js";
import type { ServiceName } from "./subjects.js";

export interface CommandSpec {
  service: ServiceName;
  /** `anonymous`: only before sign-in. `user`: only after. */
  access: "anonymous" | "user";
  body: z.ZodType;
  value: z.ZodType;
  /** A successful reply signs the connection in (the value is a SessionGrant). */
  authenticates?: true;
}

export const COMMANDS = {
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
  /** Change the password; every other session is revoked, this one gets a fresh ticket. */
  "auth.changePassword": {
    service: "auth",
    access: "user",
    body: auth.changePasswordBody,
    value: auth.ticketGrantSchema,
  },
  /** Revoke this session (or all of the user's); their sockets close with SESSION_REVOKED. */
  "auth.logout": {
    service: "auth",
    access: "user",
    body: auth.logoutBody,
    value: auth.emptySchema,
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandType = keyof typeof COMMANDS;
export type CommandBody<T extends CommandType> = z.input<(typeof COMMANDS)[T]["body"]>;
export type CommandValue<T extends CommandType> = z.infer<(typeof COMMANDS)[T]["value"]>;

export function isCommandType(type: string): type is CommandType {
  return Object.hasOwn(COMMANDS, type);
}
