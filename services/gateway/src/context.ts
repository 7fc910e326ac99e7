import type { RecentRevocations } from "./revocations.js";
import type { ServerKey } from "@sealroom/proto/session";
import type { Logger, NatsConnection } from "@sealroom/runtime";
import type { GatewayEnv } from "./env.js";
import type { GatewayMetrics } from "./metrics.js";
import type { UserRegistry, UserSocket } from "./users.js";

/**
 * What every connection of one gateway shares. Generic in the connection type so this module does
 * not import connection.ts, which imports it.
 */
export interface GatewayContext<Connection extends UserSocket = UserSocket> {
  readonly gatewayId: string;
  readonly config: GatewayConfig;
  readonly nc: NatsConnection;
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
  readonly serverKey: ServerKey;
  readonly users: UserRegistry<Connection>;
  /** Recently received `ctl.session.revoked` broadcasts (revocations.ts). */
  readonly revocations: RecentRevocations;
  nextConnId(): string;
  onConnectionClosed(conn: Connection): void;
}

export type GatewayConfig = Pick<
  GatewayEnv,
  | "MAX_CONNECTIONS"
  | "MAX_CONNECTIONS_PER_IP"
  | "MAX_CONNECTIONS_PER_USER"
  | "HANDSHAKE_RATE_PER_IP"
  | "HANDSHAKE_BURST_PER_IP"
  | "HANDSHAKE_TIMEOUT_MS"
  | "HEARTBEAT_INTERVAL_MS"
  | "COMMAND_TIMEOUT_MS"
  | "RATE_LIMIT_PER_SEC"
  | "RATE_LIMIT_BURST"
  | "SESSION_MAX_AGE_MS"
  | "ALLOWED_ORIGINS"
  | "TRUSTED_PROXIES"
>;
