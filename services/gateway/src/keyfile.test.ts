/** Replicas starting at once on one volume end up with one key, and none reads a half-written file. */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, expect, test } from "vitest";
import { loadOrCreateServerKey } from "./keyfile.js";

const run = promisify(execFile);
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/keyfile.js");
const dir = mkdtempSync(path.join(os.tmpdir(), "sealroom-key-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("six processes racing to create the key all load the same one, and no temp file is left", async () => {
  const file = path.join(dir, "race", "gateway-key.pem");
  const script = `
    import { loadOrCreateServerKey } from ${JSON.stringify(dist)};
    const { key, created } = loadOrCreateServerKey(${JSON.stringify(file)}, 2048);
    console.log(JSON.stringify({ id: Buffer.from(key.keyId).toString("hex"), created }));`;
  const outs = await Promise.all(
    Array.from({ length: 6 }, () => run(process.execPath, ["--input-type=module", "-e", script])),
  );
  const results = outs.map((o) => JSON.parse(o.stdout) as { id: string; created: boolean });
  expect(new Set(results.map((r) => r.id)).size).toBe(1);
  expect(results.filter((r) => r.created)).toHaveLength(1);
  expect(readdirSync(path.dirname(file))).toEqual(["gateway-key.pem"]);
  expect(statSync(file).mode & 0o777).toBe(0o600);
});

test("a later start loads the existing key instead of making one", () => {
  const file = path.join(dir, "again", "gateway-key.pem");
  const first = loadOrCreateServerKey(file, 2048);
  const second = loadOrCreateServerKey(file, 2048);
  expect(first.created).toBe(true);
  expect(second.created).toBe(false);
  expect(second.key.spki).toEqual(first.key.spki);
});
