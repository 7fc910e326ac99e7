import { afterEach, describe, expect, it } from "vitest";
import { createDb, type Db } from "@sealroom/db";
import { resultSchema } from "@sealroom/proto/errors";
import { healthSchema } from "@sealroom/proto/nats";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { connectNats, createLogger, type NatsConnection } from "@sealroom/runtime";
import { startNats, tempDatabase, type NatsServer, type TempDb } from "@sealroom/testkit";
import { createSocialService } from "./index.js";

const log = createLogger({ service: "social-test", level: "silent", pretty: false });

/** A real nats-server with a token, a migrated temp database and the service started in-process. */
async function setup() {
  const cleanup: Array<() => Promise<void> | void> = [];
  const token = "social-test-token";
  const nats: NatsServer = await startNats({ token });
  cleanup.push(() => nats.stop());
  const tmp: TempDb = await tempDatabase();
  cleanup.push(() => tmp.remove());
  const db: Db = await createDb({ url: tmp.url });
  cleanup.push(() => db.$disconnect());
  const serviceNc: NatsConnection = await connectNats({ url: nats.url, name: "social", token, log });
  cleanup.push(() => serviceNc.close());
  const client: NatsConnection = await connectNats({ url: nats.url, name: "client", token, log });
  cleanup.push(() => client.close());
  const service = createSocialService({ nc: serviceNc, db, log, instance: "social-1" });
  await service.start();
  const teardown = async () => {
    for (const fn of cleanup.reverse()) await fn();
  };
  return { client, service, teardown };
}

describe("social service", () => {
  let teardown: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await teardown?.();
    teardown = undefined;
  });

  it("answers health.social with its service name and instance", async () => {
    const env = await setup();
    teardown = env.teardown;
    const msg = await env.client.request(SUBJECTS.health("social"), "", { timeout: 2000 });
    const reply = resultSchema(healthSchema).parse(msg.json());
    expect(reply).toMatchObject({ ok: true, value: { service: "social", instance: "social-1" } });
  });

  it("stops answering once stopped", async () => {
    const env = await setup();
    teardown = env.teardown;
    await env.service.stop();
    const request = env.client.request(SUBJECTS.health("social"), "", { timeout: 1000 });
    await expect(request).rejects.toThrow(/no responders/i);
  });
});
