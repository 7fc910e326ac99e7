import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import { sourceResolution } from "./test/support/vitest-shared.js";
import { reactAriaAliases } from "./apps/web/react-aria-resolution.js";

export default defineConfig({
  ...sourceResolution,
  test: {
    // The JSON report gives .ci/run its pass/fail totals.
    reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]],
    // Vitest's default is cores - 1: one file at a time on 2 cores, which left them 25-45% idle
    // while files waited on their nats-servers, services and browsers (docs/DEVELOPMENT.md).
    maxWorkers: availableParallelism(),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll's own default gives up after 1 s: a browser's evaluate alone can take longer on a
    // loaded 2-core machine. A poll that is meant to be tight says so with its own timeout.
    expect: { poll: { timeout: 15_000 } },
    // A file whose event loop never yields would otherwise stall the run with no message.
    setupFiles: ["test/support/watchdog.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "node",
          environment: "node",
          include: ["packages/*/src/**/*.test.ts", "services/*/src/**/*.test.ts", "test/**/*.test.ts"],
          // The long fault scenarios run only in `npm run test:chaos` (test/chaos/vitest.config.ts).
          exclude: ["**/node_modules/**", "test/chaos/**/*.chaos.test.ts"],
          pool: "forks",
        },
      },
      {
        extends: true,
        test: {
          // The database-backed suites again, on PostgreSQL (SEALROOM_TEST_DB makes @sealroom/testkit's
          // tempDatabase() a fresh database from a migrated template on SEALROOM_TEST_PG_URL, default
          // postgresql://postgres@127.0.0.1:5432/postgres). `npx vitest run --project node-pg`.
          // test/chaos at full scale runs on PostgreSQL in its own config (project chaos-pg,
          // `npm run test:chaos`); its small-scale share (below) runs here.
          // packages/db's own tests need no entry: they run their PostgreSQL cases in `node` whenever
          // the server is reachable; neither do the suites that pick their engines themselves:
          // test/db-copy (SQLite into PostgreSQL) and test/multi-host (a private PostgreSQL).
          // Never here: SQLite-only suites (migration-0004, a SQLite migration; ops-scripts: the
          // backup copies the SQLite file and the file-mode checks are the SQLite files'; start:
          // `npm start` without DATABASE_URL is SQLite in DATA_DIR, which it checks), the browser
          // e2e suites, and tests that open no database (compose, lb, nats-limits, nats-permissions,
          // pure unit, fuzz and contract tests).
          name: "node-pg",
          environment: "node",
          include: [
            "packages/testkit/src/**/*.test.ts",
            "services/auth/src/**/*.test.ts",
            "services/chat/src/**/*.test.ts",
            "services/social/src/**/*.test.ts",
            // The seed import runs on both engines (its chat-service case is skipped on PostgreSQL).
            "test/seed-import.test.ts",
            // The whole stack in-process (test/support/stack.ts) or chat's harness, on PostgreSQL.
            "test/auth-flow.test.ts",
            "test/authz-matrix.test.ts",
            "test/chat-*.test.ts",
            "test/former-member.test.ts",
            "test/key-directory.test.ts",
            "test/gateway-*.test.ts",
            "test/password-change-session.test.ts",
            "test/scale-out.test.ts",
            "test/sdk-lifecycle.test.ts",
            "test/service-health.test.ts",
            "test/social-story.test.ts",
            "test/social-presence.test.ts",
            "test/social-profiles.test.ts",
            "test/social-store.test.ts",
            "test/transport-resumption.test.ts",
            // The chaos suite's small-scale share (processes from dist/: build first); its integrity
            // check is amcheck's on PostgreSQL (test/chaos/support/traffic.ts).
            "test/chaos/**/*.test.ts",
          ],
          exclude: [
            "**/node_modules/**",
            // The long fault scenarios: `npm run test:chaos` only.
            "test/chaos/**/*.chaos.test.ts",
            // Open no database.
            "services/*/src/env.test.ts",
            "services/auth/src/address.test.ts",
            "services/auth/src/gate.test.ts",
            "services/social/src/group-rules.test.ts",
            // SQLite only: the WAL checkpointer.
            "services/chat/src/checkpointer.test.ts",
          ],
          env: { SEALROOM_TEST_DB: "postgresql" },
          pool: "forks",
        },
      },
      {
        extends: true,
        resolve: { alias: reactAriaAliases },
        test: {
          name: "web",
          environment: "happy-dom",
          include: ["apps/web/src/**/*.test.{ts,tsx}"],
          setupFiles: ["apps/web/src/test/setup.ts"],
          // One module graph per worker instead of one per file: re-importing React, React Aria
          // and the app for each of ~50 files was most of the project's CPU (164 s -> 44 s). The
          // files share the modules and what a few keep at module level (listed in
          // docs/DEVELOPMENT.md); the setup file resets the DOM, storage and URL after every test.
          isolate: false,
          // React Aria cannot be left to Node (Node would resolve its imports by the "source"
          // condition too: react-aria-resolution.ts), so it runs through Vite. Inlined, its ~1,500
          // small modules were transformed and evaluated again in every test file (the project's
          // import time doubled). Pre-bundled instead (Vite's optimizer, with the aliases, once per
          // run and cached under node_modules/.vite/vitest), each test file evaluates a few large
          // modules. react-dom stays outside the bundle, like react (Vitest's default):
          // React Aria's flushSync and createPortal must be the react-dom the app renders with.
          // Measured against the inlining and against leaving it to Node: docs/DEVELOPMENT.md.
          deps: {
            optimizer: {
              client: {
                enabled: true,
                include: [
                  "react-aria-components",
                  "react-aria",
                  "react-stately",
                  "@internationalized/date",
                  "@internationalized/number",
                  "@internationalized/string",
                ],
                exclude: ["react-dom"],
              },
            },
          },
        },
      },
    ],
  },
});
