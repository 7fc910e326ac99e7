/**
 * The real auth service in-process on a given database and a private nats-server, with a tiny
 * argon2 cost for new hashes (stored hashes verify with their own parameters), and a login that
 * speaks the gateway's side of the contract.
 */
import { connect } from "@nats-io/transport-node";
import { pino } from "pino";
import { createAuthService } from "@sealroom/auth";
import { createDb } from "@sealroom/db";
import { COMMANDS } from "@sealroom/proto/commands";
import { resultSchema } from "@sealroom/proto/errors";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { startNats } from "@sealroom/testkit";

export async function startAuthOn(url: string) {
  const nats = await startNats();
  const nc = await connect({ servers: nats.url });
  const db = await createDb({ url });
  const auth = createAuthService({
    nc,
    db,
    databaseUrl: url,
    log: pino({ level: "silent" }),
    config: { argon2: { memoryKiB: 1024, timeCost: 1, parallelism: 1 } },
  });
  await auth.start();
  const ctx = { gatewayId: "g", connId: "c", ip: "10.0.0.9" };
  const call = async <T extends "auth.login" | "auth.register">(type: T, username: string, password: string) => {
    const msg = await nc.request(SUBJECTS.command(type), JSON.stringify({ ctx, body: { username, password } }), {
      timeout: 10_000,
    });
    return resultSchema(COMMANDS[type].value).parse(msg.json());
  };
  return {
    login: (username: string, password: string) => call("auth.login", username, password),
    register: (username: string, password: string) => call("auth.register", username, password),
    async stop() {
      await auth.stop();
      await nc.drain();
      await db.$disconnect();
      await nats.stop();
    },
  };
}
