/**
 * The auth part of the authorization matrix (run by test/authz-matrix.test.ts): every auth command
 * x {unauthenticated, self (signed in)}, through a real gateway and auth service. Auth commands
 * carry no user id of anyone else (the actor is always the connection's own user, or the account
 * named with its password or ticket), so "someone else" appears as cases: another account's name
 * with a guessed password, another session's ticket, a forged ticket, a wrong current password.
 * Every cell runs on fresh connections and a fresh account, so cells cannot affect each other.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { AUTH_COMMANDS } from "@sealroom/proto/commands";
import type { SealroomClient } from "@sealroom/sdk/node";
import { startStack, type Stack } from "../support/stack.js";
import { password, uniqueName } from "../social-helpers.js";
import { record } from "./matrix.js";

export const AUTH_ROLES = ["unauthenticated", "self"] as const;
type Role = (typeof AUTH_ROLES)[number];
type Outcome =
  "ok" | "NOT_AUTHENTICATED" | "ALREADY_AUTHENTICATED" | "AUTH_INVALID_CREDENTIALS" | "AUTH_TICKET_INVALID";

/** A signed-up account: the connection it registered on, its name and its first ticket. */
interface Account {
  client: SealroomClient;
  name: string;
  ticket: string;
}

interface Case {
  type: keyof typeof AUTH_COMMANDS;
  name: string;
  /** The body, given a fresh account of someone else (`other`) and the acting account (`self`). */
  body(other: Account, self: Account | undefined): unknown;
  expect: Record<Role, Outcome>;
}

const anonymousOnly = { unauthenticated: "ok", self: "ALREADY_AUTHENTICATED" } as const;
const userOnly = { unauthenticated: "NOT_AUTHENTICATED", self: "ok" } as const;

export const AUTH_CASES: Case[] = [
  {
    type: "auth.register",
    name: "a new account",
    body: () => ({ username: uniqueName("reg"), password }),
    expect: anonymousOnly,
  },
  {
    type: "auth.login",
    name: "with the account's password",
    body: (other) => ({ username: other.name, password }),
    expect: anonymousOnly,
  },
  {
    type: "auth.login",
    name: "as someone else, guessing",
    body: (other) => ({ username: other.name, password: "not the password" }),
    expect: { unauthenticated: "AUTH_INVALID_CREDENTIALS", self: "ALREADY_AUTHENTICATED" },
  },
  {
    type: "auth.resume",
    name: "with a valid ticket",
    body: (other) => ({ ticket: other.ticket }),
    expect: anonymousOnly,
  },
  {
    type: "auth.resume",
    name: "with a forged ticket",
    body: () => ({ ticket: "A".repeat(43) }),
    expect: { unauthenticated: "AUTH_TICKET_INVALID", self: "ALREADY_AUTHENTICATED" },
  },
  { type: "auth.renewTicket", name: "auth.renewTicket", body: () => ({}), expect: userOnly },
  {
    type: "auth.changePassword",
    name: "with a wrong current password",
    body: () => ({ currentPassword: "not the password", newPassword: "a brand new password" }),
    expect: { unauthenticated: "NOT_AUTHENTICATED", self: "AUTH_INVALID_CREDENTIALS" },
  },
  {
    type: "auth.changePassword",
    name: "with the current password",
    body: () => ({ currentPassword: password, newPassword: "a brand new password" }),
    expect: userOnly,
  },
  { type: "auth.logout", name: "this session", body: () => ({}), expect: userOnly },
  { type: "auth.logout", name: "everywhere", body: () => ({ everywhere: true }), expect: userOnly },
];

let stack: Stack;

let addresses = 0;
/**
 * A client from its own loopback address (127.0.2.x), so the registration throttle (20 per address
 * per hour) counts each account separately, as for users on different machines.
 */
function clientFromNewAddress(): SealroomClient {
  const localAddress = `127.0.2.${++addresses}`;
  return stack.client({
    socketFactory: (url) => new WebSocket(url, { perMessageDeflate: false, localAddress }) as never,
  });
}

async function account(): Promise<Account> {
  const client = clientFromNewAddress();
  await client.connect();
  const name = uniqueName("az");
  const r = await client.call("auth.register", { username: name, password });
  if (!r.ok) throw new Error(`register failed: ${r.error.code}`);
  return { client, name, ticket: (r.value as { ticket: string }).ticket };
}

/** Registers the auth matrix's tests (with their own stack) in the calling test file. */
export function defineAuthMatrix(): void {
  describe("auth authorization matrix", () => {
    beforeAll(async () => {
      stack = await startStack({
        gatewayConfig: { rateLimitPerSec: 1000, rateLimitBurst: 1000 },
      });
    });
    afterAll(async () => {
      await stack?.stop();
    });

    test("covers every auth command", () => {
      expect(new Set(AUTH_CASES.map((c) => c.type))).toEqual(new Set(Object.keys(AUTH_COMMANDS)));
    });

    test("every command x role: exactly the expected outcome, 0 unexpected allows", async () => {
      const mismatches: string[] = [];
      for (const c of AUTH_CASES) {
        for (const role of AUTH_ROLES) {
          const other = await account();
          other.client.close();
          let actor: SealroomClient;
          let self: Account | undefined;
          if (role === "self") {
            self = await account();
            actor = self.client;
          } else {
            actor = clientFromNewAddress();
            await actor.connect();
          }
          const result = await actor.call(c.type, c.body(other, self));
          const got = result.ok ? "ok" : result.error.code;
          record({
            family: "auth",
            command: c.type === c.name ? c.type : `${c.type} (${c.name})`,
            role,
            expected: c.expect[role],
            got,
          });
          if (got !== c.expect[role])
            mismatches.push(`${c.type} (${c.name}) as ${role}: expected ${c.expect[role]}, got ${got}`);
          actor.close();
        }
      }
      expect(mismatches).toEqual([]);
    });
  });
}
