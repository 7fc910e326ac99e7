#!/usr/bin/env node
// Imports the original Python chat room's database (chat.db) into Sealroom: users with their
// passwords, friendships, groups and history, idempotently, with a report of what was renamed or
// skipped. docs/SEED-IMPORT.md describes the source and every rule.
//   npm run db:import-seed -- path/to/chat.db [--timezone Europe/Berlin] [--json]
// The target is DATABASE_URL (default file:./data/sealroom.db), migrated first (npm run db:migrate).
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
if (!existsSync(path.join(root, "packages/ops/dist/index.js"))) {
  console.error("import-seed: packages/ops is not built: run `npm run build` first");
  process.exit(1);
}
const { importSeedCli } = await import("@sealroom/ops");
process.exitCode = await importSeedCli(process.argv.slice(2), process.env);
