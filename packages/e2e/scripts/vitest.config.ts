import { defineConfig } from "vitest/config";

// `npm run bench -w @sealroom/e2e`: the measurement script, run by vitest for its TypeScript and
// workspace resolution (the "source" condition, as in the root config), never part of `npm test`.
export default defineConfig({
  resolve: { conditions: ["source", "module", "node", "import", "default"] },
  ssr: { resolve: { conditions: ["source", "module", "node"], externalConditions: ["source"] } },
  test: { include: ["scripts/bench.run.ts"], testTimeout: 600_000, reporters: ["default"] },
});
