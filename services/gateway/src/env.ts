import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { baseEnv, intFromEnv, parseEnv } from "@sealroom/runtime";
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
  WEB_DIR: z.string().default(path.join(repoRoot, "apps/web/dist")),
  /** Browser origins (scheme://host[:port]) allowed to open a WebSocket; empty = the addresses it listens on. */
  ALLOWED_ORIGINS: list.refine(
    (origins) => origins.every((o) => normalizeOrigin(o) !== undefined),
    "comma-separated origins such as https://chat.example.org (scheme, host and port only)",
  ),
  /** Proxy addresses whose X-Forwarded-For is believed. */
  TRUSTED_PROXIES: list,
  MAX_CONNECTIONS: intFromEnv(20_000, 1),
  MAX_CONNECTIONS_PER_IP: intFromEnv(200, 1),
  MAX_CONNECTIONS_PER_USER: intFromEnv(20, 1),
  /** New WebSocket upgrades (each a handshake with an RSA decryption) per client address: per second and burst; beyond it 429. */
  HANDSHAKE_RATE_PER_IP: intFromEnv(30, 1),
  HANDSHAKE_BURST_PER_IP: intFromEnv(300, 1),
  HANDSHAKE_TIMEOUT_MS: intFromEnv(10_000, 100),
  HEARTBEAT_INTERVAL_MS: intFromEnv(30_000, 100),
  COMMAND_TIMEOUT_MS: intFromEnv(5_000, 100),
  RATE_LIMIT_PER_SEC: intFromEnv(20, 1),
  RATE_LIMIT_BURST: intFromEnv(60, 1),
  SESSION_MAX_AGE_MS: intFromEnv(24 * 60 * 60 * 1000, 1000),
  /** How often this gateway renews its presence lease. */
  PRESENCE_HEARTBEAT_MS: intFromEnv(10_000, 50),
  /** How long the lease lasts: a gateway that dies takes its users offline within about this. */
  PRESENCE_TTL_MS: intFromEnv(30_000, 200).refine((n) => n <= 300_000, "at most 300000"),
});
export type GatewayEnv = z.output<typeof gatewayEnvSchema>;

export const readGatewayEnv = () => parseEnv(gatewayEnvSchema);
