/** prisma/postgresql/schema.prisma is generated from prisma/schema.prisma and must match it. */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

test("the PostgreSQL schema is in sync with prisma/schema.prisma (node scripts/pg-schema.mjs)", () => {
  const check = spawnSync(process.execPath, [path.join(root, "scripts/pg-schema.mjs"), "--check"], {
    encoding: "utf8",
  });
  expect(check.stderr).toBe("");
  expect(check.status).toBe(0);
});
