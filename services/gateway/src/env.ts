import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { baseEnv, intFromEnv, parseEnv } from "@sealroom/runtime";
import { defaultGatewayConfig as d, type GatewayConfig } from "./config.js";
import { normalizeOrigin } from "./origins.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

const list = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );

export const gatewayEnvSchema = z.object({
  ...baseEnv,
  PORT: intFromEnv(8080),
  HOST: z.string().default("127.0.0.1"),
  GATEWAY_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/)
    .optional(),
  GATEWAY_KEY_FILE: z.string().default(path.join(repoRoot, "data/gateway-key.pem")),
  GATEWAY_KEY_BITS: z.coerce
    .number()
    .int()
    .refine((n) => n === 2048 || n === 3072 || n === 4096)
    .default(2048),
  /**
   * Worker threads for the full handshake's RSA decryption (rsa-pool.ts); 0, the default, decrypts
   * on the event loop: on two shared cores the threads measured no better (BENCHMARKS.md, "S5: the
   * login storm, auth's priority and the gateway's RSA").
   */
  GATEWAY_RSA_THREADS: z.coerce.number().int().min(0).max(16).default(0),
  WEB_DIR: z.string().default(path.join(repoRoot, "apps/web/dist")),
  /** Browser origins (scheme://host[:port]) allowed to open a WebSocket; empty = the addresses it listens on. */
  ALLOWED_ORIGINS: list.refine(
    (origins) => origins.every((o) => normalizeOrigin(o) !== undefined),
    "comma-separated origins such as https://chat.example.org (scheme, host and port only)",
  ),
  /** Proxy addresses whose X-Forwarded-For is believed. */
  TRUSTED_PROXIES: list,
  MAX_CONNECTIONS: intFromEnv(d.maxConnections, 1),
  MAX_CONNECTIONS_PER_IP: intFromEnv(d.maxConnectionsPerIp, 1),
  MAX_CONNECTIONS_PER_USER: intFromEnv(d.maxConnectionsPerUser, 1),
  /** New WebSocket upgrades (each a handshake with an RSA decryption) per client address: per second and burst; beyond it 429. */
  HANDSHAKE_RATE_PER_IP: intFromEnv(d.handshakeRatePerIp, 1),
  HANDSHAKE_BURST_PER_IP: intFromEnv(d.handshakeBurstPerIp, 1),
  /** Accept to signed in, not counting sign-ins waiting at auth (restarted when auth answers AUTH_BUSY). */
  HANDSHAKE_TIMEOUT_MS: intFromEnv(d.handshakeTimeoutMs, 100),
  /** Accept to signed in, whatever the connection sends: the bound on the deadline's restarts. */
  SIGN_IN_MAX_MS: intFromEnv(d.signInMaxMs, 100),
  HEARTBEAT_INTERVAL_MS: intFromEnv(d.heartbeatIntervalMs, 100),
  COMMAND_TIMEOUT_MS: intFromEnv(d.commandTimeoutMs, 100),
  RATE_LIMIT_PER_SEC: intFromEnv(d.rateLimitPerSec, 1),
  RATE_LIMIT_BURST: intFromEnv(d.rateLimitBurst, 1),
  /** Attachment chunk commands per connection: per second and burst (each chunk is 32 KiB of file). */
  BULK_RATE_PER_SEC: intFromEnv(d.bulkRatePerSec, 1),
  BULK_BURST: intFromEnv(d.bulkBurst, 1),
  SESSION_MAX_AGE_MS: intFromEnv(d.sessionMaxAgeMs, 1000),
  /** How often this gateway renews its presence lease. */
  PRESENCE_HEARTBEAT_MS: intFromEnv(d.presenceHeartbeatMs, 50),
  /** How long the lease lasts: a gateway that dies takes its users offline within about this. */
  PRESENCE_TTL_MS: intFromEnv(d.presenceTtlMs, 200).refine((n) => n <= 300_000, "at most 300000"),
  /** How long a transport resumption ticket may be used; at most TICKET_KEY_ROTATION_MS. */
  TICKET_LIFETIME_MS: intFromEnv(d.ticketLifetimeMs, 1000),
  /** Length of a ticket-key period (all replicas must use the same value). */
  TICKET_KEY_ROTATION_MS: intFromEnv(d.ticketKeyRotationMs, 1000),
});
export type GatewayEnv = z.output<typeof gatewayEnvSchema>;

export const readGatewayEnv = () => parseEnv(gatewayEnvSchema);

/** The gateway's config from its environment (every setting has a default there). */
export function gatewayConfigFromEnv(env: GatewayEnv): GatewayConfig {
  return {
    maxConnections: env.MAX_CONNECTIONS,
    maxConnectionsPerIp: env.MAX_CONNECTIONS_PER_IP,
    maxConnectionsPerUser: env.MAX_CONNECTIONS_PER_USER,
    handshakeRatePerIp: env.HANDSHAKE_RATE_PER_IP,
    handshakeBurstPerIp: env.HANDSHAKE_BURST_PER_IP,
    handshakeTimeoutMs: env.HANDSHAKE_TIMEOUT_MS,
    signInMaxMs: env.SIGN_IN_MAX_MS,
    heartbeatIntervalMs: env.HEARTBEAT_INTERVAL_MS,
    commandTimeoutMs: env.COMMAND_TIMEOUT_MS,
    rateLimitPerSec: env.RATE_LIMIT_PER_SEC,
    rateLimitBurst: env.RATE_LIMIT_BURST,
    bulkRatePerSec: env.BULK_RATE_PER_SEC,
    bulkBurst: env.BULK_BURST,
    sessionMaxAgeMs: env.SESSION_MAX_AGE_MS,
    allowedOrigins: env.ALLOWED_ORIGINS,
    trustedProxies: env.TRUSTED_PROXIES,
    presenceHeartbeatMs: env.PRESENCE_HEARTBEAT_MS,
    presenceTtlMs: env.PRESENCE_TTL_MS,
    ticketLifetimeMs: env.TICKET_LIFETIME_MS,
    ticketKeyRotationMs: env.TICKET_KEY_ROTATION_MS,
  };
}
