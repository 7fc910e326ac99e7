import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrateDatabase } from "@sealroom/db";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** Hash of every committed migration, so a changed schema gets a new template. */
function migrationsHash(): string {
  const dir = path.join(root, "prisma/migrations");
  const h = createHash("sha256");
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name, "migration.sql");
    if (existsSync(file)) h.update(name).update(readFileSync(file));
  }
  return h.digest("hex").slice(0, 16);
}

let template: Promise<string> | undefined;

/** A migrated empty database, built once per schema with `prisma migrate deploy` and then copied. */
function templateDb(): Promise<string> {
  template ??= (async () => {
    const file = path.join(os.tmpdir(), `sealroom-template-${migrationsHash()}.db`);
    if (existsSync(file)) return file;
    const tmp = `${file}.${process.pid}.${Date.now()}`;
    await migrateDatabase(`file:${tmp}`);
    renameSync(tmp, file);
    return file;
  })();
  return template;
}

export interface TempDb {
  url: string;
  file: string;
  remove(): void;
}

/** A fresh, migrated SQLite file in its own temp dir. */
export async function tempDatabase(): Promise<TempDb> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sealroom-db-"));
  const file = path.join(dir, "sealroom.db");
  copyFileSync(await templateDb(), file);
  return { url: `file:${file}`, file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
