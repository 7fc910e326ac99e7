/**
 * The command fuzz suite's generators (commands.fuzz.test.ts): valid bodies for a `Shape`, values
 * of the wrong JSON kind, hostile JSON, the positions of a body and edits at them, and `check`, which
 * parses as the trust boundaries do and fails when an accepted value does not conform.
 */
import fc from "fast-check";
import type { z } from "zod";
import { parseUntrusted } from "../parse.js";
import { kindOfValue, kindsOf, type Kind, type Shape } from "./schema-shape.js";

/** Refined fields that have no valid example in EXAMPLES. */
export function unsatisfiable(s: Shape): string[] {
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

export function validArb(s: Shape): fc.Arbitrary<unknown> {
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

export const HOSTILE_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "then"];

/** A value of each JSON kind, for putting the wrong kind somewhere. */
export const valueOfKind: Record<Kind, fc.Arbitrary<unknown>> = {
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
export const jsonArb = jsonTextArb.map((text) => JSON.parse(text) as unknown);

/** Every position in `value` that `s` describes, with the shape expected there. */
export function positions(
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

export function setAt(value: unknown, path: (string | number)[], replacement: unknown): unknown {
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
export function withOwnKey(obj: object, key: string, v: unknown): object {
  const copy = { ...obj };
  Object.defineProperty(copy, key, { value: v, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** Checks an accepted input against the shape by JSON kind and strictness only (independent of zod). */
export function conforms(s: Shape, v: unknown): boolean {
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

/** Never throws; an accepted value must conform to the shape by kind and strictness. */
export function check(body: z.ZodType, shape: Shape, input: unknown): boolean {
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
