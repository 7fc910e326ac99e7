/**
 * Chat's writer beside another process's SQLite write lock: how long its event loop is held while
 * it waits, and how soon its write commits once the lock is free. Another connection, on a thread
 * of its own (as another process would be), holds `BEGIN IMMEDIATE` for HOLD ms while the writer
 * commits one job; 20 rounds per hold. Prints a table; asserts nothing.
 *
 *   BENCH=writer-lock npm run bench -w @sealroom/chat
 *   BENCH_CHAT_SRC=<dir>/services/chat/src BENCH=writer-lock npm run bench -w @sealroom/chat
 *     (an A/B against another revision: git archive <rev> services/chat/src | tar -x -C <dir>)
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import { test } from "vitest";
import { openSql, sql } from "@sealroom/db/sql";
import { createLogger } from "@sealroom/runtime";
import type { Writer as WriterClass } from "../src/writer.js";

const src = process.env.BENCH_CHAT_SRC ?? new URL("../src", import.meta.url).pathname;
const HOLDS_MS = [20, 120, 400];
const ROUNDS = 20;
const insert = sql<[string]>(`INSERT INTO "t" ("v") VALUES (?)`);

/** Holds the file's write lock for the ms it is sent, then answers. */
const HOLDER = `
  const { parentPort, workerData } = require("node:worker_threads");
  const db = new (require("better-sqlite3"))(workerData);
  parentPort.on("message", (ms) => {
    db.exec("BEGIN IMMEDIATE");
    const end = Date.now() + ms;
    while (Date.now() < end);
    db.exec("COMMIT");
    parentPort.postMessage("released");
  });
`;

test("chat's writer beside another process's write lock", async () => {
  const { Writer } = (await import(`${src}/writer.js`)) as { Writer: typeof WriterClass };
  const dir = mkdtempSync(path.join(os.tmpdir(), "writer-lock-"));
  const file = path.join(dir, "bench.db");
  const setup = new Database(file);
  setup.pragma("journal_mode = WAL");
  setup.exec(`CREATE TABLE "t" ("id" INTEGER PRIMARY KEY, "v" TEXT)`);
  setup.close();
  const db = openSql(`file:${file}`);
  const writer = new Writer(db, createLogger({ service: "bench", level: "silent", pretty: false }));
  const holder = new Worker(HOLDER, { eval: true, workerData: file });
  const rows: Record<string, string | number>[] = [];
  try {
    for (const hold of HOLDS_MS) {
      let longestGap = 0;
      let commitMs = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const released = new Promise((resolve) => holder.once("message", resolve));
        holder.postMessage(hold);
        await new Promise((resolve) => setTimeout(resolve, 5));
        let last = performance.now();
        const tick = setInterval(() => {
          const now = performance.now();
          longestGap = Math.max(longestGap, now - last);
          last = now;
        }, 1);
        const submitted = performance.now();
        await writer.submit(async (tx) => {
          await tx.run(insert, ["x"]);
          return { value: undefined };
        });
        const done = performance.now();
        commitMs += done - submitted;
        longestGap = Math.max(longestGap, done - last);
        clearInterval(tick);
        await released;
      }
      rows.push({
        "lock held (ms)": hold,
        "longest event-loop gap (ms)": Number(longestGap.toFixed(1)),
        "committed after (ms, mean)": Math.round(commitMs / ROUNDS),
      });
    }
  } finally {
    await holder.terminate();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`writer from ${path.relative(process.cwd(), src) || src}, ${ROUNDS} rounds per hold`);
  console.table(rows);
});
