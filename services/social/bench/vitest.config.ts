import { defineConfig } from "vitest/config";

// Benchmarks run as one long vitest "test" so they resolve workspace packages from source, like the
// tests do (Node 20 cannot run TypeScript by itself). They print; they assert nothing about speed.
const conditions = ["source", "module", "node", "import", "default"];
// Not "import" for SSR: vitest passes these to Node as --conditions, and pg's require("pg-pool")
// would get pg-pool's ESM build (see the root vitest.config.ts).
const ssrConditions = ["source", "module", "node"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions: ssrConditions, externalConditions: ["source"] } },
  test: {
    root: new URL("../../..", import.meta.url).pathname,
    include: [`services/social/bench/${process.env.BENCH ?? "*"}.bench.ts`],
    testTimeout: 30 * 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    reporters: ["default"],
    silent: false,
  },
});
