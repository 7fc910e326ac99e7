/**
 * The node backend's ephemeral keys under constant garbage collection (packages/proto/src/session/
 * node.ts). Keys made by generateKeyPairSync and exported as JWK deadlocked the thread when a
 * collection ran during the export: Node holds the key's mutex while it builds the JWK, and the
 * destructor of the key's generation job locks it too. A child with a 1 MB young generation
 * collects it over and over; the old code hung it within 20,000 X25519 keys or 80,000 P-256
 * keys. The new code takes about 4 s for X25519 and 10 s for P-256.
 */
import { spawn } from "node:child_process";
import { expect, test } from "vitest";
import { SUITES } from "@sealroom/proto/session";
import { repoRoot } from "../support/vitest-shared.js";

const KEYS = 100_000;
const DEADLINE_MS = 120_000;

// Runs against the build (dist/), as the chaos suite's processes do: `npm run build` first.
const child = (suite: number) => `
import { nodeBackend } from "@sealroom/proto/session/node";
let churn = [];
for (let i = 0; i < ${KEYS}; i++) {
  await nodeBackend.generateEphemeral(${suite});
  churn.push(new Array(50).fill(i));
  if (churn.length > 100) churn = [];
}
console.log("done");
`;

function run(suite: number): Promise<{ finished: boolean; output: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ["--max-semi-space-size=1", "--input-type=module", "-e", child(suite)], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    p.stdout.on("data", (b: Buffer) => (output += b.toString()));
    p.stderr.on("data", (b: Buffer) => (output += b.toString()));
    const timer = setTimeout(() => p.kill("SIGKILL"), DEADLINE_MS);
    p.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ finished: code === 0 && output.includes("done"), output });
    });
  });
}

test.each([
  ["X25519", SUITES.X25519_AES256GCM_SHA256],
  ["P-256", SUITES.P256_AES256GCM_SHA256],
])("%s: 100,000 ephemeral keys while the young generation is collected constantly never hang", async (_name, suite) => {
  const { finished, output } = await run(suite);
  expect(output).not.toMatch(/Error/);
  expect(finished).toBe(true);
});
