/**
 * The gateway: terminates each client's encrypted WebSocket session, forwards validated commands to
 * the services over NATS with the authenticated user stamped on them, and fans deliveries back out.
 * Stateless: any gateway can serve any client.
 */
import http from "node:http";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { CLOSE } from "@sealroom/proto/close-codes";
import { sessionRevokedSchema } from "@sealroom/proto/nats";
import type { ServerKey } from "@sealroom/proto/session";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { GATEWAY_EVENTS, MAX_MESSAGE_BYTES } from "@sealroom/proto/wire";
import { KeyedTokenBucket, type Logger, type Metrics, type NatsConnection, type Subscription } from "@sealroom/runtime";
import { Connection } from "./connection.js";
import type { GatewayConfig, GatewayContext } from "./context.js";
import { createRequestHandler } from "./http.js";
import type { GatewayEnv } from "./env.js";
import { createGatewayMetrics } from "./metrics.js";
import { listenOrigins, originPolicy } from "./origins.js";
import { PresenceReporter } from "./presence.js";
import { Tally } from "./ratelimit.js";
import { RecentRevocations } from "./revocations.js";
import { UserRegistry } from "./users.js";

export { gatewayEnvSchema, readGatewayEnv, type GatewayEnv } from "./env.js";
export { loadOrCreateServerKey } from "./keyfile.js";
export { PresenceReporter, type PresenceReporterOptions } from "./presence.js";

export interface GatewayOptions {
  nc: NatsConnection;
  log: Logger;
  serverKey: ServerKey;
  config: GatewayConfig & Pick<GatewayEnv, "PRESENCE_HEARTBEAT_MS" | "PRESENCE_TTL_MS">;
  host: string;
  port: number;
  webDir: string;
  gatewayId?: string;
  /** The process's shared metrics (its NATS connection reports into them); fresh ones when absent. */
  metrics?: Metrics;
}

export interface Gateway {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly port: number;
  readonly url: string;
  readonly gatewayId: string;
  readonly connectionCount: number;
}

export function createGateway(opts: GatewayOptions): Gateway {
  const { nc, log, config } = opts;
  const gatewayId = opts.gatewayId ?? randomBytes(4).toString("hex");
  const metrics = createGatewayMetrics(opts.metrics);
  const presence = new PresenceReporter({
    nc,
    log,
    gatewayId,
    ttlMs: config.PRESENCE_TTL_MS,
    heartbeatMs: config.PRESENCE_HEARTBEAT_MS,
    snapshot: () => users.counts(),
  });
  const users = new UserRegistry<Connection>(nc, log, (userId, n) => presence.changed(userId, n));
  const conns = new Set<Connection>();
  const perIp = new Tally<string>();
  // Each handshake costs an RSA decryption, and the per-address connection cap alone does not bound
  // connections that open and close in a loop.
  const handshakesPerIp = new KeyedTokenBucket<string>({ perSec: config.HANDSHAKE_RATE_PER_IP, burst: config.HANDSHAKE_BURST_PER_IP });
  const revocations = new RecentRevocations(gatewayId, config.COMMAND_TIMEOUT_MS + 1000);
  let seq = 0;
  let accepting = false;
  let revokeSub: Subscription | undefined;
  let heartbeat: NodeJS.Timeout | undefined;

  const ctx: GatewayContext<Connection> = {
    gatewayId,
    config,
    nc,
    log,
    metrics,
    serverKey: opts.serverKey,
    users,
    revocations,
    nextConnId: () => `${gatewayId}-${(++seq).toString(36)}`,
    onConnectionClosed(conn) {
      if (conns.delete(conn)) perIp.dec(conn.ip);
    },
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

  const clientIp = (req: http.IncomingMessage): string => {
    const peer = req.socket.remoteAddress ?? "unknown";
    if (!config.TRUSTED_PROXIES.includes(peer)) return peer;
    const hops = String(req.headers["x-forwarded-for"] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    while (hops.length > 1 && config.TRUSTED_PROXIES.includes(hops[hops.length - 1]!)) hops.pop();
    return hops[hops.length - 1] ?? peer;
  };

  // Set once the port is known (start()); nothing is accepted before.
  let originAllowed: (origin: string | undefined) => boolean = () => false;

  const reject = (socket: Duplex, status: number, text: string, reason: string) => {
    metrics.rejectedUpgrades.inc({ reason });
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };

  server.on("upgrade", (req, socket, head) => {
    socket.on("error", () => socket.destroy());
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/ws") return reject(socket, 404, "Not Found", "path");
    if (!accepting) return reject(socket, 503, "Service Unavailable", "draining");
    if (!originAllowed(req.headers.origin)) return reject(socket, 403, "Forbidden", "origin");
    if (conns.size >= config.MAX_CONNECTIONS) return reject(socket, 503, "Service Unavailable", "capacity");
    const ip = clientIp(req);
    if (perIp.get(ip) >= config.MAX_CONNECTIONS_PER_IP) return reject(socket, 429, "Too Many Requests", "per_ip");
    if (handshakesPerIp.take(ip) > 0) return reject(socket, 429, "Too Many Requests", "handshake_rate");
    perIp.inc(ip);
    wss.handleUpgrade(req, socket, head, (ws) => {
      conns.add(new Connection(ws, ip, ctx, socket));
    });
  });

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
        server.listen(opts.port, opts.host, () => resolve());
      });
      port = (server.address() as AddressInfo).port;
      originAllowed = originPolicy(config.ALLOWED_ORIGINS.length > 0 ? config.ALLOWED_ORIGINS : listenOrigins(opts.host, port));
      presence.start();
      heartbeat = setInterval(() => {
        for (const conn of conns) {
          if (!conn.alive) {
            // A half-open peer may still read the close frame; close() terminates 2 s later anyway.
            conn.close(CLOSE.HEARTBEAT_TIMEOUT, "no pong");
            continue;
          }
          conn.alive = false;
          conn.ping();
        }
      }, config.HEARTBEAT_INTERVAL_MS);
      accepting = true;
    },

    async stop() {
      accepting = false;
      clearInterval(heartbeat);
      // Tell the social service first: these users are leaving this gateway either way.
      await presence.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const conn of conns) {
        conn.sendEvent(GATEWAY_EVENTS.draining, {}, false);
        conn.close(CLOSE.GOING_AWAY, "gateway shutting down");
      }
      const deadline = Date.now() + 3000;
      while (conns.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const conn of conns) conn.terminate();
      server.closeAllConnections();
      await closed;
      revokeSub?.unsubscribe();
      wss.close();
    },
  };
}
