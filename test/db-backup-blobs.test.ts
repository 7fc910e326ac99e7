/**
 * `npm run db:backup` with attachments, and `npm run db:restore-blobs`: real nats-server processes
 * with JetStream and the deployment's users and permissions (deploy/nats/local.conf, as `npm start`
 * runs it), a real SQLite file. Files sealed as a device seals them; after the restore into a fresh
 * store, the chunks read back from it open with the file's key.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Objm, type ObjectStore } from "@nats-io/obj";
import { connect } from "@nats-io/transport-node";
import Database from "better-sqlite3";
import {
  AttachmentOpener,
  AttachmentSealer,
  attachmentChunkCount,
  attachmentChunkRange,
  attachmentCipherSize,
  newAttachmentKey,
} from "@sealroom/e2e";
import { afterEach, describe, expect, test } from "vitest";
import { freePort, sqliteFile, tempDatabase } from "@sealroom/testkit";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});
const tempDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sealroom-blobs-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};
const ROLES = ["gateway", "auth", "chat", "social", "ops"];

/** nats-server as `npm start` runs it: local.conf (auth.conf's users), JetStream, a fresh store. */
async function startNats() {
  const dir = tempDir();
  const port = await freePort();
  const chat = `p${randomBytes(12).toString("hex")}`;
  const ops = `p${randomBytes(12).toString("hex")}`;
  const password = (role: string) => ({ chat, ops })[role] ?? `p${randomBytes(12).toString("hex")}`;
  const env = { ...process.env };
  for (const r of ROLES) env[`NATS_${r.toUpperCase()}_PASSWORD`] = password(r);
  const args = ["-c", path.join(root, "deploy/nats/local.conf"), "-a", "127.0.0.1", "-p", String(port)];
  const child = spawn(process.env.NATS_SERVER_BIN ?? "nats-server", [...args, "-js", "-sd", dir], {
    env,
    stdio: "ignore",
  });
  const exited = new Promise((r) => child.once("exit", r));
  cleanup.push(async () => {
    child.kill("SIGTERM");
    await exited;
  });
  const url = `nats://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const nc = await connect({ servers: url, user: "chat", pass: chat, inboxPrefix: "_INBOX.chat" }).catch(
      () => undefined,
    );
    if (nc) {
      cleanup.push(() => nc.close());
      const bucket = await new Objm(nc).create("sealroom-blobs", { storage: "file", replicas: 1 });
      return { url, password: chat, opsPassword: ops, nc, bucket };
    }
    if (i > 100) throw new Error("nats-server did not start");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `node script args` as an operator runs it. */
function node(script: string, args: string[], env: NodeJS.ProcessEnv) {
  const clean = { ...process.env };
  for (const k of ["NATS_URL", "NATS_USER", "NATS_PASSWORD", "NATS_TOKEN", "DATA_DIR", "DATABASE_URL"]) delete clean[k];
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(root, script), ...args], { cwd: root, env: { ...clean, ...env } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

interface Sealed {
  id: string;
  key: Uint8Array;
  plain: Uint8Array;
  chunks: Uint8Array[];
}

/** A file sealed as a device seals it, its chunks put as the chat service puts them, its row inserted. */
async function storeFile(db: Database.Database, bucket: ObjectStore, size: number, committed = true): Promise<Sealed> {
  const id = randomBytes(16).toString("base64url");
  const plain = new Uint8Array(randomBytes(size));
  const key = newAttachmentKey();
  const sealer = await AttachmentSealer.create(key);
  const n = attachmentChunkCount(size);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const { start, end } = attachmentChunkRange(size, i);
    const sealed = await sealer.seal(i, i === n - 1, plain.subarray(start, end));
    await bucket.putBlob({ name: `${id}.${i}` }, sealed);
    chunks.push(sealed);
  }
  db.prepare(
    `INSERT INTO "Blob" ("id", "uploaderId", "conversationId", "size", "chunks", "createdMs", "committedMs") VALUES (?, 1, 'dm:1:2', ?, ?, ?, ?)`,
  ).run(id, attachmentCipherSize(size), n, Date.now(), committed ? Date.now() : null);
  return { id, key, plain, chunks };
}

async function opensFrom(bucket: ObjectStore, file: Sealed): Promise<Uint8Array> {
  const opener = await AttachmentOpener.create(file.key);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < file.chunks.length; i++) {
    const sealed = await bucket.getBlob(`${file.id}.${i}`);
    if (!sealed) throw new Error(`${file.id}.${i} is not in the store`);
    parts.push(await opener.open(i, i === file.chunks.length - 1, sealed));
  }
  return Buffer.concat(parts);
}

const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);

async function databaseWithBlobs() {
  const database = await tempDatabase("sqlite");
  cleanup.push(() => database.remove());
  return { url: database.url, db: new Database(sqliteFile(database)) };
}

describe("db:backup with the attachments' blobs, and db:restore-blobs", () => {
  test("backs up the complete blobs the snapshot names, restores them into a fresh store where they open", async () => {
    const a = await startNats();
    const { url, db } = await databaseWithBlobs();
    const empty = await storeFile(db, a.bucket, 0);
    const big = await storeFile(db, a.bucket, 100 * 1024 + 7); // 4 chunks
    const gone = await storeFile(db, a.bucket, 10);
    const uploading = await storeFile(db, a.bucket, 10, false);
    // A row that does not match its chunks (as after a bug or a store restored from elsewhere).
    const wrong = await storeFile(db, a.bucket, 20);
    db.prepare(`UPDATE "Blob" SET "size" = "size" + 1 WHERE "id" = ?`).run(wrong.id);
    db.close();
    // Deleted after the rows were written (as a snapshot may see): reported, not fatal.
    await a.bucket.delete(`${gone.id}.0`);

    // Found as `npm start` leaves it: the chat role's address and password in DATA_DIR.
    const dataDir = tempDir();
    writeFileSync(
      path.join(dataDir, "nats-backup.json"),
      JSON.stringify({ url: a.url, user: "chat", password: a.password }),
      { mode: 0o600 },
    );
    const dest = path.join(tempDir(), "backups", "b.db");
    const backup = await node("scripts/db-backup.mjs", [dest], { DATABASE_URL: url, DATA_DIR: dataDir });
    expect(backup.code, backup.out).toBe(0);
    expect(backup.out).toMatch(/2 of 4 blobs .*sizes and chunks checked.*2 left out/);
    expect(backup.out).toContain(`blob ${gone.id} (missing`);
    expect(backup.out).toContain(`blob ${wrong.id} (chunks do not match the row)`);
    expect(backup.out).not.toContain(a.password);
    const blobsDir = `${dest}.blobs`;
    expect(readdirSync(path.dirname(dest)).sort()).toEqual(["b.db", "b.db.blobs"]);
    expect(readdirSync(blobsDir).sort()).toEqual([empty.id, big.id].sort());
    expect(mode(blobsDir)).toBe("700");
    expect(mode(path.join(blobsDir, big.id))).toBe("600");
    expect(readFileSync(path.join(blobsDir, big.id)).equals(Buffer.concat(big.chunks))).toBe(true);
    expect(uploading.id).not.toBe(big.id);

    // A fresh nats-server, as after losing the store; NATS given in the environment this time.
    const b = await startNats();
    const env = { NATS_URL: b.url, NATS_USER: "chat", NATS_PASSWORD: b.password };
    const restore = await node("scripts/db-restore-blobs.mjs", [dest], env);
    expect(restore.code, restore.out).toBe(0);
    expect(restore.out).toMatch(/2 blobs restored \(5 chunks.*0 already present, 2 not available, of 4/);
    expect(restore.out).toContain(`blob ${gone.id}: not in the backup`);
    expect(restore.out).not.toContain(b.password);
    expect(Buffer.from(await opensFrom(b.bucket, big)).equals(Buffer.from(big.plain))).toBe(true);
    expect((await opensFrom(b.bucket, empty)).length).toBe(0);
    expect(await b.bucket.info(`${uploading.id}.0`)).toBeNull();

    // Again: everything is there already.
    const again = await node("scripts/db-restore-blobs.mjs", [dest], env);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toMatch(/0 blobs restored \(0 chunks.*2 already present/);
  }, 60_000);

  test("NATS unreachable: exit 1 saying so and how to skip, nothing written; --no-blobs backs up the database alone", async () => {
    const a = await startNats();
    const { url, db } = await databaseWithBlobs();
    await storeFile(db, a.bucket, 10);
    db.close();
    const dir = tempDir();

    // npm start's file left from a run that has stopped: its port answers no more.
    const dataDir = tempDir();
    const stale = `nats://127.0.0.1:${await freePort()}`;
    writeFileSync(path.join(dataDir, "nats-backup.json"), JSON.stringify({ url: stale, user: "chat", password: "x" }));
    const down = await node("scripts/db-backup.mjs", [path.join(dir, "b.db")], {
      DATABASE_URL: url,
      DATA_DIR: dataDir,
    });
    expect(down.code).toBe(1);
    expect(down.out).toContain(`cannot reach NATS at ${stale}`);
    expect(down.out).toMatch(/--no-blobs/);
    expect(down.out).toMatch(/nothing was written/);
    expect(readdirSync(dir)).toEqual([]);

    // Neither npm start's file nor NATS_URL.
    const unknown = await node("scripts/db-backup.mjs", [path.join(dir, "b.db")], {
      DATABASE_URL: url,
      DATA_DIR: tempDir(),
    });
    expect(unknown.code).toBe(1);
    expect(unknown.out).toMatch(/no NATS is known.*--no-blobs/);
    expect(readdirSync(dir)).toEqual([]);

    // Wrong password: refused by NATS, said so, the password not printed.
    const refused = await node("scripts/db-backup.mjs", [path.join(dir, "b.db")], {
      DATABASE_URL: url,
      NATS_URL: a.url,
      NATS_USER: "chat",
      NATS_PASSWORD: "wrong-password-123",
    });
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/cannot reach NATS.*(authorization|auth)/i);
    expect(refused.out).not.toContain("wrong-password-123");
    expect(readdirSync(dir)).toEqual([]);

    // A user without the bucket's rights (ops): NATS refuses, the backup stops, nothing written.
    const forbidden = await node("scripts/db-backup.mjs", [path.join(dir, "b.db")], {
      DATABASE_URL: url,
      NATS_URL: a.url,
      NATS_USER: "ops",
      NATS_PASSWORD: a.opsPassword,
    });
    expect(forbidden.code).toBe(1);
    expect(forbidden.out).toMatch(/copying the blobs failed: Permissions Violation.*nothing was written/);
    expect(readdirSync(dir)).toEqual([]);

    const skipped = await node("scripts/db-backup.mjs", ["--no-blobs", path.join(dir, "b.db")], {
      DATABASE_URL: url,
      DATA_DIR: dataDir,
    });
    expect(skipped.code, skipped.out).toBe(0);
    expect(skipped.out).toMatch(/skipped \(--no-blobs\)/);
    expect(readdirSync(dir)).toEqual(["b.db"]);

    // Its restore says the blobs were not taken.
    const restore = await node("scripts/db-restore-blobs.mjs", [path.join(dir, "b.db")], {
      NATS_URL: a.url,
      NATS_USER: "chat",
      NATS_PASSWORD: a.password,
    });
    expect(restore.code).toBe(1);
    expect(restore.out).toMatch(/taken without them \(--no-blobs\?\)/);
    expect(existsSync(path.join(dir, "b.db.blobs"))).toBe(false);
  }, 60_000);
});
