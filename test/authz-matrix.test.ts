/**
 * The complete authorization matrix, in one place: every command of every service (the registry's
 * COMMANDS: auth, keys, social, chat) x every role that matters to it, through a real gateway, real
 * services and a real nats-server, with SDK clients.
 *
 *   auth   x {unauthenticated, self}                                       test/authz/auth.ts
 *   keys   x {unauthenticated, self (another session), friend, group
 *             co-member, stranger}                                        test/authz/keys.ts
 *   social x {group owner, admin, member, former member, non-member,
 *             blocked user, unauthenticated} (friends and strangers of O) test/authz/social.ts
 *   chat   x {DM participant (friend), non-friend (stranger), blocked,
 *             group owner, admin, member, former member, non-member,
 *             unauthenticated}                                            test/authz/chat.ts
 *
 * A command added to the registry without a row here fails "covers every command". The run fails
 * on any cell whose outcome differs from the table, and prints the summary.
 */
import { afterAll, expect, test } from "vitest";
import { COMMANDS } from "@sealroom/proto/commands";
import { AUTH_CASES, AUTH_ROLES, defineAuthMatrix } from "./authz/auth.js";
import { CHAT_CASES, CHAT_ROLES, defineChatMatrix } from "./authz/chat.js";
import { KEYS_CASES, KEYS_ROLES, defineKeysMatrix } from "./authz/keys.js";
import { cells, summary } from "./authz/matrix.js";
import { SOCIAL_CASES, SOCIAL_ROLES, defineSocialMatrix } from "./authz/social.js";

test("covers every command in the registry: a new command without a matrix row fails here", () => {
  const covered = new Set([...AUTH_CASES, ...KEYS_CASES, ...SOCIAL_CASES, ...CHAT_CASES].map((c) => c.type));
  expect([...covered].sort()).toEqual(Object.keys(COMMANDS).sort());
});

defineAuthMatrix();
defineKeysMatrix();
defineSocialMatrix();
defineChatMatrix();

test("summary: every cell ran, 0 unexpected outcomes, 0 unexpected allows", () => {
  const expected =
    AUTH_CASES.length * AUTH_ROLES.length +
    KEYS_CASES.length * KEYS_ROLES.length +
    SOCIAL_CASES.length * SOCIAL_ROLES.length +
    CHAT_CASES.length * CHAT_ROLES.length;
  const s = summary();
  const byFamily = Object.fromEntries(
    (["auth", "keys", "social", "chat"] as const).map((f) => [f, summary(cells.filter((c) => c.family === f))]),
  );
  console.log(
    [
      `authorization matrix: ${Object.keys(COMMANDS).length} commands, ${s.cells} cells: ${s.allows} allows, ${s.denies} denies, ${s.unexpected} unexpected (${s.unexpectedAllows} unexpected allows)`,
      ...Object.entries(byFamily).map(
        ([f, x]) => `  ${f}: ${x.cells} cells, ${x.allows} allows, ${x.denies} denies, ${x.unexpected} unexpected`,
      ),
    ].join("\n"),
  );
  expect(s.cells).toBe(expected);
  expect(s.unexpected).toBe(0);
  expect(s.unexpectedAllows).toBe(0);
});

afterAll(() => {
  // A failed cell is easier to read as a table.
  const wrong = cells.filter((c) => c.got !== c.expected);
  if (wrong.length > 0) console.table(wrong);
});
