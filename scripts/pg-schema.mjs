#!/usr/bin/env node
// prisma/schema.prisma is the one data model. prisma/postgresql/schema.prisma is derived from it
// (provider and client output rewritten, nothing else) so that Prisma generates the PostgreSQL
// client and diffs PostgreSQL migrations from the same models.
//   node scripts/pg-schema.mjs          writes prisma/postgresql/schema.prisma
//   node scripts/pg-schema.mjs --check  exits 1 when the committed copy is out of date (the db build runs this)
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const source = path.join(root, "prisma/schema.prisma");
const target = path.join(root, "prisma/postgresql/schema.prisma");

/** Replaces exactly one match of `pattern` in `text`, or throws: a schema edit must not silently skip a rewrite. */
function replaceOnce(text, pattern, replacement) {
  const matches = text.match(new RegExp(pattern.source, `${pattern.flags.replace("g", "")}g`)) ?? [];
  if (matches.length !== 1)
    throw new Error(`pg-schema: expected one match of ${pattern} in prisma/schema.prisma, found ${matches.length}`);
  return text.replace(pattern, replacement);
}

export function postgresSchema(text) {
  let out = replaceOnce(text, /^(\s*provider\s*=\s*)"sqlite"/m, '$1"postgresql"');
  out = replaceOnce(
    out,
    /^(\s*output\s*=\s*)"\.\.\/packages\/db\/src\/generated\/prisma"/m,
    '$1"../../packages/db/src/generated/postgresql"',
  );
  const header = [
    "// GENERATED from prisma/schema.prisma by scripts/pg-schema.mjs: do not edit. Edit prisma/schema.prisma,",
    "// then run `node scripts/pg-schema.mjs` (the @sealroom/db build refuses a stale copy).",
    "",
  ].join("\n");
  return header + out;
}

const wanted = postgresSchema(readFileSync(source, "utf8"));
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(target, "utf8");
  } catch {
    // missing: out of date
  }
  if (current !== wanted) {
    console.error(
      "pg-schema: prisma/postgresql/schema.prisma is out of date with prisma/schema.prisma: run `node scripts/pg-schema.mjs`",
    );
    process.exit(1);
  }
} else {
  writeFileSync(target, wanted);
}
