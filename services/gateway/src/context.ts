import type { RecentRevocations } from "./revocations.js";
import type { ServerKey, TicketAuthority } from "@sealroom/proto/session";
import type { Logger, NatsConnection } from "@sealroom/runtime";
import type { GatewayConfig } from "./config.js";
import type { GatewayMetrics } from "./metrics.js";
import type { HelloQueue } from "./hello-queue.js";
import type { ServiceRequests } from "./requests.js";
import type { UserRegistry, UserSocket } from "./users.js";

/**
 * What every connection of one gateway shares. Generic in the connection type so this module does
 * not import connection.ts, which imports it.
 */
export interface GatewayContext<Connection extends UserSocket = UserSocket> {
  readonly gatewayId: string;
  readonly config: GatewayConfig;
  readonly nc: NatsConnection;
  /** Commands to the services and their replies. */
  readonly requests: ServiceRequests;
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
  /** The RSA key; its decryptions are counted (metrics.rsaDecryptions). */
  readonly serverKey: ServerKey;
  /** Resumption tickets; absent when the key cannot derive ticket keys. */
  readonly tickets: TicketAuthority | undefined;
  readonly users: UserRegistry<Connection>;
  /** Where ClientHellos wait their turn; absent: answered as they are read. */
  readonly hellos: HelloQueue | undefined;
  /** Recently received `ctl.session.revoked` broadcasts (revocations.ts). */
  readonly revocations: RecentRevocations;
  nextConnId(): string;
  onConnectionClosed(conn: Connection): void;
}
