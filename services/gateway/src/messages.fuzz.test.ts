/**
 * Property-based tests of the gateway's message handling through a real gateway and a real
 * nats-server: hostile plaintexts inside valid encrypted DATA records (bad UTF-8, bad JSON, deep
 * nesting, huge numbers, wrong types, unknown fields and commands, prototype-pollution keys, sizes at
 * each limit), on anonymous and on signed-in connections. Each is answered with the reply or closed
 * with the close code that docs/PROTOCOL.md sections 2.2, 7 and 8 prescribe (checked against a model
 * written from the document), every reply is a valid server message, every command that reaches NATS
 * carries a body that passes its schema and the gateway's own stamp, and after every case the gateway
 * is healthy: /healthz answers 200 and a fresh client completes a handshake.
 *
 * The services are stand-ins on NATS (`cmd.>`): auth.login with one secret username signs in, every
 * other command is answered NOT_FOUND, which is a valid reply to any command. The stand-ins, the
 * model and the runner of one case are test/message-model.ts; the generators test/hostile-messages.ts.
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { CLOSE } from "@sealroom/proto/close-codes";
import { concat, cmdText, plaintextArb, sized, utf8 } from "./test/hostile-messages.js";
import {
  expectedOutcome,
  LIMIT,
  runCase,
  seen,
  useMessageGateway,
  type Outcome,
  type State,
} from "./test/message-model.js";

const RUNS = 100;

useMessageGateway();

// ---------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------

describe("hostile messages inside valid encrypted records", () => {
  test.each(["anonymous", "user"] as const)(
    "on a %s connection every message gets its documented reply or close code, and the gateway stays healthy",
    async (state) => {
      await fc.assert(
        fc.asyncProperty(plaintextArb, async (plaintext) => {
          await runCase(state, plaintext);
        }),
        { numRuns: RUNS },
      );
    },
  );

  test.each(["anonymous", "user"] as const)(
    "on a %s connection, sizes around the frame limit: 1009 exactly past it",
    async (state) => {
      const limit = LIMIT[state];
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: -3, max: 3 }), async (delta) => {
          await runCase(state, sized(limit + delta));
        }),
        { numRuns: 12 },
      );
    },
  );

  test("every outcome class was reached by the generators", () => {
    for (const k of [
      "UNKNOWN_COMMAND",
      "NOT_AUTHENTICATED",
      "ALREADY_AUTHENTICATED",
      "BAD_REQUEST",
      "NOT_FOUND",
      String(CLOSE.PROTOCOL_ERROR),
      String(CLOSE.TOO_BIG),
    ]) {
      expect(seen.get(k) ?? 0, k).toBeGreaterThan(0);
    }
  });
});

describe("named hostile messages", () => {
  const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
  const cases: [string, State, Uint8Array, Outcome][] = [
    [
      "10,000 levels of [ in an auth.login body",
      "anonymous",
      utf8(cmdText("1", "auth.login", deep(8_000))),
      { reply: "BAD_REQUEST", forwarded: false },
    ],
    [
      "10,000 levels of [ in a signed-in command body",
      "user",
      utf8(cmdText("1", "auth.logout", deep(10_000))),
      { reply: "BAD_REQUEST", forwarded: false },
    ],
    [
      "30,000 levels of [ in a signed-in command body",
      "user",
      utf8(cmdText("1", "auth.logout", deep(30_000))),
      { reply: "BAD_REQUEST", forwarded: false },
    ],
    ["10,000 unclosed [ as the whole message", "user", utf8("[".repeat(10_000)), { close: CLOSE.PROTOCOL_ERROR }],
    [
      "an id of 1e400 (Infinity)",
      "anonymous",
      utf8(cmdText("1e400", "auth.login", "{}")),
      { close: CLOSE.PROTOCOL_ERROR },
    ],
    ["an id above 2^31", "anonymous", utf8(cmdText("2147483649", "auth.login", "{}")), { close: CLOSE.PROTOCOL_ERROR }],
    [
      "an id of 2^31 (the maximum)",
      "anonymous",
      utf8(cmdText("2147483648", "no.such", "{}")),
      { reply: "UNKNOWN_COMMAND", forwarded: false },
    ],
    [
      "a __proto__ key beside the command fields",
      "anonymous",
      utf8(`{"__proto__":{"isAdmin":true},${cmdText("1", "auth.login", "{}").slice(1)}`),
      { close: CLOSE.PROTOCOL_ERROR },
    ],
    [
      "a __proto__ key in the body",
      "anonymous",
      utf8(cmdText("1", "auth.login", '{"username":"a","password":"b","__proto__":{"x":1}}')),
      { reply: "BAD_REQUEST", forwarded: false },
    ],
    [
      "a constructor key in the body",
      "user",
      utf8(cmdText("1", "auth.logout", '{"constructor":{"prototype":{"x":1}}}')),
      { reply: "BAD_REQUEST", forwarded: false },
    ],
    [
      "a command named __proto__",
      "user",
      utf8(cmdText("1", "__proto__", "{}")),
      { reply: "UNKNOWN_COMMAND", forwarded: false },
    ],
    [
      "a command named constructor",
      "user",
      utf8(cmdText("1", "constructor", "{}")),
      { reply: "UNKNOWN_COMMAND", forwarded: false },
    ],
    [
      "a NATS wildcard as the command",
      "user",
      utf8(cmdText("1", "auth.>", "{}")),
      { reply: "UNKNOWN_COMMAND", forwarded: false },
    ],
    ["a 65-character command name", "user", utf8(cmdText("1", "a".repeat(65), "{}")), { close: CLOSE.PROTOCOL_ERROR }],
    ["a missing body", "anonymous", utf8('{"t":"cmd","id":1,"type":"auth.login"}'), { close: CLOSE.PROTOCOL_ERROR }],
    [
      "invalid UTF-8 (a lone surrogate encoded in UTF-8)",
      "anonymous",
      concat(utf8('{"t":"cmd","id":1,"type":"x","body":"'), Uint8Array.from([0xed, 0xa0, 0x80]), utf8('"}')),
      { close: CLOSE.PROTOCOL_ERROR },
    ],
    [
      "an overlong UTF-8 encoding of '/'",
      "user",
      concat(utf8('{"t":"cmd","id":1,"type":"x'), Uint8Array.from([0xc0, 0xaf]), utf8('","body":{}}')),
      { close: CLOSE.PROTOCOL_ERROR },
    ],
    [
      "a username of 128 characters (the maximum)",
      "anonymous",
      utf8(cmdText("1", "auth.login", JSON.stringify({ username: "é".repeat(128), password: "p" }))),
      { reply: "NOT_FOUND", forwarded: true },
    ],
    [
      "a username of 129 characters",
      "anonymous",
      utf8(cmdText("1", "auth.login", JSON.stringify({ username: "é".repeat(129), password: "p" }))),
      { reply: "BAD_REQUEST", forwarded: false },
    ],
    // zod counts code points: 4096 emoji (8192 UTF-16 units, 16 KiB of UTF-8) would pass the password
    // field, but not the anonymous frame limit; 2048 + 2049 stay within it.
    [
      "a password of 4096 code points, half of them emoji",
      "anonymous",
      utf8(
        cmdText("1", "auth.login", JSON.stringify({ username: "u", password: "😀".repeat(2048) + "x".repeat(2048) })),
      ),
      { reply: "NOT_FOUND", forwarded: true },
    ],
    [
      "a password of 4097 code points, half of them emoji",
      "anonymous",
      utf8(
        cmdText("1", "auth.login", JSON.stringify({ username: "u", password: "😀".repeat(2048) + "x".repeat(2049) })),
      ),
      { reply: "BAD_REQUEST", forwarded: false },
    ],
    [
      "a user command before sign-in",
      "anonymous",
      utf8(cmdText("1", "auth.renewTicket", "{}")),
      { reply: "NOT_AUTHENTICATED", forwarded: false },
    ],
    [
      "a user id smuggled into a body",
      "user",
      utf8(cmdText("1", "auth.renewTicket", `{"userId":1}`)),
      { reply: "BAD_REQUEST", forwarded: false },
    ],
    [
      "a plaintext of exactly the anonymous maximum",
      "anonymous",
      sized(LIMIT.anonymous),
      { reply: "UNKNOWN_COMMAND", forwarded: false },
    ],
    [
      "a plaintext one byte over the anonymous maximum",
      "anonymous",
      sized(LIMIT.anonymous + 1),
      { close: CLOSE.TOO_BIG },
    ],
    [
      "a plaintext of exactly the signed-in maximum",
      "user",
      sized(LIMIT.user),
      { reply: "UNKNOWN_COMMAND", forwarded: false },
    ],
    ["a plaintext one byte over the signed-in maximum", "user", sized(LIMIT.user + 1), { close: CLOSE.TOO_BIG }],
    [
      "a plaintext far over the signed-in maximum (past the ws maxPayload)",
      "user",
      sized(200_000),
      { close: CLOSE.TOO_BIG },
    ],
  ];

  test.each(cases)("%s", async (_name, state, plaintext, outcome) => {
    // The model agrees with the document here, and the gateway with the model.
    expect(expectedOutcome(plaintext, state)).toEqual(outcome);
    await runCase(state, plaintext);
  });
});
