import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

// The CLI runs with the JS engine and this adapter: no engine binaries are downloaded.
// Run it with PRISMA_QUERY_ENGINE_LIBRARY=/bin/false PRISMA_SCHEMA_ENGINE_BINARY=/bin/false
// (scripts/prisma.mjs sets them) so that it never tries.
const url = process.env.DATABASE_URL ?? "file:./data/sealroom.db";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  adapter: async () => new PrismaBetterSQLite3({ url }),
});
