/** The busy-retry policy, with real SQLite lock errors from two better-sqlite3 connections. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { expect, test } from "vitest";
import { AppError } from "@sealroom/proto/errors";
import { backoffMs, isBusy } from "./retry.js";

test("a write while another connection holds the write lock is busy; other errors and AppErrors are not", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retry-test-"));
  const file = path.join(dir, "t.db");
  const a = new Database(file, { timeout: 0 });
  const b = new Database(file, { timeout: 0 });
  try {
    a.exec("CREATE TABLE t (x INTEGER)");
    a.exec("BEGIN IMMEDIATE");
    let locked: unknown;
    try {
      b.exec("BEGIN IMMEDIATE");
    } catch (err) {
      locked = err;
    }
    expect(isBusy(locked)).toBe(true);
    let other: unknown;
    try {
      b.exec("SELECT * FROM missing");
    } catch (err) {
      other = err;
    }
    expect(isBusy(other)).toBe(false);
    a.exec("ROLLBACK");
  } finally {
    a.close();
    b.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // What Prisma's adapter reports for the same condition.
  expect(isBusy(Object.assign(new Error("Transaction API error"), { code: "P2034" }))).toBe(true);
  expect(isBusy(new Error("SqliteError: database is locked"))).toBe(true);
  expect(isBusy(new AppError("UNAVAILABLE", "timed out"))).toBe(false);
  expect(isBusy("database is locked")).toBe(false);
});

test("backoff doubles per attempt up to the cap, within x0.5..x1.5 jitter", () => {
  expect(backoffMs(0, { baseMs: 5, maxMs: 200 }, () => 0.5)).toBe(5);
  expect(backoffMs(3, { baseMs: 5, maxMs: 200 }, () => 0.5)).toBe(40);
  expect(backoffMs(30, { baseMs: 5, maxMs: 200 }, () => 0.5)).toBe(200);
  expect(backoffMs(4, { baseMs: 20 }, () => 0.5)).toBe(320);
  expect(backoffMs(1, { baseMs: 20 }, () => 0)).toBe(20);
  expect(backoffMs(1, { baseMs: 20 }, () => 0.999)).toBeLessThan(60);
});
