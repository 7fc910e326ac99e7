/**
 * Property-based tests of every command's body schema in COMMANDS (auth, social, chat: new commands
 * are covered as they are added). The gateway validates each decrypted command with these schemas
 * before anything reaches a service (docs/PROTOCOL.md section 8), so: `safeParse` never throws, it
 * never accepts a value of the wrong JSON type anywhere in the body, strict objects refuse unknown
 * keys (including `__proto__` and `constructor`), nothing is polluted, and every string, array and
 * record in a body has a maximum size (SECURITY.md section 6, "validation": "maximum lengths and counts").
 *
 * The schemas are read through zod's public definitions (`_zod.def`); a zod feature this file does not
 * understand is reported by name rather than silently skipped.
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import type { z } from "zod";
import { COMMANDS } from "./commands.js";
import { parseUntrusted } from "./parse.js";

const RUNS = 100;

// ---------------------------------------------------------------------------------------------
// Reading a zod schema
// ---------------------------------------------------------------------------------------------

type Kind = "string" | "number" | "boolean" | "null" | "array" | "object" | "undefined";
const ALL_KINDS: readonly Kind[] = ["string", "number", "boolean", "null", "array", "object", "undefined"];

type Shape =
  | { t: "string"; min: number; max: number | undefined; pattern: RegExp | undefined; refined: Refined | undefined }
  | { t: "number"; int: boolean; min: number; max: number; refined: Refined | undefined }
  | { t: "boolean" }
  | { t: "null" }
  | { t: "values"; values: readonly unknown[] }
  | { t: "array"; item: Shape; min: number; max: number | undefined }
  | { t: "object"; strict: boolean; fields: Record<string, Shape> }
  | { t: "record"; value: Shape; max: number | undefined }
  | { t: "optional"; inner: Shape }
  | { t: "nullable"; inner: Shape }
  | { t: "union"; options: Shape[] }
  | { t: "unknown" }
  | { t: "unsupported"; what: string };

/**
 * A leaf with a custom refinement (`.refine`), which cannot be generated from its definition: valid
 * values come from EXAMPLES, by field name, and are checked against the leaf itself.
 */
interface Refined {
  field: string;
  examples: unknown[];
}

/**
 * Valid values of refined fields, by field name. A new refined field needs an entry here, or the
 * "generated valid bodies" test of its command says so.
 */
const EXAMPLES: Record<string, unknown[]> = {
  conversationId: ["dm:1:2", "dm:7:2147483647", "group:1", "group:2147483647"],
  // Message text (chat.send, chat.edit) refuses unpaired bidi controls; paired ones are valid.
  text: ["", "hello", "中文 and emoji 😀", "\u202Eabc\u202C", "\u2067שלום\u2069 ok\nline two"],
};

interface Def {
  type: string;
  checks?: { _zod: { def: Record<string, unknown> } }[];
  [key: string]: unknown;
}
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;

function checksOf(def: Def): Record<string, unknown>[] {
  return (def.checks ?? []).map((c) => c._zod.def);
}

function shapeOf(schema: unknown, field = "body"): Shape {
  const def = defOf(schema);
  const checks = checksOf(def);
  const leafRefined = (custom: boolean): Refined | undefined =>
    custom
      ? { field, examples: (EXAMPLES[field] ?? []).filter((v) => (schema as z.ZodType).safeParse(v).success) }
      : undefined;
  const refined = checks.some((c) => c.check === "custom");
  switch (def.type) {
    case "string": {
      let min = 0;
      let max: number | undefined;
      let pattern: RegExp | undefined;
      for (const c of checks) {
        if (c.check === "min_length") min = c.minimum as number;
        else if (c.check === "max_length") max = c.maximum as number;
        else if (c.check === "length_equals") min = max = c.length as number;
        else if (c.check === "string_format" && c.pattern instanceof RegExp) pattern = c.pattern;
      }
      const custom = refined || checks.some((c) => c.check === "string_format" && !(c.pattern instanceof RegExp));
      return { t: "string", min, max, pattern, refined: leafRefined(custom) };
    }
    case "number": {
      let int = false;
      let min = -Number.MAX_VALUE;
      let max = Number.MAX_VALUE;
      for (const c of checks) {
        if (c.check === "number_format") int = ["safeint", "int32", "uint32"].includes(c.format as string);
        if (c.check === "number_format" && int) {
          min = Math.max(min, Number.MIN_SAFE_INTEGER);
          max = Math.min(max, Number.MAX_SAFE_INTEGER);
        }
        if (c.check === "greater_than")
          min = Math.max(min, (c.value as number) + (c.inclusive ? 0 : int ? 1 : Number.EPSILON));
        if (c.check === "less_than")
          max = Math.min(max, (c.value as number) - (c.inclusive ? 0 : int ? 1 : Number.EPSILON));
      }
      return {
        t: "number",
        int,
        min,
        max,
        refined: leafRefined(refined || checks.some((c) => c.check === "multiple_of")),
      };
    }
    case "int":
      return {
        t: "number",
        int: true,
        min: Number.MIN_SAFE_INTEGER,
        max: Number.MAX_SAFE_INTEGER,
        refined: leafRefined(refined),
      };
    case "boolean":
      return { t: "boolean" };
    case "null":
      return { t: "null" };
    case "literal":
      return { t: "values", values: def.values as unknown[] };
    case "enum":
      return { t: "values", values: Object.values(def.entries as Record<string, unknown>) };
    case "array": {
      let min = 0;
      let max: number | undefined;
      for (const c of checks) {
        if (c.check === "min_length") min = c.minimum as number;
        else if (c.check === "max_length") max = c.maximum as number;
        else if (c.check === "length_equals") min = max = c.length as number;
      }
      return { t: "array", item: shapeOf(def.element, field), min, max };
    }
    case "object": {
      const fields: Record<string, Shape> = {};
      for (const [k, v] of Object.entries(def.shape as Record<string, unknown>)) fields[k] = shapeOf(v, k);
      return { t: "object", strict: def.catchall !== undefined && defOf(def.catchall).type === "never", fields };
    }
    case "record": {
      const max = checks.find((c) => c.check === "max_size" || c.check === "max_length")?.maximum as number | undefined;
      return { t: "record", value: shapeOf(def.valueType, field), max };
    }
    case "optional":
    case "default":
    case "prefault":
      return { t: "optional", inner: shapeOf(def.innerType, field) };
    case "nullable":
      return { t: "nullable", inner: shapeOf(def.innerType, field) };
    case "readonly":
    case "nonoptional":
      return shapeOf(def.innerType, field);
    case "pipe":
      return shapeOf(def.in, field);
    case "union":
      return { t: "union", options: (def.options as unknown[]).map((o) => shapeOf(o, field)) };
    case "unknown":
    case "any":
      return { t: "unknown" };
    default:
      return { t: "unsupported", what: def.type };
  }
}

/** The JSON kinds a shape accepts at its position (an absent key is "undefined"). */
function kindsOf(s: Shape): Set<Kind> {
  switch (s.t) {
    case "string":
    case "number":
    case "boolean":
    case "null":
    case "array":
    case "object":
      return new Set([s.t]);
    case "record":
      return new Set(["object"]);
    case "values":
      return new Set(s.values.map(kindOfValue).filter((k): k is Kind => k !== "other"));
    case "optional":
      return new Set([...kindsOf(s.inner), "undefined"]);
    case "nullable":
      return new Set([...kindsOf(s.inner), "null"]);
    case "union":
      return new Set(s.options.flatMap((o) => [...kindsOf(o)]));
    case "unknown":
    case "unsupported":
      return new Set(ALL_KINDS);
  }
}

function kindOfValue(v: unknown): Kind | "other" {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  switch (typeof v) {
    case "string":
    case "number":
    case "boolean":
    case "undefined":
      return typeof v as Kind;
    case "object": {
      const proto: unknown = Object.getPrototypeOf(v);
      return proto === Object.prototype || proto === null ? "object" : "other";
    }
    default:
      return "other";
  }
}

/** Paths where a body lets anything through or has no size limit. */
function unboundedParts(s: Shape, path: string): string[] {
  switch (s.t) {
    case "string":
      return s.max !== undefined || (s.pattern && !/[*+]|\{\d+,\}/.test(s.pattern.source))
        ? []
        : [`${path}: string without a maximum length`];
    case "array":
      return [
        ...(s.max === undefined ? [`${path}: array without a maximum length`] : []),
        ...unboundedParts(s.item, `${path}[]`),
      ];
    case "record":
      return [
        ...(s.max === undefined ? [`${path}: record without a maximum size`] : []),
        ...unboundedParts(s.value, `${path}{}`),
      ];
    case "object":
      return [
        ...(s.strict ? [] : [`${path}: object that is not strict (unknown keys pass)`]),
        ...Object.entries(s.fields).flatMap(([k, v]) => unboundedParts(v, `${path}.${k}`)),
      ];
    case "optional":
    case "nullable":
      return unboundedParts(s.inner, path);
    case "union":
      return s.options.flatMap((o) => unboundedParts(o, path));
    case "unknown":
      return [`${path}: unvalidated (unknown/any)`];
    case "unsupported":
      return [`${path}: zod type "${s.what}" is not understood by commands.fuzz.test.ts`];
    default:
      return [];
  }
}

// ---------------------------------------------------------------------------------------------
// Generating valid bodies, and wrong values for a position
// ---------------------------------------------------------------------------------------------

/** Refined fields that have no valid example in EXAMPLES. */
function unsatisfiable(s: Shape): string[] {
  switch (s.t) {
    case "string":
    case "number":
      return s.refined && s.refined.examples.length === 0 ? [s.refined.field] : [];
    case "array":
      return s.min > 0 ? unsatisfiable(s.item) : [];
    case "object":
      return Object.values(s.fields).flatMap((f) => (kindsOf(f).has("undefined") ? [] : unsatisfiable(f)));
    case "union":
      return s.options.every((o) => unsatisfiable(o).length > 0) ? unsatisfiable(s.options[0]!) : [];
    default:
      return [];
  }
}

function validArb(s: Shape): fc.Arbitrary<unknown> {
  if ((s.t === "string" || s.t === "number") && s.refined && s.refined.examples.length > 0) {
    return fc.constantFrom(...s.refined.examples);
  }
  switch (s.t) {
    case "string": {
      if (s.pattern)
        return fc
          .stringMatching(s.pattern)
          .filter((x) => x.length >= s.min && (s.max === undefined || x.length <= s.max));
      const max = s.max ?? s.min + 64;
      return fc
        .oneof(
          {
            weight: 4,
            arbitrary: fc.string({ minLength: s.min, maxLength: Math.min(max, s.min + 24), unit: "grapheme" }),
          },
          // At the limit (zod counts code points), in one-, two- and three-byte UTF-8.
          {
            weight: 1,
            arbitrary: fc
              .tuple(fc.string({ maxLength: Math.min(max, 16), unit: "binary-ascii" }), fc.constantFrom("x", "é", "中"))
              .map(([head, pad]) => head + pad.repeat(max - head.length)),
          },
          {
            weight: 1,
            arbitrary: fc.string({ minLength: s.min, maxLength: Math.min(max, s.min + 24), unit: "binary" }),
          },
        )
        .filter((x) => x.length >= s.min && x.length <= max);
    }
    case "number":
      return s.int
        ? fc.oneof(
            fc.integer({ min: Math.ceil(s.min), max: Math.floor(s.max) }),
            fc.constantFrom(Math.ceil(s.min), Math.floor(s.max)),
          )
        : fc.double({ min: s.min, max: s.max, noNaN: true, noDefaultInfinity: true });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "values":
      return fc.constantFrom(...s.values);
    case "array":
      return fc.array(validArb(s.item), { minLength: s.min, maxLength: Math.min(s.max ?? s.min + 4, s.min + 4) });
    case "object": {
      // Optional fields without a valid example are left out.
      const optional = Object.entries(s.fields).filter(([, v]) => kindsOf(v).has("undefined"));
      const fields = Object.entries(s.fields).filter(
        ([k, v]) => !(optional.some(([o]) => o === k) && unsatisfiable(v).length > 0),
      );
      return fc.record(Object.fromEntries(fields.map(([k, v]) => [k, validArb(v.t === "optional" ? v.inner : v)])), {
        requiredKeys: fields.map(([k]) => k).filter((k) => !optional.some(([o]) => o === k)),
      });
    }
    case "record":
      return fc.dictionary(fc.string({ maxLength: 8 }), validArb(s.value), { maxKeys: Math.min(s.max ?? 4, 4) });
    case "optional":
      return fc.option(validArb(s.inner), { nil: undefined });
    case "nullable":
      return fc.option(validArb(s.inner), { nil: null });
    case "union": {
      const usable = s.options.filter((o) => unsatisfiable(o).length === 0);
      return fc.oneof(...(usable.length > 0 ? usable : s.options).map(validArb));
    }
    case "unknown":
    case "unsupported":
      return fc.jsonValue();
  }
}

const HOSTILE_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "then"];

/** A value of each JSON kind, for putting the wrong kind somewhere. */
const valueOfKind: Record<Kind, fc.Arbitrary<unknown>> = {
  string: fc.oneof(fc.string(), fc.constantFrom("", "1", "true", "null", "{}", "[]")),
  number: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, 1, -1, 1e308, -1e308, 2 ** 53, 2 ** 64)),
  boolean: fc.boolean(),
  null: fc.constant(null),
  array: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  object: fc.oneof(
    fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
    fc.constant({}),
  ),
  undefined: fc.constant(undefined),
};

/**
 * JSON as the gateway receives it: text parsed by JSON.parse, so hostile keys such as "__proto__" are
 * own properties. (Bodies only ever come from JSON.parse, so non-JSON values are checked for throws only:
 * zod's object check, for example, lets a Set or a boxed number through an empty strict object.)
 */
const { json: jsonTextArb } = fc.letrec<{ json: string; prim: string; arr: string; obj: string }>((tie) => ({
  json: fc.oneof({ depthSize: "small", withCrossShrink: true }, tie("prim"), tie("arr"), tie("obj")),
  prim: fc.oneof(
    fc.jsonValue({ maxDepth: 0 }).map((v) => JSON.stringify(v)),
    fc.constantFrom(
      "1e400",
      "-1e400",
      "1e-400",
      "-0",
      "9007199254740993",
      "0.0000001",
      "123456789012345678901234567890",
    ),
  ),
  arr: fc.array(tie("json"), { maxLength: 4 }).map((xs) => `[${xs.join(",")}]`),
  obj: fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 8 })), tie("json")), {
      maxLength: 4,
    })
    .map((es) => `{${es.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`),
}));
const jsonArb = jsonTextArb.map((text) => JSON.parse(text) as unknown);

/** Every position in `value` that `s` describes, with the shape expected there. */
function positions(
  s: Shape,
  value: unknown,
  path: (string | number)[] = [],
): { path: (string | number)[]; shape: Shape }[] {
  const here = [{ path, shape: s }];
  const inner = s.t === "optional" || s.t === "nullable" ? s.inner : s;
  if (inner.t === "object" && kindOfValue(value) === "object") {
    const obj = value as Record<string, unknown>;
    return [...here, ...Object.entries(inner.fields).flatMap(([k, f]) => positions(f, obj[k], [...path, k]))];
  }
  if (inner.t === "array" && Array.isArray(value)) {
    return [...here, ...value.flatMap((v, i) => positions(inner.item, v, [...path, i]))];
  }
  return here;
}

function setAt(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const copy = (Array.isArray(value) ? [...(value as unknown[])] : { ...(value as object) }) as Record<
    string | number,
    unknown
  >;
  const next = setAt(copy[head!], rest, replacement);
  if (next === undefined && !Array.isArray(copy)) delete copy[head!];
  else copy[head!] = next;
  return copy;
}

/** Defines an own, enumerable key the way JSON.parse does, even for "__proto__". */
function withOwnKey(obj: object, key: string, v: unknown): object {
  const copy = { ...obj };
  Object.defineProperty(copy, key, { value: v, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** Checks an accepted input against the shape by JSON kind and strictness only (independent of zod). */
function conforms(s: Shape, v: unknown): boolean {
  const kind = kindOfValue(v);
  if (kind === "other") return false;
  if (!kindsOf(s).has(kind)) return false;
  switch (s.t) {
    case "optional":
    case "nullable":
      return v === undefined || v === null ? true : conforms(s.inner, v);
    case "union":
      return s.options.some((o) => conforms(o, v));
    case "array":
      return (
        (v as unknown[]).length === Object.keys(v as object).length &&
        (v as unknown[]).every((x) => conforms(s.item, x))
      );
    case "object": {
      const obj = v as Record<string, unknown>;
      if (s.strict && Object.keys(obj).some((k) => !Object.hasOwn(s.fields, k))) return false;
      return Object.entries(s.fields).every(([k, f]) => conforms(f, Object.hasOwn(obj, k) ? obj[k] : undefined));
    }
    case "record":
      return Object.values(v as object).every((x) => conforms(s.value, x));
    default:
      return true;
  }
}

// ---------------------------------------------------------------------------------------------
// The properties, for every command
// ---------------------------------------------------------------------------------------------

const commands = Object.entries(COMMANDS).map(([type, spec]) => ({
  type,
  body: spec.body as z.ZodType,
  shape: shapeOf(spec.body),
}));

/** Never throws; an accepted value must conform to the shape by kind and strictness. */
function check(body: z.ZodType, shape: Shape, input: unknown): boolean {
  let result: ReturnType<z.ZodType["safeParse"]>;
  try {
    // What the gateway and the services use on untrusted bodies (zod 4 alone throws on some).
    result = parseUntrusted(body, input);
  } catch (err) {
    throw new Error(`parsing threw ${String(err)}`, { cause: err });
  }
  if (result.success && !conforms(shape, input))
    throw new Error("accepted a value of the wrong type or with unknown keys");
  return result.success;
}

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
