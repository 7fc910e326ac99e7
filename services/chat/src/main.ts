/** Process shell: the shared one (packages/runtime) around createChatService. The logic is in service.ts. */
import { createDb } from "@sealroom/db";
import { processInstance, runService } from "@sealroom/runtime";
import { loadEnv } from "./env.js";
import { createChatService } from "./service.js";

const instance = processInstance();

await runService({
  name: "chat",
  env: loadEnv,
  natsName: () => `chat ${instance}`,
  async start({ env, log, metrics, nc, onClosed }) {
    const db = await createDb({ url: env.DATABASE_URL, observe: (s, kind) => metrics.dbLatency.observe({ kind }, s) });
    onClosed(() => db.$disconnect());
    const sendRate = { perSec: env.CHAT_SEND_RATE_PER_SEC, burst: env.CHAT_SEND_BURST };
    const service = createChatService({
      nc,
      db,
      databaseUrl: env.DATABASE_URL,
      log,
      metrics,
      instance,
      config: { sendRate },
    });
    await service.start();
    return service;
  },
});
