/**
 * Which WebSocket upgrades become connections: the path, whether the gateway is accepting (not
 * before start(), not while draining), the Origin, then the connection caps (connections.ts). A
 * refused upgrade is answered with a bare HTTP status and counted by reason.
 */
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocket, WebSocketServer } from "ws";
import type { ConnectionSet, TrackedConnection } from "./connections.js";
import type { GatewayConfig } from "./config.js";
import type { GatewayMetrics } from "./metrics.js";

/**
 * The client's address: the TCP peer, or, when the peer is a trusted proxy, the nearest
 * X-Forwarded-For hop that is not itself a trusted proxy (the hops before it are client-written).
 */
export function clientIp(
  req: { socket: { remoteAddress?: string | undefined }; headers: IncomingHttpHeaders },
  trustedProxies: readonly string[],
): string {
  const peer = req.socket.remoteAddress ?? "unknown";
  if (!trustedProxies.includes(peer)) return peer;
  const hops = String(req.headers["x-forwarded-for"] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  while (hops.length > 1 && trustedProxies.includes(hops.at(-1) ?? "")) hops.pop();
  return hops.at(-1) ?? peer;
}

export interface UpgradeDeps {
  config: Pick<GatewayConfig, "trustedProxies">;
  metrics: Pick<GatewayMetrics, "rejectedUpgrades">;
  wss: WebSocketServer;
  connections: ConnectionSet;
  accepting(): boolean;
  originAllowed(origin: string | undefined): boolean;
  /** Makes the connection for an accepted socket. */
  open(ws: WebSocket, ip: string, socket: Duplex): TrackedConnection;
}

/** The HTTP server's "upgrade" listener. */
export function upgradeHandler(deps: UpgradeDeps): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { config, metrics, wss, connections } = deps;
  const reject = (socket: Duplex, status: number, text: string, reason: string) => {
    metrics.rejectedUpgrades.inc({ reason });
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };
  return (req, socket, head) => {
    socket.on("error", () => socket.destroy());
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/ws") return reject(socket, 404, "Not Found", "path");
    if (!deps.accepting()) return reject(socket, 503, "Service Unavailable", "draining");
    if (!deps.originAllowed(req.headers.origin)) return reject(socket, 403, "Forbidden", "origin");
    const ip = clientIp(req, config.trustedProxies);
    const reservation = connections.reserve(ip);
    if ("status" in reservation) return reject(socket, reservation.status, reservation.text, reservation.reason);
    // handleUpgrade calls back only on success: a request ws refuses (a bad Sec-WebSocket-Key gets
    // its 400) or a socket it destroys (the client already sent FIN) never reaches the callback, and
    // its reservation used to be held until restart (MAX_CONNECTIONS_PER_IP bad upgrades locked the
    // address out). Every path ends with the socket closing, so that releases the slot; release()
    // frees it once, whether the socket's close or the connection's close (delete) comes first.
    socket.once("close", reservation.release);
    if (socket.destroyed) reservation.release();
    // ws writes the 101 response and calls back at once, and the connection sends its first frame
    // (the ServerKey) as it opens: corked, the two leave in one write(2) instead of two.
    socket.cork();
    wss.handleUpgrade(req, socket, head, (ws) => {
      connections.add(deps.open(ws, ip, socket), reservation);
    });
    socket.uncork();
  };
}
