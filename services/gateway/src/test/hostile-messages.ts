/**
 * Generators of hostile plaintexts for messages.fuzz.test.ts: command messages with hostile types,
 * ids and bodies (and valid ones), random bytes, invalid UTF-8, text-level damage, wrong shapes and
 * deep nesting. Kept apart from the properties and the model they are checked against.
 */
import fc from "fast-check";
import { COMMANDS } from "@sealroom/proto/commands";
export const utf8 = (s: string) => new TextEncoder().encode(s);
export const cmdText = (id: string, type: string, body: string) =>
  `{"t":"cmd","id":${id},"type":${JSON.stringify(type)},"body":${body}}`;
export const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

const HOSTILE_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "then"];
const TYPES = Object.keys(COMMANDS);
/**
 * The commands only an anonymous connection may send. Few among many, so drawn on their own too: the
 * "already signed in" answer must come up in every run, not in most.
 */
const ANONYMOUS_TYPES = TYPES.filter((type) => COMMANDS[type as keyof typeof COMMANDS].access === "anonymous");

/** JSON text with hostile keys and awkward numbers, as an attacker would type it. */
const { json: jsonTextArb } = fc.letrec<{ json: string; prim: string; arr: string; obj: string }>((tie) => ({
  json: fc.oneof({ depthSize: "small", withCrossShrink: true }, tie("prim"), tie("arr"), tie("obj")),
  prim: fc.oneof(
    fc.jsonValue({ maxDepth: 0 }).map((v) => JSON.stringify(v)),
    fc.constantFrom("1e400", "-1e400", "-0", "9007199254740993", "2147483648", "0.5", "123456789012345678901234567890"),
  ),
  arr: fc.array(tie("json"), { maxLength: 4 }).map((xs) => `[${xs.join(",")}]`),
  obj: fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...HOSTILE_KEYS, "userId", "role", "seq"), fc.string({ maxLength: 8 })),
        tie("json"),
      ),
      { maxLength: 4 },
    )
    .map((es) => `{${es.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`),
}));

/** Bodies that are close to valid for some command, so that schemas and forwarding get exercised. */
const nearValidBodyArb = fc.oneof(
  fc.constant("{}"),
  fc
    .record({ username: fc.string({ maxLength: 140 }), password: fc.string({ maxLength: 30 }) })
    .map((b) => JSON.stringify(b)),
  fc
    .constantFrom("userId", "groupId", "requestId", "invitationId")
    .chain((k) => fc.oneof(fc.integer(), fc.constantFrom(1, 2 ** 31 - 1, 2 ** 31, 0, -1)).map((n) => `{"${k}":${n}}`)),
  fc
    .record({ groupId: fc.integer({ min: 1, max: 99 }), userId: fc.integer({ min: 1, max: 99 }) })
    .map((b) => JSON.stringify(b)),
  fc.record({ prefix: fc.string({ minLength: 1, maxLength: 10 }) }).map((b) => JSON.stringify(b)),
  fc
    .record({ ids: fc.array(fc.integer({ min: 1, max: 99 }), { minLength: 1, maxLength: 3 }) })
    .map((b) => JSON.stringify(b)),
  fc.record({ everywhere: fc.boolean() }).map((b) => JSON.stringify(b)),
  fc.stringMatching(/^[A-Za-z0-9_-]{43}$/).map((ticket) => JSON.stringify({ ticket })),
  fc
    .record({ groupId: fc.integer({ min: 1, max: 99 }), name: fc.string({ maxLength: 20 }) })
    .map((b) => JSON.stringify(b)),
  fc
    .record({ name: fc.string({ maxLength: 20 }), invite: fc.array(fc.integer({ min: 1, max: 99 }), { maxLength: 3 }) })
    .map((b) => JSON.stringify(b)),
  fc
    .record({
      groupId: fc.integer({ min: 1, max: 99 }),
      userId: fc.integer({ min: 1, max: 99 }),
      role: fc.constantFrom("admin", "member", "owner"),
    })
    .map((b) => JSON.stringify(b)),
  fc
    .record({
      currentPassword: fc.string({ minLength: 1, maxLength: 20 }),
      newPassword: fc.string({ minLength: 1, maxLength: 20 }),
    })
    .map((b) => JSON.stringify(b)),
);

/** For each command, sample bodies it accepts (from the templates above), so valid commands get sent too. */
const acceptedBodies = new Map(
  TYPES.map((type) => {
    const spec = COMMANDS[type as keyof typeof COMMANDS];
    const ok = fc
      .sample(nearValidBodyArb, { numRuns: 400, seed: 7 })
      .filter((b) => spec.body.safeParse(JSON.parse(b)).success);
    return [type, [...new Set(ok)].slice(0, 20)] as const;
  }).filter(([, bodies]) => bodies.length > 0),
);
const validCommandTextArb = fc
  .constantFrom(...acceptedBodies.keys())
  .chain((type) => fc.tuple(fc.nat({ max: 2 ** 31 }), fc.constant(type), fc.constantFrom(...acceptedBodies.get(type)!)))
  .map(([id, type, body]) => cmdText(String(id), type, body));

const typeArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TYPES) },
  { weight: 2, arbitrary: fc.constantFrom(...ANONYMOUS_TYPES) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      ...HOSTILE_KEYS,
      "auth.Login",
      "auth.login ",
      " auth.login",
      "auth.login\u0000",
      "auth..login",
      "cmd.auth.login",
      "auth.>",
      "auth.*",
      ">",
      "*",
      "",
      "x".repeat(64),
      "x".repeat(65),
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 70 }) },
);

const idArb = fc.oneof(
  { weight: 4, arbitrary: fc.nat({ max: 1000 }).map(String) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "1e400",
      "-1",
      "1.5",
      "2147483648",
      "2147483649",
      "-0",
      "1e2",
      "0x10",
      "01",
      "NaN",
      '"1"',
      "null",
      "true",
      "[1]",
      "{}",
    ),
  },
);

/** A well-formed command message, as text. */
const commandTextArb = fc
  .tuple(idArb, typeArb, fc.oneof(nearValidBodyArb, jsonTextArb))
  .map(([id, type, body]) => cmdText(id, type, body));

const INVALID_UTF8 = [
  [0xff],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0x80],
  [0xe2, 0x82],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
];

export const plaintextArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  // Commands, with hostile types, ids and bodies, and valid ones.
  { weight: 6, arbitrary: commandTextArb.map(utf8) },
  { weight: 2, arbitrary: validCommandTextArb.map(utf8) },
  // Random bytes.
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 600 }) },
  // Invalid UTF-8 inside an otherwise valid command.
  {
    weight: 1,
    arbitrary: fc.tuple(commandTextArb, fc.constantFrom(...INVALID_UTF8), fc.nat()).map(([text, bad, at]) => {
      const b = utf8(text);
      const i = at % (b.length + 1);
      return concat(b.subarray(0, i), Uint8Array.from(bad), b.subarray(i));
    }),
  },
  // Text-level damage: the model decides whether it is still JSON, and still a command.
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        commandTextArb,
        fc.nat(),
        fc.constantFrom("", "{", "}", "[", "]", ",", ":", '"', "\\", "\u0000", " ", "1", "\uFEFF"),
        fc.nat({ max: 3 }),
      )
      .map(([text, at, insert, drop]) => {
        const i = at % (text.length + 1);
        return utf8(text.slice(0, i) + insert + text.slice(i + drop));
      }),
  },
  // Whole messages of the wrong shape: arrays, primitives, objects with extra or missing keys.
  { weight: 1, arbitrary: jsonTextArb.map(utf8) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        commandTextArb,
        fc.oneof(fc.constantFrom(...HOSTILE_KEYS, "userId", "t", "id"), fc.string({ maxLength: 6 })),
        jsonTextArb,
      )
      .map(([text, key, v]) => utf8(`${text.slice(0, -1)},${JSON.stringify(key)}:${v}}`)),
  },
  // Deep nesting, in the body or as the whole message, balanced or not.
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.integer({ min: 1, max: 12_000 }),
        fc.constantFrom("body", "whole", "unbalanced", "objects"),
        fc.constantFrom(...TYPES, "no.such"),
      )
      .map(([n, where, type]) => {
        if (where === "whole") return utf8("[".repeat(n) + "]".repeat(n));
        if (where === "unbalanced") return utf8(cmdText("1", type, "[".repeat(n)));
        if (where === "objects") return utf8(cmdText("1", type, '{"a":'.repeat(n) + "1" + "}".repeat(n)));
        return utf8(cmdText("1", type, "[".repeat(n) + "]".repeat(n)));
      }),
  },
);

/** A message of exactly `size` bytes: an unknown command padded with a string. */
export function sized(size: number, type = "no.such.command"): Uint8Array {
  const base = cmdText("1", type, '{"pad":""}');
  return utf8(base.replace('"pad":""', `"pad":"${"x".repeat(size - base.length)}"`));
}
