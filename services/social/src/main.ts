/** Process shell: the shared one (packages/runtime) around createSocialService. The logic is in index.ts. */
import { createDb } from "@sealroom/db";
import { processInstance, runService } from "@sealroom/runtime";
import { configFromEnv, loadEnv } from "./env.js";
import { createSocialService } from "./index.js";

const instance = processInstance();

await runService({
  name: "social",
  env: loadEnv,
  natsName: () => `social ${instance}`,
  async start({ env, log, metrics, nc, onClosed }) {
    const db = await createDb({
      url: env.DATABASE_URL,
      observe: (s, kind) => metrics.dbLatency.observe({ kind }, s),
      // PostgreSQL: names this service's connections in pg_stat_activity (SQLite ignores it).
      applicationName: "sealroom-social",
    });
    onClosed(() => db.$disconnect());
    const service = createSocialService({ nc, db, log, metrics, instance, config: configFromEnv(env) });
    await service.start();
    return service;
  },
});
