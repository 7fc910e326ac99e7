/** The auth service process: the shared shell (packages/runtime) around createAuthService. */
import { createDb } from "@sealroom/db";
import { runService } from "@sealroom/runtime";
import { authConfigFromEnv, readAuthEnv } from "./env.js";
import { createAuthService } from "./service.js";
import { niceHelperThreads } from "./thread-priority.js";

await runService({
  name: "auth",
  env: readAuthEnv,
  natsName: (env) => env.INSTANCE_ID ?? "auth",
  async start({ env, log, metrics, nc, onClosed }) {
    const db = await createDb({
      url: env.DATABASE_URL,
      observe: (s, kind) => metrics.dbLatency.observe({ kind }, s),
      // PostgreSQL: names this service's connections in pg_stat_activity (SQLite ignores it).
      applicationName: "sealroom-auth",
    });
    onClosed(() => db.$disconnect());
    const auth = createAuthService({
      nc,
      db,
      databaseUrl: env.DATABASE_URL,
      log,
      metrics,
      config: authConfigFromEnv(env),
      instance: env.INSTANCE_ID,
    });
    await auth.start();
    // After start: its first hash (the dummy) has started libuv's pool, whose threads are lowered.
    const niced = niceHelperThreads(env.HASH_THREAD_NICE);
    log.info({ nice: env.HASH_THREAD_NICE, ...niced }, "hashing threads' priority");
    return auth;
  },
});
