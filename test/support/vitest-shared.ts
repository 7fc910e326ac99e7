/**
 * What every Vitest config of the repository shares (the root one, test/chaos's, and each
 * service's bench config): workspace packages resolve to their TypeScript sources through the
 * "source" export condition, so tests never depend on a stale build.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, type ViteUserConfig } from "vitest/config";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * Vitest also passes the SSR conditions to Node itself (`--conditions`), where they apply to
 * require() inside CommonJS dependencies too: with "import" among them, pg's require("pg-pool")
 * got pg-pool's ESM build and failed ("Class extends value [object Module]"). Vite adds "import"
 * or "require" per import by itself, so SSR resolution needs neither listed.
 */
export const sourceResolution = {
  resolve: { conditions: ["source", "module", "node", "import", "default"] },
  ssr: { resolve: { conditions: ["source", "module", "node"], externalConditions: ["source"] } },
} satisfies ViteUserConfig;

/**
 * A service's benchmarks (`npm run bench -w @sealroom/<service>`; `BENCH=name` runs one file) run
 * as one long vitest "test" so they resolve workspace packages from source like the tests (Node 20
 * cannot run TypeScript by itself). They print; they assert nothing about speed.
 */
export function serviceBenchConfig(service: string) {
  return defineConfig({
    ...sourceResolution,
    test: {
      root: repoRoot,
      include: [`services/${service}/bench/${process.env.BENCH ?? "*"}.bench.ts`],
      testTimeout: 30 * 60_000,
      hookTimeout: 60_000,
      pool: "forks",
      reporters: ["default"],
      silent: false,
    },
  });
}
