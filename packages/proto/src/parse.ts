import { z } from "zod";

/**
 * `safeParse` for untrusted input that never throws. zod 4 runs a string's length checks even on a
 * value that is not a string, and JSON such as `{"length":{"toString":false}}` makes them throw
 * (found by the command fuzz suite); every such value is simply invalid.
 */
export function parseUntrusted<T extends z.ZodType>(schema: T, input: unknown): z.ZodSafeParseResult<z.output<T>> {
  try {
    return schema.safeParse(input) as z.ZodSafeParseResult<z.output<T>>;
  } catch {
    return {
      success: false,
      error: new z.ZodError([{ code: "custom", message: "not a valid value", path: [], input }]),
    } as z.ZodSafeParseResult<z.output<T>>;
  }
}
