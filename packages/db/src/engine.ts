/**
 * Which database engine a DATABASE_URL names: `file:` is SQLite (the embedded default), `postgresql://`
 * or `postgres://` is PostgreSQL. No Prisma import here: env modules and scripts may use it cheaply.
 */
export type Engine = "sqlite" | "postgresql";

const POSTGRES = /^postgres(ql)?:\/\/.+/;
const SQLITE = /^file:.+/;

/** Whether `url` names a database Sealroom can open (used by the services' env schemas). */
export function isDatabaseUrl(url: string): boolean {
  return SQLITE.test(url) || POSTGRES.test(url);
}

/** What the env schemas say when DATABASE_URL is neither. */
export const DATABASE_URL_HINT =
  "must be file:/path/to/sealroom.db (SQLite) or postgresql://user@host:5432/db (PostgreSQL)";

export function engineOf(url: string): Engine {
  if (SQLITE.test(url)) return "sqlite";
  if (POSTGRES.test(url)) return "postgresql";
  throw new Error(`DATABASE_URL ${DATABASE_URL_HINT}, not ${JSON.stringify(redactUrl(url))}`);
}

/** The url without its password, for logs and errors. */
export function redactUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:@/]*:)[^@/]*@/, "$1***@");
}
