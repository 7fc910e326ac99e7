/** Every service answers health.<service> in its queue group while running, and nothing once stopped. */
import { afterEach, describe, expect, it } from "vitest";
import { createAuthService } from "@sealroom/auth";
import { createChatService } from "@sealroom/chat";
import { createSocialService } from "@sealroom/social";
import { createDb } from "@sealroom/db";
import { resultSchema } from "@sealroom/proto/errors";
import { healthSchema } from "@sealroom/proto/envelope";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { connectNats, createLogger, type NatsConnection, type Runnable } from "@sealroom/runtime";
import { startNats, tempDatabase } from "@sealroom/testkit";

const log = createLogger({ service: "health-test", level: "silent", pretty: false });

type Deps = { nc: NatsConnection; db: Awaited<ReturnType<typeof createDb>>; databaseUrl: string; instance: string };
const SERVICES: Record<"auth" | "chat" | "social", (deps: Deps) => Runnable> = {
  auth: (d) => createAuthService({ ...d, log }),
  chat: (d) => createChatService({ ...d, log }),
  social: ({ databaseUrl: _url, ...d }) => createSocialService({ ...d, log }),
};

/** A real nats-server with a token, a migrated temp database and one service started in-process. */
async function setup(name: keyof typeof SERVICES) {
  const cleanup: Array<() => Promise<void> | void> = [];
  const token = `${name}-test-token`;
  const nats = await startNats({ token });
  cleanup.push(() => nats.stop());
  const tmp = await tempDatabase();
  cleanup.push(() => tmp.remove());
  const db = await createDb({ url: tmp.url });
  cleanup.push(() => db.$disconnect());
  const serviceNc = await connectNats({ url: nats.url, name, token, log });
  cleanup.push(() => serviceNc.close());
  const client = await connectNats({ url: nats.url, name: "client", token, log });
  cleanup.push(() => client.close());
  const service = SERVICES[name]({ nc: serviceNc, db, databaseUrl: tmp.url, instance: `${name}-1` });
  await service.start();
  const teardown = async () => {
    for (const fn of cleanup.reverse()) await fn();
  };
  return { client, service, teardown };
}

describe.each(Object.keys(SERVICES) as (keyof typeof SERVICES)[])("%s service", (name) => {
  let teardown: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await teardown?.();
    teardown = undefined;
  });

  it(`answers health.${name} with its service name and instance`, async () => {
    const env = await setup(name);
    teardown = env.teardown;
    const msg = await env.client.request(SUBJECTS.health(name), "", { timeout: 2000 });
    const reply = resultSchema(healthSchema).parse(msg.json());
    expect(reply).toMatchObject({ ok: true, value: { service: name, instance: `${name}-1` } });
  });

  it("stops answering once stopped", async () => {
    const env = await setup(name);
    teardown = env.teardown;
    await env.service.stop();
    const request = env.client.request(SUBJECTS.health(name), "", { timeout: 1000 });
    await expect(request).rejects.toThrow(/no responders/i);
  });
});
