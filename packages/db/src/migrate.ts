import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { engineOf } from "./engine.js";
import { migratePostgres, type PostgresMigrateOptions } from "./migrate-pg.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * Applies the committed migrations of the url's engine: SQLite with `prisma migrate deploy`
 * (prisma/migrations), PostgreSQL with our runner (prisma/postgresql/migrations, migrate-pg.ts).
 * Rejects with the CLI's output, or the runner's error, when it fails.
 */
export async function migrateDatabase(
  url: string,
  root = repoRoot,
  options: PostgresMigrateOptions = {},
): Promise<void> {
  if (engineOf(url) === "postgresql") {
    await migratePostgres(url, { dir: path.join(root, "prisma/postgresql/migrations"), ...options });
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, "scripts/prisma.mjs"), "migrate", "deploy"], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`prisma migrate deploy failed (${code}):\n${output}`)),
    );
  });
}
