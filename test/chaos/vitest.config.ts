/**
 * `npm run test:chaos`: every fault and abuse scenario in test/chaos at the security notes' full
 * scale (CHAOS_SCALE=full), including the slow ones (*.chaos.test.ts) that `npm test` leaves out.
 * One file at a time: each starts its own processes and measures them.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const conditions = ["source", "module", "node", "import", "default"];

export default defineConfig({
  root,
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["source"] } },
  test: {
    name: "chaos",
    environment: "node",
    include: ["test/chaos/**/*.test.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 120_000,
    env: { CHAOS_SCALE: "full" },
    reporters: ["default", ["json", { outputFile: "test-results/chaos.json" }]],
  },
});
