#!/usr/bin/env node
// Moves an installation from SQLite to PostgreSQL (or another SQLite file): copies a consistent
// snapshot of the source into an EMPTY, migrated target, table by table in batches, moves
// PostgreSQL's id sequences past the copied ids, then verifies row counts and every conversation's
// seq range on both sides. Refuses a target that holds any row.
//   DATABASE_URL=postgresql://... npm run db:migrate
//   npm run db:copy -- --from file:data/sealroom.db --to postgresql://user@host/sealroom [--batch 1000]
// Then point every service's DATABASE_URL at the target. docs/DEPLOYMENT.md, "Moving to PostgreSQL".
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
if (!existsSync(path.join(root, "packages/ops/dist/index.js"))) {
  console.error("db-copy: packages/ops is not built: run `npm run build` first");
  process.exit(1);
}
const { dbCopyCli } = await import("@sealroom/ops");
process.exitCode = await dbCopyCli(process.argv.slice(2));
