/**
 * A gateway's open connections: the caps an upgrade must pass (per gateway, per address, and the
 * per-address handshake rate), the heartbeat that finds dead peers, and the drain on shutdown.
 */
import { CLOSE } from "@sealroom/proto/close-codes";
import { GATEWAY_EVENTS } from "@sealroom/proto/wire";
import type { GatewayConfig } from "./config.js";
import { KeyedTokenBucket } from "@sealroom/runtime";
import { Tally } from "./ratelimit.js";

/** What the set needs of a connection (connection.ts is the real one). */
export interface TrackedConnection {
  readonly ip: string;
  /** Cleared by each heartbeat, set again by the peer's pong. */
  alive: boolean;
  ping(): void;
  sendEvent(type: string, body: unknown, droppable: boolean): void;
  close(code: number, reason: string): void;
  terminate(): void;
}

/** Why an upgrade is refused: the HTTP status, its text and the metric's reason label. */
export interface Refusal {
  status: number;
  text: string;
  reason: "capacity" | "per_ip" | "handshake_rate";
}

/**
 * A passed reserve(): the slot it holds counts against the gateway and the address until
 * release(), which frees it once however often it is called (the socket's close and the
 * connection's close both call it; the first wins).
 */
export interface Reservation {
  readonly ip: string;
  release(): void;
}

/** How long stop() waits for clients to close after GOING_AWAY before terminating them. */
const DRAIN_MS = 3000;

export class ConnectionSet {
  private readonly conns = new Set<TrackedConnection>();
  /** The connection each open connection's reservation belongs to. */
  private readonly reservations = new Map<TrackedConnection, Reservation>();
  private readonly perIp = new Tally<string>();
  /** Reservations not yet released: open connections and upgrades still in progress. */
  private reserved = 0;
  private readonly handshakesPerIp: KeyedTokenBucket<string>;

  constructor(
    private readonly config: Pick<
      GatewayConfig,
      "maxConnections" | "maxConnectionsPerIp" | "handshakeRatePerIp" | "handshakeBurstPerIp"
    >,
  ) {
    this.handshakesPerIp = new KeyedTokenBucket<string>({
      perSec: config.handshakeRatePerIp,
      burst: config.handshakeBurstPerIp,
    });
  }

  get size(): number {
    return this.conns.size;
  }

  /**
   * Checks the caps for a new connection from `ip`, in this order (only an upgrade within both
   * connection caps is charged a handshake token), and when it passes counts it against the gateway
   * and the address at once, before the WebSocket handshake completes, so concurrent upgrades cannot
   * overshoot. The caller must see the reservation released whatever becomes of the upgrade.
   */
  reserve(ip: string): Refusal | Reservation {
    if (this.reserved >= this.config.maxConnections)
      return { status: 503, text: "Service Unavailable", reason: "capacity" };
    if (this.perIp.get(ip) >= this.config.maxConnectionsPerIp)
      return { status: 429, text: "Too Many Requests", reason: "per_ip" };
    if (this.handshakesPerIp.take(ip) > 0) return { status: 429, text: "Too Many Requests", reason: "handshake_rate" };
    this.reserved++;
    this.perIp.inc(ip);
    let held = true;
    return {
      ip,
      release: () => {
        if (!held) return;
        held = false;
        this.reserved--;
        this.perIp.dec(ip);
      },
    };
  }

  /** A connection opened on `reservation`; closing it (delete) releases the reservation. */
  add(conn: TrackedConnection, reservation: Reservation): void {
    this.conns.add(conn);
    this.reservations.set(conn, reservation);
  }

  /** A connection closed: it no longer counts against the gateway or its address. */
  delete(conn: TrackedConnection): void {
    this.conns.delete(conn);
    this.reservations.get(conn)?.release();
    this.reservations.delete(conn);
  }

  /** One heartbeat round: closes peers that did not answer the previous ping, pings the others. */
  heartbeat(): void {
    for (const conn of this.conns) {
      if (!conn.alive) {
        // A half-open peer may still read the close frame; close() terminates 2 s later anyway.
        conn.close(CLOSE.HEARTBEAT_TIMEOUT, "no pong");
        continue;
      }
      conn.alive = false;
      conn.ping();
    }
  }

  /** Tells every client the gateway is going away, waits up to DRAIN_MS for them to close, then cuts the rest. */
  async drain(): Promise<void> {
    for (const conn of this.conns) {
      conn.sendEvent(GATEWAY_EVENTS.draining, {}, false);
      conn.close(CLOSE.GOING_AWAY, "gateway shutting down");
    }
    const deadline = Date.now() + DRAIN_MS;
    while (this.conns.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const conn of this.conns) conn.terminate();
  }
}
