/**
 * The gateway: terminates each client's encrypted WebSocket session, forwards validated commands to
 * the services over NATS with the authenticated user stamped on them, and fans deliveries back out.
 * Stateless: any gateway can serve any client.
 */
import http from "node:http";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { sessionRevokedSchema } from "@sealroom/proto/broadcasts";
import { TicketAuthority, type ServerKey } from "@sealroom/proto/session";
import { nodeBackend } from "@sealroom/proto/session/node";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { MAX_MESSAGE_BYTES } from "@sealroom/proto/wire";
import type { Logger, Metrics, NatsConnection, Subscription } from "@sealroom/runtime";
import { Connection } from "./connection.js";
import { ConnectionSet } from "./connections.js";
import { resolveGatewayConfig, type GatewayConfigInput } from "./config.js";
import type { GatewayContext } from "./context.js";
import { createRequestHandler } from "./http.js";
import { HelloQueue } from "./hello-queue.js";
import { createGatewayMetrics } from "./metrics.js";
import { listenOrigins, originPolicy } from "./origins.js";
import { PresenceReporter } from "./presence.js";
import { RecentRevocations } from "./revocations.js";
import { ServiceRequests } from "./requests.js";
import { upgradeHandler } from "./upgrade.js";
import { UserRegistry } from "./users.js";

export { defaultGatewayConfig, resolveGatewayConfig, type GatewayConfig, type GatewayConfigInput } from "./config.js";
export { gatewayConfigFromEnv, gatewayEnvSchema, readGatewayEnv, type GatewayEnv } from "./env.js";
export { loadOrCreateServerKey } from "./keyfile.js";
export { PresenceReporter, type PresenceReporterOptions } from "./presence.js";

export interface GatewayOptions {
  nc: NatsConnection;
  log: Logger;
  serverKey: ServerKey;
  /** Merged over defaultGatewayConfig (config.ts). */
  config?: GatewayConfigInput;
  host: string;
  port: number;
  webDir: string;
  gatewayId?: string;
  /** The process's shared metrics (its NATS connection reports into them); fresh ones when absent. */
  metrics?: Metrics;
  /**
   * Answer ClientHellos a few milliseconds' worth per event-loop turn (hello-queue.ts). Default
   * true; false when `serverKey`'s decryption runs on other threads (the queue awaits each hello).
   */
  sliceHellos?: boolean;
}

export interface Gateway {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly port: number;
  readonly url: string;
  readonly gatewayId: string;
  readonly connectionCount: number;
}

/** Connections waiting to be accepted (docs/DEPLOYMENT.md: raise net.core.somaxconn to match). */
const LISTEN_BACKLOG = 4096;

export function createGateway(opts: GatewayOptions): Gateway {
  const { nc, log } = opts;
  const config = resolveGatewayConfig(opts.config);
  const gatewayId = opts.gatewayId ?? randomBytes(4).toString("hex");
  const metrics = createGatewayMetrics(opts.metrics);
  const presence = new PresenceReporter({
    nc,
    log,
    gatewayId,
    ttlMs: config.presenceTtlMs,
    heartbeatMs: config.presenceHeartbeatMs,
    snapshot: () => users.counts(),
  });
  const users = new UserRegistry<Connection>(nc, log, (userId, n) => presence.changed(userId, n));
  const conns = new ConnectionSet(config);
  const requests = new ServiceRequests(nc, log, config.commandTimeoutMs);
  const revocations = new RecentRevocations(gatewayId, config.commandTimeoutMs + 1000);
  let seq = 0;
  let accepting = false;
  let revokeSub: Subscription | undefined;
  let heartbeat: NodeJS.Timeout | undefined;

  const serverKey: ServerKey = {
    ...opts.serverKey,
    decrypt: (ciphertext) => {
      metrics.rsaDecryptions.inc();
      return opts.serverKey.decrypt(ciphertext);
    },
  };
  const ticketKey = opts.serverKey.ticketKey?.bind(opts.serverKey);
  const tickets = ticketKey
    ? new TicketAuthority(
        nodeBackend,
        { ticketKey },
        {
          lifetimeMs: config.ticketLifetimeMs,
          rotationMs: config.ticketKeyRotationMs,
        },
      )
    : undefined;

  const ctx: GatewayContext<Connection> = {
    gatewayId,
    config,
    nc,
    requests,
    log,
    metrics,
    serverKey,
    tickets,
    users,
    revocations,
    hellos: opts.sliceHellos === false ? undefined : new HelloQueue(),
    nextConnId: () => `${gatewayId}-${(++seq).toString(36)}`,
    onConnectionClosed: (conn) => conns.delete(conn),
  };

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES + 1024,
    perMessageDeflate: false,
    clientTracking: false,
  });

  // Slowloris on the upgrade: headers and the whole request must arrive within 10 s. Node checks
  // these deadlines only every connectionsCheckingInterval (30 s by default), which let a stalled
  // request live for up to 40 s; checking every second keeps the promise.
  const server = http.createServer(
    { headersTimeout: 10_000, requestTimeout: 10_000, connectionsCheckingInterval: 1000 },
    createRequestHandler({
      webDir: opts.webDir,
      serverKey: opts.serverKey,
      healthy: () => accepting && !nc.isClosed(),
    }),
  );

  // Set once the port is known (start()); nothing is accepted before.
  let originAllowed: (origin: string | undefined) => boolean = () => false;
  server.on(
    "upgrade",
    upgradeHandler({
      config,
      metrics,
      wss,
      connections: conns,
      accepting: () => accepting,
      originAllowed: (origin) => originAllowed(origin),
      open: (ws, ip, socket) => new Connection(ws, ip, ctx, socket),
    }),
  );

  const onRevoked = (data: unknown) => {
    const msg = sessionRevokedSchema.safeParse(data);
    if (!msg.success) return log.warn("malformed revocation dropped");
    revocations.add(msg.data);
    const { userId, sessionIds, exceptConn } = msg.data;
    // The connection that changed the password, spared whether this arrives before or after its reply.
    const spared = exceptConn?.gatewayId === gatewayId ? exceptConn.connId : undefined;
    for (const conn of [...users.connectionsOf(userId)]) {
      if (sessionIds && !sessionIds.includes(conn.sessionId!)) continue;
      if (conn.id === spared) continue;
      conn.revoke();
    }
  };

  let port = opts.port;
  return {
    get port() {
      return port;
    },
    get url() {
      return `http://${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${port}`;
    },
    gatewayId,
    get connectionCount() {
      return conns.size;
    },

    async start() {
      requests.open();
      revokeSub = nc.subscribe(SUBJECTS.sessionRevoked, {
        callback: (_err, msg) => {
          let data: unknown;
          try {
            data = msg.json();
          } catch {
            data = undefined;
          }
          onRevoked(data);
        },
      });
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        // When a gateway dies its users connect here at once: with Node's default backlog (511) the
        // kernel's accept queue overflowed and dropped their handshakes, and each waited out TCP's
        // 1-3 s retransmission (S5's stragglers). The kernel caps it at net.core.somaxconn.
        server.listen({ port: opts.port, host: opts.host, backlog: LISTEN_BACKLOG }, () => resolve());
      });
      port = (server.address() as AddressInfo).port;
      originAllowed = originPolicy(
        config.allowedOrigins.length > 0 ? config.allowedOrigins : listenOrigins(opts.host, port),
      );
      presence.start();
      heartbeat = setInterval(() => conns.heartbeat(), config.heartbeatIntervalMs);
      accepting = true;
    },

    async stop() {
      accepting = false;
      clearInterval(heartbeat);
      // Tell the social service first: these users are leaving this gateway either way.
      await presence.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await conns.drain();
      server.closeAllConnections();
      await closed;
      requests.close();
      revokeSub?.unsubscribe();
      wss.close();
    },
  };
}
