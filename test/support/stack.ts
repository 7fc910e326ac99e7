/**
 * The whole system on loopback, in this process: a private nats-server, a fresh SQLite file, the
 * services and one or more gateways. Each part gets its own NATS connection and database client,
 * as separate processes would. For tests and benchmarks that talk to it through the real SDK.
 */
import { createDb, type Db } from "@sealroom/db";
import { createAuthService, type AuthConfigInput } from "@sealroom/auth";
import { createChatService } from "@sealroom/chat";
import { createSocialService, type SocialConfigInput } from "@sealroom/social";
import { createGateway, type Gateway, type GatewayConfigInput } from "@sealroom/gateway";
import { generateServerKeyPem, nodeServerKey } from "@sealroom/proto/session/node";
import type { ServerKey } from "@sealroom/proto/session";
import {
  connectNats,
  createLogger,
  type Logger,
  createMetrics,
  type Metrics,
  type NatsConnection,
  type Runnable,
} from "@sealroom/runtime";
import { createNodeClient, type NodeClientOptions, type SealroomClient } from "@sealroom/sdk/node";
import { startNats, tempDatabase, type NatsServer, type TempDb } from "@sealroom/testkit";
import os from "node:os";
import path from "node:path";
import { mkdtempSync } from "node:fs";

export const log = createLogger({ service: "stack", level: process.env.TEST_LOG_LEVEL ?? "silent", pretty: false });
const defaultLog = log;

/** Tiny argon2 cost for tests; production uses 64 MiB, t=3, p=4. */
export const FAST_ARGON2 = { memoryKiB: 1024, timeCost: 1, parallelism: 1 };

let key: ServerKey | undefined;
function serverKey(): ServerKey {
  key ??= nodeServerKey(generateServerKeyPem(2048));
  return key;
}

export interface StackOptions {
  /** Directory the gateway serves as the web app. */
  webDir?: string;
  gateways?: number;
  gatewayConfig?: GatewayConfigInput;
  /** Social service settings (e.g. a fast presence sweep). */
  social?: SocialConfigInput;
  /** nats-server's max_payload (default: the deployments' 1 MiB). */
  natsMaxPayload?: number;
  /**
   * The chat service refuses plaintext everywhere, as a deployment does by default. Off here
   * unless asked: the suites also drive plaintext history and SDK clients without `e2e`.
   */
  requireEncryption?: boolean;
  /** Auth service settings (e.g. more registrations per address for a suite with many users). */
  auth?: AuthConfigInput;
  /** The services' and gateways' logger (default: silent unless TEST_LOG_LEVEL says otherwise). */
  log?: Logger;
}

export interface Stack {
  nats: NatsServer;
  database: TempDb;
  gateways: Gateway[];
  /** http://127.0.0.1:port of the first gateway. */
  httpUrl: string;
  wsUrls: string[];
  /** A database client for assertions. */
  db: Db;
  /** Gateway `i`'s metrics in Prometheus text (a process serves them on its ops port, not publicly). */
  gatewayMetrics(i: number): Promise<string>;
  /** A connected SDK client with its own temp known-hosts file (trusts the key on first use). */
  client(opts?: Partial<NodeClientOptions>): SealroomClient;
  /**
   * Kills gateway `i` the hard way: its NATS connection closes at once (no "down", no more
   * heartbeats), then its sockets go. What the rest of the system sees of a SIGKILL.
   */
  killGateway(i: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const log = opts.log ?? defaultLog;
  const nats = await startNats(opts.natsMaxPayload ? { maxPayload: opts.natsMaxPayload } : {});
  const database = await tempDatabase();
  const cleanups: (() => Promise<void>)[] = [];
  const connection = async (name: string): Promise<NatsConnection> => {
    const nc = await connectNats({ url: nats.url, name, log });
    cleanups.push(() => nc.drain().catch(() => undefined));
    return nc;
  };
  const service = async (runnable: Runnable) => {
    await runnable.start();
    cleanups.push(() => runnable.stop());
  };

  const authDb = await createDb({ url: database.url });
  cleanups.push(() => authDb.$disconnect());
  await service(
    createAuthService({
      nc: await connection("auth"),
      db: authDb,
      databaseUrl: database.url,
      log,
      config: { ...opts.auth, argon2: FAST_ARGON2 },
    }),
  );
  const socialDb = await createDb({ url: database.url });
  cleanups.push(() => socialDb.$disconnect());
  await service(
    createSocialService({
      nc: await connection("social"),
      db: socialDb,
      log,
      instance: "social-0",
      ...(opts.social ? { config: opts.social } : {}),
    }),
  );
  const chatDb = await createDb({ url: database.url });
  cleanups.push(() => chatDb.$disconnect());
  await service(
    createChatService({
      nc: await connection("chat"),
      db: chatDb,
      databaseUrl: database.url,
      log,
      instance: "chat-0",
      config: {
        requireEncryption: opts.requireEncryption ?? false,
        // Pages on reader threads (SQLite) as a deployment sets them: suites run either way.
        ...(process.env.CHAT_READ_THREADS ? { readThreads: Number(process.env.CHAT_READ_THREADS) } : {}),
      },
    }),
  );

  const gateways: Gateway[] = [];
  const gatewayConnections: NatsConnection[] = [];
  const gatewayRegistries: Metrics["registry"][] = [];
  for (let i = 0; i < (opts.gateways ?? 1); i++) {
    const nc = await connection(`gateway-${i}`);
    gatewayConnections.push(nc);
    const metrics = createMetrics("gateway");
    gatewayRegistries.push(metrics.registry);
    const gateway = createGateway({
      nc,
      log,
      metrics,
      serverKey: serverKey(),
      config: opts.gatewayConfig,
      host: "127.0.0.1",
      port: 0,
      webDir: opts.webDir ?? "/nonexistent",
      gatewayId: `gw${i}`,
    });
    await service(gateway);
    gateways.push(gateway);
  }

  const db = await createDb({ url: database.url });
  const knownHosts = mkdtempSync(path.join(os.tmpdir(), "sealroom-known-hosts-"));
  const wsUrls = gateways.map((g) => `ws://127.0.0.1:${g.port}/ws`);
  let clients = 0;
  const created: SealroomClient[] = [];
  return {
    nats,
    database,
    gateways,
    httpUrl: `http://127.0.0.1:${gateways[0]!.port}`,
    wsUrls,
    db,
    gatewayMetrics: (i) => gatewayRegistries[i]!.metrics(),
    client(o = {}) {
      const c = createNodeClient({
        urls: wsUrls,
        knownHostsFile: path.join(knownHosts, `known_hosts_${++clients}`),
        reconnect: { initialDelayMs: 50, maxDelayMs: 1000 },
        ...o,
      });
      created.push(c);
      return c;
    },
    async killGateway(i) {
      await gatewayConnections[i]!.close();
      await gateways[i]!.stop();
    },
    async stop() {
      for (const c of created) c.close();
      // Gateways first (they tell clients to go), then services, then connections.
      for (const fn of cleanups.reverse()) await fn();
      await db.$disconnect();
      await nats.stop();
      await database.remove();
    },
  };
}
