/**
 * Property-based tests of every command's body schema in COMMANDS (auth, social, chat: new commands
 * are covered as they are added). The gateway validates each decrypted command with these schemas
 * before anything reaches a service (docs/PROTOCOL.md section 8), so: `safeParse` never throws, it
 * never accepts a value of the wrong JSON type anywhere in the body, strict objects refuse unknown
 * keys (including `__proto__` and `constructor`), nothing is polluted, and every string, array and
 * record in a body has a maximum size (SECURITY.md section 6, "validation": "maximum lengths and counts").
 *
 * The schemas are read through zod's public definitions (`_zod.def`) in test/schema-shape.ts (which
 * holds EXAMPLES, the valid values of refined fields); test/body-arbitraries.ts generates the bodies.
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import type { z } from "zod";
import { COMMANDS } from "./commands.js";
import { parseUntrusted } from "./parse.js";
import {
  check,
  HOSTILE_KEYS,
  jsonArb,
  positions,
  setAt,
  unsatisfiable,
  validArb,
  valueOfKind,
  withOwnKey,
} from "./test/body-arbitraries.js";
import { ALL_KINDS, kindOfValue, kindsOf, shapeOf, unboundedParts, type Shape } from "./test/schema-shape.js";

const RUNS = 100;

const commands = Object.entries(COMMANDS).map(([type, spec]) => ({
  type,
  body: spec.body as z.ZodType,
  shape: shapeOf(spec.body),
}));

test("the registry has commands of every family it composes", () => {
  expect(commands.length).toBeGreaterThan(0);
  expect(commands.map((c) => c.type)).toContain("auth.login");
});

describe.each(commands)("$type body", ({ body, shape }) => {
  test("is a strict object whose strings, arrays and records all have a maximum size", () => {
    expect(shape.t).toBe("object");
    expect(unboundedParts(shape, "body")).toEqual([]);
  });

  test("generated valid bodies are accepted (so the properties below start from real bodies)", () => {
    expect(unsatisfiable(shape), "refined fields without a valid example in EXAMPLES").toEqual([]);
    fc.assert(
      fc.property(validArb(shape), (v) => {
        expect(check(body, shape, v)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  test("anything at all, JSON or not: safeParse never throws", () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBoxedValues: true,
          withNullPrototype: true,
          withSparseArray: true,
          withMap: true,
          withSet: true,
          withDate: true,
          withTypedArray: true,
          withBigInt: true,
          withObjectString: true,
          key: fc.oneof(fc.string(), fc.constantFrom(...HOSTILE_KEYS)),
        }),
        (v) => {
          expect(() => body.safeParse(v)).not.toThrow();
        },
      ),
      { numRuns: RUNS },
    );
  });

  test("any JSON value: accepted only if it has the right types and no unknown keys", () => {
    fc.assert(
      fc.property(jsonArb, (v) => {
        check(body, shape, v);
      }),
      { numRuns: RUNS },
    );
  });

  test("a valid body with one position set to a value of the wrong JSON type is refused", () => {
    fc.assert(
      fc.property(
        validArb(shape)
          .chain((v) => {
            const spots = positions(shape, v).filter((p) => ALL_KINDS.some((k) => !kindsOf(p.shape).has(k)));
            return fc.tuple(fc.constant(v), fc.constantFrom(...spots));
          })
          .chain(([v, spot]) =>
            fc
              .constantFrom(...ALL_KINDS.filter((k) => !kindsOf(spot.shape).has(k)))
              .chain((k) => valueOfKind[k])
              .map((wrong) => setAt(v, spot.path, wrong)),
          ),
        (mutated) => {
          expect(check(body, shape, mutated)).toBe(false);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test("a valid body with one position replaced by any JSON value is refused or conforms", () => {
    fc.assert(
      fc.property(
        validArb(shape).chain((v) => fc.tuple(fc.constant(v), fc.constantFrom(...positions(shape, v)))),
        jsonArb,
        ([v, spot], replacement) => {
          check(body, shape, setAt(v, spot.path, replacement));
        },
      ),
      { numRuns: RUNS },
    );
  });

  // Through parseUntrusted, as every trust boundary parses: zod 4's own safeParse throws on values
  // whose string conversion throws, e.g. {"length":[{__proto__:null}]} (seed 893244612).
  test("a valid body with one position replaced by a non-JSON value never throws", () => {
    fc.assert(
      fc.property(
        validArb(shape).chain((v) => fc.tuple(fc.constant(v), fc.constantFrom(...positions(shape, v)))),
        fc.anything({
          withNullPrototype: true,
          withBoxedValues: true,
          withSparseArray: true,
          withBigInt: true,
          withMap: true,
        }),
        ([v, spot], replacement) => {
          expect(() => parseUntrusted(body, setAt(v, spot.path, replacement))).not.toThrow();
        },
      ),
      { numRuns: RUNS },
    );
  });

  test("an unknown key, including __proto__ and constructor, is refused at every strict object", () => {
    fc.assert(
      fc.property(
        validArb(shape).chain((v) => {
          const objects = positions(shape, v).filter((p) => {
            const inner = p.shape.t === "optional" || p.shape.t === "nullable" ? p.shape.inner : p.shape;
            return (
              inner.t === "object" &&
              inner.strict &&
              kindOfValue(p.path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], v)) === "object"
            );
          });
          return fc.tuple(fc.constant(v), fc.constantFrom(...objects));
        }),
        fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ minLength: 1, maxLength: 12 })),
        fc.jsonValue({ maxDepth: 2 }),
        ([v, spot], key, extra) => {
          const inner = (
            spot.shape.t === "optional" || spot.shape.t === "nullable" ? spot.shape.inner : spot.shape
          ) as Extract<Shape, { t: "object" }>;
          fc.pre(!Object.hasOwn(inner.fields, key));
          const target = spot.path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], v) as object;
          const mutated = setAt(v, spot.path, withOwnKey(target, key, extra));
          expect(check(body, shape, mutated)).toBe(false);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test("strings and arrays one past their maximum are refused", () => {
    const bounded = (s: Shape) =>
      (s.t === "string" && s.max !== undefined && !s.pattern) || (s.t === "array" && s.max !== undefined);
    fc.assert(
      fc.property(
        validArb(shape).chain((v) => {
          const spots = positions(shape, v).filter((p) => bounded(p.shape.t === "optional" ? p.shape.inner : p.shape));
          return spots.length === 0 ? fc.constant(undefined) : fc.tuple(fc.constant(v), fc.constantFrom(...spots));
        }),
        (pick) => {
          if (pick === undefined) return;
          const [v, spot] = pick;
          const s = (spot.shape.t === "optional" ? spot.shape.inner : spot.shape) as Extract<
            Shape,
            { t: "string" | "array" }
          >;
          const over =
            s.t === "string"
              ? "x".repeat(s.max! + 1)
              : Array.from({ length: s.max! + 1 }, () => fc.sample(validArb(s.item), 1)[0]);
          expect(check(body, shape, setAt(v, spot.path, over))).toBe(false);
        },
      ),
      { numRuns: 20 },
    );
  });
});

test("a 64 KiB hostile string in any position parses quickly (no catastrophic regex backtracking)", () => {
  // The largest plaintext a signed-in client may send is 64 KiB; a slow pattern would stall the gateway.
  const n = 64 * 1024;
  const hostile = [
    "a".repeat(n),
    `${"1".repeat(n - 1)}x`,
    `dm:${"1".repeat(n - 4)}:`,
    `group:${"9".repeat(n - 7)}!`,
    `${"!~".repeat(n / 2 - 1)} `,
    `${"é".repeat(n / 2)}\u0000`,
  ];
  for (const { type, body, shape } of commands) {
    const spots = fc
      .sample(validArb(shape), { numRuns: 3, seed: 1 })
      .flatMap((v) => positions(shape, v).map((p) => ({ v, p })));
    for (const { v, p } of spots) {
      for (const str of hostile) {
        const t0 = performance.now();
        body.safeParse(setAt(v, p.path, str));
        const ms = performance.now() - t0;
        expect(ms, `${type} at ${p.path.join(".") || "body"}`).toBeLessThan(250);
      }
    }
  }
});

test("no parse pollutes Object.prototype", () => {
  const before = Object.getOwnPropertyNames(Object.prototype).sort();
  for (const { body } of commands) {
    for (const key of HOSTILE_KEYS) {
      body.safeParse(JSON.parse(`{"${key}": {"polluted": true, "isAdmin": true}}`));
      body.safeParse(JSON.parse(`{"${key}": {"prototype": {"polluted": true}}}`));
    }
  }
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
