#!/usr/bin/env node
// Runs the Prisma CLI from the repo root so it never tries to download engine binaries:
// the JS engine and the better-sqlite3 adapter (prisma.config.ts) need none.
//   node scripts/prisma.mjs generate | migrate deploy | migrate status ...
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

// `migrate deploy` creates the database on first run (compose's migrate job, npm start): owner only.
process.umask(0o077);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = path.join(root, "node_modules", ".bin", "prisma");
const env = {
  ...process.env,
  PRISMA_QUERY_ENGINE_LIBRARY: "/bin/false",
  PRISMA_SCHEMA_ENGINE_BINARY: "/bin/false",
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
  CHECKPOINT_DISABLE: "1",
  DATABASE_URL: process.env.DATABASE_URL ?? "file:./data/sealroom.db",
};
const r = spawnSync(bin, process.argv.slice(2), { cwd: root, env, stdio: "inherit" });
process.exit(r.status ?? 1);
