/**
 * runService in a real child process (it owns signals and process.exit): a bad environment or an
 * unreachable NATS exits 1; SIGTERM stops the service, then NATS, then what `onClosed` registered,
 * and exits 0. The child runs the built dist/ (rebuild before running this).
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, expect, test } from "vitest";
import { freePort, startNats, type NatsServer } from "@sealroom/testkit";

const dist = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/index.js")).href;

// A service whose env schema is baseEnv plus one required variable, logging its stop order.
const program = `
import { z } from "zod";
import { baseEnv, parseEnv, runService } from ${JSON.stringify(dist)};
await runService({
  name: "probe",
  env: () => parseEnv(z.object({ ...baseEnv, PROBE: z.string() })),
  async start({ onClosed }) {
    onClosed(async () => console.log("closed"));
    console.log("started");
    return { stop: async () => console.log("stopped") };
  },
});
`;

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--input-type=module", "-e", program], {
    cwd: path.dirname(fileURLToPath(import.meta.url)),
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent", ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

let nats: NatsServer;
beforeAll(async () => {
  nats = await startNats();
});
afterAll(() => nats?.stop());

test("a bad environment exits 1 with one readable error naming the variable", async () => {
  const r = run({ NATS_URL: nats.url });
  expect(await r.exited).toBe(1);
  expect(r.output().stderr).toMatch(/^probe: invalid configuration:\n\s+PROBE:/);
});

test("an unreachable NATS is a failed start: exit 1", async () => {
  const r = run({ PROBE: "x", NATS_URL: `nats://127.0.0.1:${await freePort()}` });
  expect(await r.exited).toBe(1);
  expect(r.output().stdout).not.toContain("started");
});

test("SIGTERM stops the service, then closes what it registered, and exits 0", async () => {
  const r = run({ PROBE: "x", NATS_URL: nats.url });
  while (!r.output().stdout.includes("started")) {
    if (r.child.exitCode !== null) throw new Error(r.output().stderr);
    await new Promise((res) => setTimeout(res, 20));
  }
  r.child.kill("SIGTERM");
  expect(await r.exited).toBe(0);
  expect(r.output().stdout.trim().split("\n")).toEqual(["started", "stopped", "closed"]);
});
