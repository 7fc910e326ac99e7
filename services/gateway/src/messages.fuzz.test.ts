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
 * other command is answered NOT_FOUND, which is a valid reply to any command.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import fc from "fast-check";
import { startNats, type NatsServer } from "@sealroom/testkit";
import { connectNats, type NatsConnection } from "@sealroom/runtime";
import { CLOSE } from "@sealroom/proto/close-codes";
import { COMMANDS } from "@sealroom/proto/commands";
import { commandEnvelopeSchema } from "@sealroom/proto/envelope";
import { FRAME } from "@sealroom/proto/session";
import { MAX_ANONYMOUS_FRAME_BYTES, MAX_MESSAGE_BYTES, serverMessageSchema } from "@sealroom/proto/wire";
import { concat, cmdText, plaintextArb, sized, utf8 } from "./test/hostile-messages.js";
import { RawClient } from "./test/rawclient.js";
import { silentLog, startGateway, type TestGateway } from "./test/harness.js";
import { parseUntrusted } from "@sealroom/proto/parse";

const RUNS = 100;
const RECORD_OVERHEAD = 26;
const USER_ID = 424242;
const SIGN_IN_NAME = `fuzz_${Math.random().toString(36).slice(2, 12)}`;

let nats: NatsServer;
let gw: TestGateway;
let services: NatsConnection;
/** Envelopes the stand-in services received during the current case. */
let forwarded: { type: string; data: unknown }[] = [];

beforeAll(async () => {
  nats = await startNats();
  gw = await startGateway(nats.url, {
    RATE_LIMIT_PER_SEC: 1_000_000,
    RATE_LIMIT_BURST: 1_000_000,
    MAX_CONNECTIONS_PER_IP: 100_000,
    MAX_CONNECTIONS_PER_USER: 100_000,
    HANDSHAKE_RATE_PER_IP: 1_000_000,
    HANDSHAKE_BURST_PER_IP: 1_000_000,
  });
  services = await connectNats({ url: nats.url, name: "fuzz-services", log: silentLog });
  services.subscribe("cmd.>", {
    callback: (_err, msg) => {
      const type = msg.subject.slice("cmd.".length);
      const data: unknown = msg.json();
      const body = (data as { body?: { username?: unknown } }).body;
      if (type === "auth.login" && body?.username === SIGN_IN_NAME) {
        msg.respond(
          JSON.stringify({
            ok: true,
            value: {
              user: { id: USER_ID, username: SIGN_IN_NAME },
              sessionId: "fuzz-session",
              ticket: "A".repeat(43),
              ticketExpiresAt: Date.now() + 3_600_000,
            },
          }),
        );
        return;
      }
      forwarded.push({ type, data });
      msg.respond(JSON.stringify({ ok: false, error: { code: "NOT_FOUND", message: "Not found.", retryable: false } }));
    },
  });
  await services.flush();
});

afterAll(async () => {
  await services?.drain();
  await gw?.stop();
  await nats?.stop();
});

// ---------------------------------------------------------------------------------------------
// The model: what docs/PROTOCOL.md says the gateway does with one DATA plaintext
// ---------------------------------------------------------------------------------------------

type State = "anonymous" | "user";
type Outcome = { close: number } | { reply: string; forwarded: boolean };

const LIMIT: Record<State, number> = {
  anonymous: MAX_ANONYMOUS_FRAME_BYTES - RECORD_OVERHEAD,
  user: MAX_MESSAGE_BYTES,
};

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

function expectedOutcome(plaintext: Uint8Array, state: State): Outcome {
  // 2.2: frame size by state, checked before anything else.
  if (plaintext.length > LIMIT[state]) return { close: CLOSE.TOO_BIG };
  // 7: one UTF-8 JSON value (WHATWG UTF-8 decoding: a leading BOM is dropped, invalid bytes are fatal).
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(plaintext));
  } catch {
    return { close: CLOSE.PROTOCOL_ERROR };
  }
  // 7.1: exactly {t, id, type, body}.
  if (!isPlainObject(json)) return { close: CLOSE.PROTOCOL_ERROR };
  const keys = Object.keys(json);
  if (keys.length !== 4 || !["t", "id", "type", "body"].every((k) => keys.includes(k)))
    return { close: CLOSE.PROTOCOL_ERROR };
  const { t, id, type, body } = json;
  if (t !== "cmd") return { close: CLOSE.PROTOCOL_ERROR };
  if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id > 2 ** 31) return { close: CLOSE.PROTOCOL_ERROR };
  // Lengths are counted as the schemas count them: zod (4.6) counts code points, not UTF-16 units.
  if (typeof type !== "string" || [...type].length < 1 || [...type].length > 64) return { close: CLOSE.PROTOCOL_ERROR };
  // 8: unknown type, then access state, then the body.
  if (!Object.hasOwn(COMMANDS, type)) return { reply: "UNKNOWN_COMMAND", forwarded: false };
  const spec = COMMANDS[type as keyof typeof COMMANDS];
  if (spec.access === "user" && state !== "user") return { reply: "NOT_AUTHENTICATED", forwarded: false };
  if (spec.access === "anonymous" && state === "user") return { reply: "ALREADY_AUTHENTICATED", forwarded: false };
  if (!parseUntrusted(spec.body, body).success) return { reply: "BAD_REQUEST", forwarded: false };
  return { reply: "NOT_FOUND", forwarded: true };
}

// ---------------------------------------------------------------------------------------------
// Running one case against the gateway
// ---------------------------------------------------------------------------------------------

async function connect(state: State): Promise<RawClient> {
  const c = new RawClient(gw.wsUrl);
  await c.opened();
  await c.handshake();
  if (state === "user") {
    await c.command(1, "auth.login", { username: SIGN_IN_NAME, password: "fuzz password" });
    expect(await c.receive()).toMatchObject({ id: 1, ok: true });
  }
  return c;
}

/** The next reply, or the close code if the gateway closed instead. */
async function outcomeOf(c: RawClient): Promise<{ reply: unknown } | { close: number }> {
  try {
    return { reply: await c.receive() };
  } catch {
    return { close: (await c.closed).code };
  }
}

async function expectHealthy(): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${gw.gateway.port}/healthz`);
  expect(res.status).toBe(200);
  const fresh = new RawClient(gw.wsUrl);
  await fresh.opened();
  await fresh.handshake();
  fresh.ws.close();
}

const seen = new Map<string, number>();

/** Sends one plaintext in a valid DATA record and checks what happens against the model. */
async function runCase(state: State, plaintext: Uint8Array): Promise<void> {
  const c = await connect(state);
  forwarded = [];
  const expected = expectedOutcome(plaintext, state);
  try {
    const frames = await c.channel!.seal(FRAME.DATA, plaintext);
    for (const f of frames) c.send(f);
    const got = await outcomeOf(c);
    if ("close" in expected) {
      expect(got).toEqual({ close: expected.close });
      seen.set(String(expected.close), (seen.get(String(expected.close)) ?? 0) + 1);
    } else {
      if (!("reply" in got))
        throw new Error(`expected a ${expected.reply} reply, the gateway closed with ${got.close}`);
      const reply = serverMessageSchema.parse(got.reply);
      expect(reply).toMatchObject({ t: "reply", ok: false, error: { code: expected.reply } });
      seen.set(expected.reply, (seen.get(expected.reply) ?? 0) + 1);
      // 8: a command reaches its service only with a valid body and the gateway's stamp.
      expect(forwarded.length).toBe(expected.forwarded ? 1 : 0);
      for (const f of forwarded) {
        const env = commandEnvelopeSchema.parse(f.data);
        expect(COMMANDS[f.type as keyof typeof COMMANDS].body.safeParse(env.body).success).toBe(true);
        if (state === "user") expect(env.ctx).toMatchObject({ userId: USER_ID, sessionId: "fuzz-session" });
        else expect(env.ctx.userId).toBeUndefined();
      }
      // The connection survives a refused command.
      await c.command(7, "no.such.command", {});
      expect(await c.receive()).toMatchObject({ id: 7, ok: false, error: { code: "UNKNOWN_COMMAND" } });
    }
  } finally {
    c.ws.close();
  }
  await expectHealthy();
}

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
