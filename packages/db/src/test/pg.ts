/**
 * For this package's own tests: a scratch PostgreSQL database on the server of the tests
 * (SEALROOM_TEST_PG_URL, default postgresql://postgres@127.0.0.1:5432/postgres). @sealroom/testkit
 * has the full harness, but depends on this package. Not exported from the package.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const TEST_PG_URL = process.env.SEALROOM_TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export async function pgAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function admin<T>(op: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    return await op(client);
  } finally {
    await client.end();
  }
}

/** An empty database of its own, and how to drop it. */
export async function scratchPostgres(label: string): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `sealroom_t_${label}_${randomBytes(6).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}
