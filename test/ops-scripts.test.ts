/**
 * The operator's scripts: `npm run db:backup` takes a consistent copy while another process keeps
 * writing, and scripts/gateway-key.mjs creates a key once (even with several replicas racing, as
 * the compose keygen job and gateways might), then rotates it with next/promote.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, describe, expect, test } from "vitest";
import { freePort, sqliteFile, startNats, tempDatabase } from "@sealroom/testkit";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});
const tempDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sealroom-ops-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

/** `node script args` under the usual umask 022, as an operator's shell runs it (sh execs node: same pid). */
const spawnNode = (script: string, args: string[], env: NodeJS.ProcessEnv) =>
  spawn("/bin/sh", ["-c", 'umask 022 && exec "$@"', "sh", process.execPath, path.join(root, script), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
  });

function node(script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawnNode(script, args, env);
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

describe("db-backup", () => {
  test("copies a database that is being written to: a consistent, integrity-checked snapshot", async () => {
    const database = await tempDatabase();
    cleanup.push(() => database.remove());
    const writer = new Database(sqliteFile(database));
    writer.pragma("journal_mode = WAL");
    writer.exec(`CREATE TABLE "Probe" (n INTEGER NOT NULL)`);
    const insert = writer.prepare(`INSERT INTO "Probe" (n) VALUES (?)`);
    const many = writer.transaction((from: number) => {
      for (let i = 0; i < 500; i++) insert.run(from + i);
    });
    let written = 0;
    const load = setInterval(() => {
      many(written);
      written += 500;
    }, 1);

    const dest = path.join(tempDir(), "backup.db");
    const result = await node("scripts/db-backup.mjs", [dest], { DATABASE_URL: database.url });
    clearInterval(load);
    writer.close();
    expect(result.code, result.out).toBe(0);
    expect(result.out).toMatch(/integrity ok/);
    expect(written).toBeGreaterThan(0);

    const copy = new Database(dest, { readonly: true });
    const { count, max } = copy.prepare(`SELECT count(*) AS count, max(n) AS max FROM "Probe"`).get() as {
      count: number;
      max: number | null;
    };
    copy.close();
    // Whole transactions only: rows 0..count-1, a multiple of the batch.
    expect(count % 500).toBe(0);
    if (count > 0) expect(max).toBe(count - 1);
    expect(readdirSync(path.dirname(dest))).toEqual(["backup.db"]);
  });

  test("refuses to overwrite a backup and to back up a database that does not exist", async () => {
    const dir = tempDir();
    const missing = await node("scripts/db-backup.mjs", [path.join(dir, "b.db")], {
      DATABASE_URL: `file:${path.join(dir, "none.db")}`,
    });
    expect(missing.code).toBe(1);
    expect(missing.out).toMatch(/does not exist/);
  });
});

describe("file modes: nothing Sealroom writes is readable by other local users", () => {
  const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);

  test("db:backup writes its backup 0600 in a backups directory it creates 0700 (they were 0644 and 0755)", async () => {
    const database = await tempDatabase();
    cleanup.push(() => database.remove());
    const result = await node("scripts/db-backup.mjs", [], { DATABASE_URL: database.url });
    expect(result.code, result.out).toBe(0);
    const backups = path.join(path.dirname(sqliteFile(database)), "backups");
    expect(mode(backups)).toBe("700");
    const [name] = readdirSync(backups);
    expect(mode(path.join(backups, name!))).toBe("600");
  });

  test("migrate creates the database 0600, and a service its WAL and SHM 0600 (as in the images)", async () => {
    const dir = tempDir();
    const url = `file:${path.join(dir, "sealroom.db")}`;
    const migrated = await node("scripts/migrate.mjs", [], { DATABASE_URL: url });
    expect(migrated.code, migrated.out).toBe(0);
    expect(mode(path.join(dir, "sealroom.db"))).toBe("600");

    const nats = await startNats();
    cleanup.push(() => void nats.stop());
    const port = await freePort();
    const service = spawnNode("services/chat/dist/main.js", [], {
      NATS_URL: nats.url,
      DATABASE_URL: url,
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: String(port),
      LOG_LEVEL: "warn",
    });
    let out = "";
    service.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise((resolve) => service.once("exit", resolve));
    try {
      for (let i = 0; !existsSync(path.join(dir, "sealroom.db-shm")); i++) {
        if (service.exitCode !== null || i > 300)
          throw new Error(`the chat service did not open the database:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(mode(path.join(dir, "sealroom.db-wal"))).toBe("600");
      expect(mode(path.join(dir, "sealroom.db-shm"))).toBe("600");
    } finally {
      service.kill("SIGTERM");
      await exited;
    }
  });
});

/** A chat service process on `url` (holding the database open, as a running deployment does). */
async function runningService(url: string) {
  const nats = await startNats();
  const port = await freePort();
  const service = spawnNode("services/chat/dist/main.js", [], {
    NATS_URL: nats.url,
    DATABASE_URL: url,
    HTTP_HOST: "127.0.0.1",
    HTTP_PORT: String(port),
    LOG_LEVEL: "warn",
  });
  let out = "";
  service.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise((resolve) => service.once("exit", resolve));
  const stop = async () => {
    service.kill("SIGTERM");
    await exited;
    await nats.stop();
  };
  cleanup.push(() => void stop());
  for (let i = 0; ; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (service.exitCode !== null || i > 300) throw new Error(`the chat service did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { stop };
}

describe("migrate (npm run db:migrate, compose's migrate job)", () => {
  const migrate = (url: string) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn("npm", ["run", "--silent", "db:migrate"], {
        cwd: root,
        env: { ...process.env, DATABASE_URL: url },
      });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      child.on("exit", (code) => resolve({ code, out }));
    });

  test("succeeds with nothing to do while services hold the database open (every compose up re-runs it)", async () => {
    const database = await tempDatabase();
    cleanup.push(() => database.remove());
    const service = await runningService(database.url);
    const result = await migrate(database.url);
    expect(result.code, result.out).toBe(0);
    expect(result.out).toMatch(/up to date/);
    await service.stop();
  });

  test("with a migration pending while services run: exits 1 with one line saying what to do", async () => {
    const database = await tempDatabase();
    cleanup.push(() => database.remove());
    // The last migration not yet recorded, as after pulling a newer version.
    const db = new Database(sqliteFile(database));
    const last = db
      .prepare(`SELECT migration_name AS name FROM _prisma_migrations ORDER BY migration_name DESC LIMIT 1`)
      .get() as { name: string };
    db.prepare(`DELETE FROM _prisma_migrations WHERE migration_name = ?`).run(last.name);
    db.close();
    const service = await runningService(database.url);
    const result = await migrate(database.url);
    expect(result.code).toBe(1);
    const lines = result.out.trim().split("\n");
    expect(lines, result.out).toHaveLength(1);
    expect(lines[0]).toContain(last.name);
    expect(lines[0]).toMatch(/docker compose stop auth chat social/);
    expect(result.out).not.toMatch(/WASM_ERROR|SocketTimeout/);
    await service.stop();
  });
});

describe("gateway-key", () => {
  const fingerprint = (out: string) => /fingerprint ([0-9a-f:]+)/.exec(out)?.[1];

  test("ensure creates one key even when several run at once, and keeps it afterwards", async () => {
    const file = path.join(tempDir(), "keys", "gateway-key.pem");
    const runs = await Promise.all(
      Array.from({ length: 4 }, () => node("scripts/gateway-key.mjs", ["ensure", "--file", file])),
    );
    for (const r of runs) expect(r.code, r.out).toBe(0);
    expect(runs.filter((r) => r.out.startsWith("created"))).toHaveLength(1);
    expect(new Set(runs.map((r) => fingerprint(r.out))).size).toBe(1);
    const again = await node("scripts/gateway-key.mjs", ["ensure", "--file", file]);
    expect(again.out).toMatch(/^kept/);
    expect(fingerprint(again.out)).toBe(fingerprint(runs[0]!.out));
    expect(readdirSync(path.dirname(file))).toEqual(["gateway-key.pem"]);
  });

  test("next then promote replaces the key and keeps the old one aside", async () => {
    const file = path.join(tempDir(), "gateway-key.pem");
    const first = fingerprint((await node("scripts/gateway-key.mjs", ["ensure", "--file", file])).out);
    const next = await node("scripts/gateway-key.mjs", ["next", "--file", file]);
    expect(next.code).toBe(0);
    const nextFp = fingerprint(next.out);
    expect(nextFp).not.toBe(first);
    // Nothing changed for running gateways until promote.
    expect(fingerprint((await node("scripts/gateway-key.mjs", ["show", "--file", file])).out)).toBe(first);
    const oldPem = readFileSync(file, "utf8");
    const promoted = await node("scripts/gateway-key.mjs", ["promote", "--file", file]);
    expect(promoted.code, promoted.out).toBe(0);
    expect(fingerprint((await node("scripts/gateway-key.mjs", ["show", "--file", file])).out)).toBe(nextFp);
    const kept = readdirSync(path.dirname(file)).filter((f) => f.endsWith(".old"));
    expect(kept).toHaveLength(1);
    expect(readFileSync(path.join(path.dirname(file), kept[0]!), "utf8")).toBe(oldPem);
    expect(existsSync(`${file}.next`)).toBe(false);
  });
});
