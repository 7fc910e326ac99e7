import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { startCheckpointer } from "./checkpointer.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "checkpointer-"));
  dirs.push(dir);
  return path.join(dir, "db.sqlite");
}

describe("startCheckpointer (the worker module runs from the sources)", () => {
  it("folds the WAL into the database file while the writer's own autocheckpoint is off", async () => {
    const file = tempFile();
    const sqlite = new Database(file);
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("wal_autocheckpoint = 0");
    sqlite.exec("CREATE TABLE t (x TEXT)");
    const before = statSync(file).size;
    const insert = sqlite.prepare("INSERT INTO t VALUES (?)");
    sqlite.transaction(() => {
      for (let i = 0; i < 2000; i++) insert.run("x".repeat(100));
    })();
    expect(statSync(file).size).toBe(before);
    const errors: string[] = [];
    const checkpointer = startCheckpointer(file, 20, (m) => errors.push(m));
    await expect.poll(() => statSync(file).size, { timeout: 10_000 }).toBeGreaterThan(before);
    await checkpointer.stop();
    await checkpointer.stop(); // stopping twice is harmless
    sqlite.close();
    expect(errors).toEqual([]);
  });

  it("reports a database it cannot open", async () => {
    const errors: string[] = [];
    const checkpointer = startCheckpointer(path.join(tempFile(), "missing"), 20, (m) => errors.push(m));
    await expect.poll(() => errors.length, { timeout: 10_000 }).toBe(1);
    await checkpointer.stop();
  });
});
