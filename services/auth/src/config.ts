/** Everything tunable about the auth service; `env.ts` maps the environment onto it. */

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

export interface AuthConfig {
  argon2: Argon2Params;
  /** Password hashes computed at once. */
  hashConcurrency: number;
  /** Requests waiting for a hash slot; beyond it AUTH_BUSY. */
  hashQueue: number;
  /** Absolute lifetime of a session, however often it resumes. */
  sessionTtlMs: number;
  /** Lifetime of one resume ticket. */
  ticketTtlMs: number;
  throttle: ThrottleConfig;
  /** How often stale throttle rows and expired tickets are deleted. */
  sweepIntervalMs: number;
}

const HOUR = 60 * 60 * 1000;

export const DEFAULT_AUTH_CONFIG: AuthConfig = {
  // RFC 9106 second recommendation, the argon2 package's defaults.
  argon2: { memoryKiB: 65536, timeCost: 3, parallelism: 4 },
  hashConcurrency: 2,
  hashQueue: 32,
  sessionTtlMs: 30 * 24 * HOUR,
  ticketTtlMs: 24 * HOUR,
  throttle: {
    windowMs: HOUR,
    lockoutBaseMs: 1000,
    lockoutMaxMs: 15 * 60 * 1000,
    account: { maxFailures: 100, lockoutAfter: 5 },
    address: { maxFailures: 300, lockoutAfter: 30 },
    registrationsPerAddress: 20,
  },
  sweepIntervalMs: 10 * 60 * 1000,
};

export interface AuthConfigInput
  extends Partial<Omit<AuthConfig, "argon2" | "throttle">> {
  argon2?: Partial<Argon2Params>;
  throttle?: Partial<Omit<ThrottleConfig, "account" | "address">> & {
    account?: Partial<ThrottlePolicy>;
    address?: Partial<ThrottlePolicy>;
  };
}

/** Drops keys whose value is undefined, so they do not overwrite defaults when spread. */
function defined<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Fills in defaults (an undefined field means the default) and rejects settings that cannot work. */
export function resolveAuthConfig(input: AuthConfigInput = {}): AuthConfig {
  const d = DEFAULT_AUTH_CONFIG;
  const { argon2: a, throttle: t = {}, ...rest } = input;
  const config: AuthConfig = {
    ...d,
    ...defined(rest),
    argon2: { ...d.argon2, ...defined(a) },
    throttle: {
      ...d.throttle,
      ...defined({ ...t, account: undefined, address: undefined }),
      account: { ...d.throttle.account, ...defined(t.account) },
      address: { ...d.throttle.address, ...defined(t.address) },
    },
  };
  const { argon2 } = config;
  if (argon2.timeCost < 1 || argon2.parallelism < 1 || argon2.memoryKiB < 8 * argon2.parallelism) {
    throw new Error("argon2: timeCost >= 1, parallelism >= 1 and memoryKiB >= 8 * parallelism");
  }
  if (config.hashConcurrency < 1 || config.hashQueue < 0) {
    throw new Error("hashConcurrency must be >= 1 and hashQueue >= 0");
  }
  if (config.ticketTtlMs <= 0 || config.sessionTtlMs <= 0) throw new Error("TTLs must be positive");
  for (const p of [config.throttle.account, config.throttle.address]) {
    if (p.maxFailures < 1 || p.lockoutAfter < 1) throw new Error("throttle budgets must be >= 1");
  }
  return config;
}
