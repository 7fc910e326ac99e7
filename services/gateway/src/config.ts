/**
 * Everything tunable about a gateway, with production defaults (the services' one config shape:
 * packages/runtime merge-config.ts). `env.ts` maps the environment (MAX_CONNECTIONS, ...) onto it;
 * where it listens (HOST, PORT), its key and its web directory are options of createGateway.
 */
import { mergeConfig, type DeepPartial } from "@sealroom/runtime";

export interface GatewayConfig {
  maxConnections: number;
  maxConnectionsPerIp: number;
  maxConnectionsPerUser: number;
  /** New WebSocket upgrades (each a handshake with an RSA decryption) per client address: per second and burst; beyond it 429. */
  handshakeRatePerIp: number;
  handshakeBurstPerIp: number;
  /**
   * A connection must complete the handshake and sign in within this, not counting the time its
   * sign-in commands spend at auth; restarted when auth answers one busy (signin-deadline.ts).
   */
  handshakeTimeoutMs: number;
  /** Whatever it sends, a connection not signed in within this of accept is closed. */
  signInMaxMs: number;
  heartbeatIntervalMs: number;
  /** How long a command waits for its service's reply. */
  commandTimeoutMs: number;
  /** Commands per connection: per second and burst. */
  rateLimitPerSec: number;
  rateLimitBurst: number;
  /**
   * Bulk commands (attachment chunks, 32 KiB each) per connection: per second and burst, a budget
   * apart from the commands', so an upload does not slow the same user's chat (nor chat the upload).
   */
  bulkRatePerSec: number;
  bulkBurst: number;
  sessionMaxAgeMs: number;
  /** Browser origins (scheme://host[:port]) allowed to open a WebSocket; empty = the addresses it listens on. */
  allowedOrigins: string[];
  /** Proxy addresses whose X-Forwarded-For is believed. */
  trustedProxies: string[];
  /** How often this gateway renews its presence lease. */
  presenceHeartbeatMs: number;
  /** How long the lease lasts: a gateway that dies takes its users offline within about this. */
  presenceTtlMs: number;
  /** How long a resumption ticket (docs/PROTOCOL.md 4.8) may be used after it was issued; at most ticketKeyRotationMs. */
  ticketLifetimeMs: number;
  /** Length of a ticket-key period: replicas derive the key of each period from the RSA key file; the previous period's is still accepted. */
  ticketKeyRotationMs: number;
}

export type GatewayConfigInput = DeepPartial<GatewayConfig>;

export const defaultGatewayConfig: GatewayConfig = {
  maxConnections: 20_000,
  maxConnectionsPerIp: 200,
  maxConnectionsPerUser: 20,
  handshakeRatePerIp: 30,
  handshakeBurstPerIp: 300,
  handshakeTimeoutMs: 10_000,
  signInMaxMs: 120_000,
  heartbeatIntervalMs: 30_000,
  commandTimeoutMs: 5_000,
  rateLimitPerSec: 20,
  rateLimitBurst: 60,
  // 200 chunks/s: about 6 MiB/s of file per connection.
  bulkRatePerSec: 200,
  bulkBurst: 50,
  sessionMaxAgeMs: 24 * 60 * 60 * 1000,
  allowedOrigins: [],
  trustedProxies: [],
  presenceHeartbeatMs: 10_000,
  presenceTtlMs: 30_000,
  ticketLifetimeMs: 24 * 60 * 60 * 1000,
  ticketKeyRotationMs: 24 * 60 * 60 * 1000,
};

/** Merges `input` over the defaults (an undefined field means the default) and checks the result. */
export function resolveGatewayConfig(input: GatewayConfigInput = {}): GatewayConfig {
  const config = mergeConfig(defaultGatewayConfig, input);
  for (const [key, value] of Object.entries(config)) {
    if (typeof value === "number" && !(value > 0)) throw new Error(`invalid gateway config: ${key} must be > 0`);
  }
  if (config.signInMaxMs < config.handshakeTimeoutMs) {
    throw new Error("invalid gateway config: signInMaxMs is at least handshakeTimeoutMs");
  }
  if (config.presenceTtlMs > 300_000) throw new Error("invalid gateway config: presenceTtlMs is at most 300000");
  // A ticket issued at the end of a period must still open in the next one, the last it is accepted in.
  if (config.ticketLifetimeMs > config.ticketKeyRotationMs) {
    throw new Error("invalid gateway config: ticketLifetimeMs is at most ticketKeyRotationMs");
  }
  if (config.ticketLifetimeMs > 7 * 24 * 60 * 60 * 1000) {
    throw new Error("invalid gateway config: ticketLifetimeMs is at most 7 days");
  }
  return config;
}
