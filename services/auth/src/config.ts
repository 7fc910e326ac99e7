/**
 * Everything tunable about the auth service (the services' one config shape: packages/runtime
 * merge-config.ts); `env.ts` maps the environment onto a partial of it.
 */
import { mergeConfig, type DeepPartial, type Rate } from "@sealroom/runtime";

/** argon2id cost; new hashes use these, verification uses whatever a stored hash says. */
export interface Argon2Params {
  memoryKiB: number;
  timeCost: number;
  parallelism: number;
}

/** Failure budget of one throttle key within the window. */
export interface ThrottlePolicy {
  /** Failures per window; beyond it the key is locked until the window ends. */
  maxFailures: number;
  /** Failures in a row (since the last success or window start) before the exponential soft lockout. */
  lockoutAfter: number;
}

export interface ThrottleConfig {
  windowMs: number;
  /** First soft lockout; doubles with each further failure. */
  lockoutBaseMs: number;
  lockoutMaxMs: number;
  /** Per account name (`u:<usernameKey>`), whether or not the account exists. */
  account: ThrottlePolicy;
  /** Per source address (`ip:<addr>`, IPv6 by /64). */
  address: ThrottlePolicy;
  /** Registration attempts per source address per window. */
  registrationsPerAddress: number;
}

/**
 * Places in the hash queue (hashConcurrency + hashQueue) one source can hold at once, per instance,
 * so a burst from one address, or at one account, cannot take every place (review item 6).
 */
export interface SignInConcurrency {
  /** Password checks and registrations at once from one address (IPv6 by /64). */
  perAddress: number;
  /** Password checks at once for one account (login by name, password change by user). */
  perAccount: number;
}

export interface AuthConfig {
  argon2: Argon2Params;
  /** Password hashes computed at once. */
  hashConcurrency: number;
  /** Requests waiting for a hash slot; beyond it AUTH_BUSY. */
  hashQueue: number;
  signInConcurrency: SignInConcurrency;
  /**
   * How long the gateway waits for a reply (its COMMAND_TIMEOUT_MS). A request still waiting for a
   * hash slot when its hash could no longer finish within this time of its arrival is dropped
   * (AUTH_BUSY, which nobody reads): the gateway has answered TIMEOUT already.
   */
  commandTimeoutMs: number;
  /** Absolute lifetime of a session, however often it resumes. */
  sessionTtlMs: number;
  /** Lifetime of one resume ticket. */
  ticketTtlMs: number;
  /**
   * How long after a resume its ticket, presented again while the session has not resumed since,
   * gets the ticket that resume issued replaced instead of revoking the session: the client never
   * received it (a lost reply). 0 makes every second presentation reuse (docs/PROTOCOL.md 9.3).
   */
  ticketRetryGraceMs: number;
  throttle: ThrottleConfig;
  /**
   * auth.keys.claim per claimer and claimed user, per instance: enough to add a user to a few
   * groups and retry lost commit races, far too little to drain a stock of one-time KeyPackages.
   */
  keyClaims: Rate;
  /**
   * auth.backup.deviceMessage per user, per instance: the approval of a new device takes a few
   * messages, resent while waiting; far less than would let one user flood their own sockets.
   */
  deviceMessages: Rate;
  /** How often stale throttle rows, expired tickets and signed-out devices are deleted. */
  sweepIntervalMs: number;
}

const HOUR = 60 * 60 * 1000;

export const defaultAuthConfig: AuthConfig = {
  // RFC 9106 second recommendation, the argon2 package's defaults.
  argon2: { memoryKiB: 65536, timeCost: 3, parallelism: 4 },
  hashConcurrency: 2,
  hashQueue: 32,
  signInConcurrency: { perAddress: 8, perAccount: 4 },
  commandTimeoutMs: 5000,
  sessionTtlMs: 30 * 24 * HOUR,
  ticketTtlMs: 24 * HOUR,
  ticketRetryGraceMs: 30_000,
  throttle: {
    windowMs: HOUR,
    lockoutBaseMs: 1000,
    lockoutMaxMs: 15 * 60 * 1000,
    account: { maxFailures: 100, lockoutAfter: 5 },
    address: { maxFailures: 300, lockoutAfter: 30 },
    registrationsPerAddress: 20,
  },
  keyClaims: { perSec: 0.1, burst: 10 },
  deviceMessages: { perSec: 20, burst: 40 },
  sweepIntervalMs: 10 * 60 * 1000,
};

export type AuthConfigInput = DeepPartial<AuthConfig>;

/** Fills in defaults (an undefined field means the default) and rejects settings that cannot work. */
export function resolveAuthConfig(input: AuthConfigInput = {}): AuthConfig {
  const config = mergeConfig(defaultAuthConfig, input);
  const { argon2 } = config;
  if (argon2.timeCost < 1 || argon2.parallelism < 1 || argon2.memoryKiB < 8 * argon2.parallelism) {
    throw new Error("argon2: timeCost >= 1, parallelism >= 1 and memoryKiB >= 8 * parallelism");
  }
  if (config.hashConcurrency < 1 || config.hashQueue < 0) {
    throw new Error("hashConcurrency must be >= 1 and hashQueue >= 0");
  }
  if (config.signInConcurrency.perAddress < 1 || config.signInConcurrency.perAccount < 1) {
    throw new Error("sign-in concurrency per address and per account must be >= 1");
  }
  if (config.commandTimeoutMs < 100) throw new Error("commandTimeoutMs must be >= 100");
  if (config.ticketTtlMs <= 0 || config.sessionTtlMs <= 0) throw new Error("TTLs must be positive");
  if (config.ticketRetryGraceMs < 0) throw new Error("ticketRetryGraceMs must be >= 0");
  for (const p of [config.throttle.account, config.throttle.address]) {
    if (p.maxFailures < 1 || p.lockoutAfter < 1) throw new Error("throttle budgets must be >= 1");
  }
  if (!(config.keyClaims.perSec > 0) || config.keyClaims.burst < 1) {
    throw new Error("keyClaims: perSec > 0 and burst >= 1");
  }
  if (!(config.deviceMessages.perSec > 0) || config.deviceMessages.burst < 1) {
    throw new Error("deviceMessages: perSec > 0 and burst >= 1");
  }
  return config;
}
