import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript sources through the "source" export condition,
// so tests never depend on a stale build; integration tests that spawn processes use dist/.
const conditions = ["source", "module", "node", "import", "default"];
// Vitest also passes the SSR conditions to Node itself (`--conditions`), where they apply to
// require() inside CommonJS dependencies too: with "import" among them, pg's require("pg-pool")
// got pg-pool's ESM build and failed ("Class extends value [object Module]"). Vite adds "import"
// or "require" per import by itself, so SSR resolution needs neither listed.
const ssrConditions = ["source", "module", "node"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions: ssrConditions, externalConditions: ["source"] } },
  test: {
    // The JSON report gives .ci/run its pass/fail totals.
    reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]],
    testTimeout: 30_000,
    hookTimeout: 60_000,
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
          name: "web",
          environment: "happy-dom",
          include: ["apps/web/src/**/*.test.{ts,tsx}"],
          setupFiles: ["apps/web/src/test/setup.ts"],
        },
      },
    ],
  },
});
