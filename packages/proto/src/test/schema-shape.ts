/**
 * The command fuzz suite's reading of a zod schema (commands.fuzz.test.ts): a body schema as a
 * `Shape` (through zod's public definitions, `_zod.def`), the JSON kinds each position accepts, and
 * the positions without a size limit. A zod feature this module does not understand is reported by
 * name rather than silently skipped.
 */
import type { z } from "zod";

export type Kind = "string" | "number" | "boolean" | "null" | "array" | "object" | "undefined";
export const ALL_KINDS: readonly Kind[] = ["string", "number", "boolean", "null", "array", "object", "undefined"];

export type Shape =
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
export interface Refined {
  field: string;
  examples: unknown[];
}

/**
 * Valid values of refined fields, by field name. A new refined field needs an entry here, or the
 * "generated valid bodies" test of its command says so.
 */
export const EXAMPLES: Record<string, unknown[]> = {
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

export function shapeOf(schema: unknown, field = "body"): Shape {
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
export function kindsOf(s: Shape): Set<Kind> {
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

export function kindOfValue(v: unknown): Kind | "other" {
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
export function unboundedParts(s: Shape, path: string): string[] {
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
      return [`${path}: zod type "${s.what}" is not understood by test/schema-shape.ts`];
    default:
      return [];
  }
}
