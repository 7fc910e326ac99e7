/**
 * `npm run test:chaos`: every fault and abuse scenario in test/chaos at the security notes' full
 * scale (CHAOS_SCALE=full), including the slow ones (*.chaos.test.ts) that `npm test` leaves out,
 * on SQLite (project `chaos`), and the scenarios that kill a service while it writes on PostgreSQL
 * too (project `chaos-pg`: SEALROOM_TEST_DB=postgresql, so testkit's tempDatabase() is a fresh
 * database on SEALROOM_TEST_PG_URL, default postgresql://postgres@127.0.0.1:5432/postgres). One
 * file at a time across both projects (fileParallelism: false makes Vitest's one pool a single
 * worker): each file starts its own processes and measures them.
 * One engine only: `npm run test:chaos -- --project chaos` / `--project chaos-pg`.
 */
import { defineConfig } from "vitest/config";
import { repoRoot, sourceResolution } from "../support/vitest-shared.js";

export default defineConfig({
  root: repoRoot,
  ...sourceResolution,
  test: {
    environment: "node",
    pool: "forks",
    // One file at a time across both projects too (the PostgreSQL server shares the cores).
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 120_000,
    reporters: ["default", ["json", { outputFile: "test-results/chaos.json" }]],
    projects: [
      {
        extends: true,
        test: {
          name: "chaos",
          include: ["test/chaos/**/*.test.ts"],
          env: { CHAOS_SCALE: "full" },
        },
      },
      {
        extends: true,
        test: {
          // The scenarios that kill a service while it writes. Not here: abuse, brute-force and
          // slowloris, which measure the gateway's limits and do not depend on the engine.
          name: "chaos-pg",
          include: [
            "test/chaos/crash.test.ts",
            "test/chaos/failover.test.ts",
            "test/chaos/timeline.chaos.test.ts",
            "test/chaos/auth.chaos.test.ts",
            "test/chaos/e2e-membership.chaos.test.ts",
          ],
          env: { CHAOS_SCALE: "full", SEALROOM_TEST_DB: "postgresql" },
        },
      },
    ],
  },
});
