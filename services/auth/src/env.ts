import { z } from "zod";
import { DATABASE_URL_HINT, isDatabaseUrl } from "@sealroom/db/engine";
import { baseEnv, parseEnv } from "@sealroom/runtime";
import type { AuthConfigInput } from "./config.js";

/** An optional integer setting; absent means the default in config.ts. */
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).optional();

export const authEnvSchema = z.object({
  ...baseEnv,
  /** `file:/path/to/sealroom.db` (SQLite) or `postgresql://user@host:5432/db` (PostgreSQL). */
  DATABASE_URL: z.string().refine(isDatabaseUrl, DATABASE_URL_HINT),
  /** Name in health replies and logs; default a random one. */
  INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .optional(),
  ARGON2_MEMORY_KIB: int(8),
  ARGON2_TIME_COST: int(1),
  ARGON2_PARALLELISM: int(1, 255),
  HASH_CONCURRENCY: int(1),
  HASH_QUEUE: int(0),
  /**
   * Nice value (0-19) of the process's helper threads, where argon2 hashes; the event loop keeps
   * its own. 0 leaves them alone (thread-priority.ts). Linux only.
   */
  HASH_THREAD_NICE: z.coerce.number().int().min(0).max(19).default(10),
  SIGNIN_CONCURRENCY_PER_IP: int(1),
  SIGNIN_CONCURRENCY_PER_ACCOUNT: int(1),
  /** The gateways' COMMAND_TIMEOUT_MS (same name, same default): queued sign-ins older than it are dropped. */
  COMMAND_TIMEOUT_MS: int(100),
  SESSION_TTL_HOURS: int(1),
  /** Tickets live at most 24 hours (SECURITY.md section 5; docs/PROTOCOL.md). */
  TICKET_TTL_HOURS: int(1, 24),
  /** Seconds within which a resume's ticket may be retried after a lost reply; 0 turns it off. */
  TICKET_RETRY_GRACE_S: int(0, 300),
  THROTTLE_WINDOW_MS: int(1000),
  THROTTLE_ACCOUNT_MAX_FAILURES: int(1),
  THROTTLE_ACCOUNT_LOCKOUT_AFTER: int(1),
  THROTTLE_IP_MAX_FAILURES: int(1),
  THROTTLE_IP_LOCKOUT_AFTER: int(1),
  THROTTLE_LOCKOUT_BASE_MS: int(1),
  THROTTLE_LOCKOUT_MAX_MS: int(1),
  THROTTLE_REGISTRATIONS_PER_IP: int(1),
  /** auth.keys.claim per caller and claimed user: the refill rate and the burst. */
  KEY_CLAIMS_PER_MINUTE: int(1),
  KEY_CLAIMS_BURST: int(1),
  /** auth.backup.deviceMessage per user: the refill rate per second and the burst. */
  DEVICE_MESSAGES_PER_SEC: int(1),
  DEVICE_MESSAGES_BURST: int(1),
});
export type AuthEnv = z.output<typeof authEnvSchema>;

export const readAuthEnv = (env: NodeJS.ProcessEnv = process.env): AuthEnv => parseEnv(authEnvSchema, env);

const HOUR = 60 * 60 * 1000;
const hours = (h: number | undefined) => (h === undefined ? undefined : h * HOUR);

export function authConfigFromEnv(env: AuthEnv): AuthConfigInput {
  return {
    argon2: {
      memoryKiB: env.ARGON2_MEMORY_KIB,
      timeCost: env.ARGON2_TIME_COST,
      parallelism: env.ARGON2_PARALLELISM,
    },
    hashConcurrency: env.HASH_CONCURRENCY,
    hashQueue: env.HASH_QUEUE,
    signInConcurrency: {
      perAddress: env.SIGNIN_CONCURRENCY_PER_IP,
      perAccount: env.SIGNIN_CONCURRENCY_PER_ACCOUNT,
    },
    commandTimeoutMs: env.COMMAND_TIMEOUT_MS,
    sessionTtlMs: hours(env.SESSION_TTL_HOURS),
    ticketTtlMs: hours(env.TICKET_TTL_HOURS),
    ticketRetryGraceMs: env.TICKET_RETRY_GRACE_S === undefined ? undefined : env.TICKET_RETRY_GRACE_S * 1000,
    throttle: {
      windowMs: env.THROTTLE_WINDOW_MS,
      lockoutBaseMs: env.THROTTLE_LOCKOUT_BASE_MS,
      lockoutMaxMs: env.THROTTLE_LOCKOUT_MAX_MS,
      account: {
        maxFailures: env.THROTTLE_ACCOUNT_MAX_FAILURES,
        lockoutAfter: env.THROTTLE_ACCOUNT_LOCKOUT_AFTER,
      },
      address: { maxFailures: env.THROTTLE_IP_MAX_FAILURES, lockoutAfter: env.THROTTLE_IP_LOCKOUT_AFTER },
      registrationsPerAddress: env.THROTTLE_REGISTRATIONS_PER_IP,
    },
    keyClaims: {
      perSec: env.KEY_CLAIMS_PER_MINUTE === undefined ? undefined : env.KEY_CLAIMS_PER_MINUTE / 60,
      burst: env.KEY_CLAIMS_BURST,
    },
    deviceMessages: { perSec: env.DEVICE_MESSAGES_PER_SEC, burst: env.DEVICE_MESSAGES_BURST },
  };
}
