/**
 * A statement as written once in our SQL (positional `?` parameters, double-quoted identifiers)
 * and what each engine runs: SQLite the text as written, PostgreSQL the same text with `?`
 * rewritten to `$1, $2, ...` here, once, when the statement is defined. A statement whose text
 * must differ between the engines (a row lock that SQLite does not have) gives both texts.
 */
export type Dialect = "sqlite" | "postgresql";

/**
 * What a parameter may be on both engines. A Buffer is a BLOB (SQLite) or bytea (PostgreSQL), and
 * such a column comes back as a Buffer on both.
 */
export type SqlParam = string | number | bigint | boolean | Buffer | null;

/** `R` is the row type `get`/`all` resolve with; `P` the parameters, in order. */
export interface Statement<P extends readonly SqlParam[] = SqlParam[], R = Record<string, unknown>> {
  /** Unique in the process: the slot of its prepared form on each connection. */
  readonly id: number;
  readonly sqlite: string;
  /** With `$n` parameters. */
  readonly postgresql: string;
  /** The name of PostgreSQL's prepared statement (each pooled connection prepares it once). */
  readonly name: string | undefined;
  /** Phantom (never set): keeps P and R in the type. */
  _types?(params: P): R;
}

/** Any statement, whatever its parameters and rows. */
export type AnyStatement = Statement<readonly SqlParam[], unknown>;

let nextId = 0;

/**
 * Defines a statement. Defined statements are prepared once per connection (SQLite) or per pooled
 * connection (PostgreSQL named statements): define them once, at module level, not per call.
 */
export function sql<P extends readonly SqlParam[] = [], R = Record<string, unknown>>(
  text: string | { sqlite: string; postgresql: string },
): Statement<P, R> {
  const id = nextId++;
  const both = typeof text === "string" ? { sqlite: text, postgresql: text } : text;
  return { id, sqlite: both.sqlite, postgresql: toDollarParams(both.postgresql), name: `sr${id}` };
}

/** An ad-hoc statement (a string passed to get/all/run): not named, so PostgreSQL does not keep it. */
export function adHoc(text: string): Statement {
  return { id: -1, sqlite: text, postgresql: toDollarParams(text), name: undefined };
}

/**
 * `?` -> `$1, $2, ...`, leaving string literals, quoted identifiers and comments alone. Refuses
 * a text that already has `$n` parameters (one statement, one convention).
 */
export function toDollarParams(text: string): string {
  let out = "";
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      const stop = end < 0 ? text.length : end;
      out += text.slice(i, stop + 1);
      i = stop;
    } else if (c === "-" && text[i + 1] === "-") {
      const end = text.indexOf("\n", i);
      const stop = end < 0 ? text.length : end;
      out += text.slice(i, stop);
      i = stop - 1;
    } else if (c === "?") {
      out += `$${++n}`;
    } else if (c === "$" && /\d/.test(text[i + 1] ?? "")) {
      throw new Error(`write parameters as ? (found $${text[i + 1]}): ${text}`);
    } else {
      out += c;
    }
  }
  return out;
}
