import { describe, expect, it } from "vitest";
import { defaultAuthConfig, resolveAuthConfig } from "./config.js";
import { authConfigFromEnv, readAuthEnv } from "./env.js";

const HOUR = 60 * 60 * 1000;

describe("auth environment", () => {
  it("needs only DATABASE_URL; everything else has the documented defaults", () => {
    const env = readAuthEnv({ DATABASE_URL: "file:./data/sealroom.db" });
    expect(resolveAuthConfig(authConfigFromEnv(env))).toEqual(defaultAuthConfig);
    expect(defaultAuthConfig.argon2).toEqual({ memoryKiB: 65536, timeCost: 3, parallelism: 4 });
  });

  it("maps every variable onto the config", () => {
    const env = readAuthEnv({
      DATABASE_URL: "file:/tmp/x.db",
      ARGON2_MEMORY_KIB: "19456",
      ARGON2_TIME_COST: "2",
      ARGON2_PARALLELISM: "1",
      HASH_CONCURRENCY: "4",
      HASH_QUEUE: "0",
      SIGNIN_CONCURRENCY_PER_IP: "6",
      SIGNIN_CONCURRENCY_PER_ACCOUNT: "3",
      COMMAND_TIMEOUT_MS: "8000",
      SESSION_TTL_HOURS: "48",
      TICKET_TTL_HOURS: "12",
      TICKET_RETRY_GRACE_S: "10",
      THROTTLE_WINDOW_MS: "600000",
      THROTTLE_ACCOUNT_MAX_FAILURES: "50",
      THROTTLE_ACCOUNT_LOCKOUT_AFTER: "3",
      THROTTLE_IP_MAX_FAILURES: "500",
      THROTTLE_IP_LOCKOUT_AFTER: "40",
      THROTTLE_LOCKOUT_BASE_MS: "500",
      THROTTLE_LOCKOUT_MAX_MS: "60000",
      THROTTLE_REGISTRATIONS_PER_IP: "5",
      KEY_CLAIMS_PER_MINUTE: "30",
      KEY_CLAIMS_BURST: "20",
      DEVICE_MESSAGES_PER_SEC: "5",
      DEVICE_MESSAGES_BURST: "10",
    });
    expect(resolveAuthConfig(authConfigFromEnv(env))).toEqual({
      argon2: { memoryKiB: 19456, timeCost: 2, parallelism: 1 },
      hashConcurrency: 4,
      hashQueue: 0,
      signInConcurrency: { perAddress: 6, perAccount: 3 },
      commandTimeoutMs: 8000,
      sessionTtlMs: 48 * HOUR,
      ticketTtlMs: 12 * HOUR,
      ticketRetryGraceMs: 10_000,
      throttle: {
        windowMs: 600_000,
        lockoutBaseMs: 500,
        lockoutMaxMs: 60_000,
        account: { maxFailures: 50, lockoutAfter: 3 },
        address: { maxFailures: 500, lockoutAfter: 40 },
        registrationsPerAddress: 5,
      },
      keyClaims: { perSec: 0.5, burst: 20 },
      deviceMessages: { perSec: 5, burst: 10 },
      sweepIntervalMs: defaultAuthConfig.sweepIntervalMs,
    });
  });

  it("accepts a SQLite file: URL and a PostgreSQL URL", () => {
    for (const url of ["file:/tmp/x.db", "postgresql://sealroom@db:5432/sealroom", "postgres://u:p@127.0.0.1/s"]) {
      expect(readAuthEnv({ DATABASE_URL: url }).DATABASE_URL).toBe(url);
    }
  });

  it.each([
    [{}, "DATABASE_URL"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ DATABASE_URL: "/tmp/x.db" }, "DATABASE_URL"],
    [{ DATABASE_URL: "file:x.db", TICKET_TTL_HOURS: "48" }, "TICKET_TTL_HOURS"],
    [{ DATABASE_URL: "file:x.db", TICKET_RETRY_GRACE_S: "301" }, "TICKET_RETRY_GRACE_S"],
    [{ DATABASE_URL: "file:x.db", HASH_CONCURRENCY: "0" }, "HASH_CONCURRENCY"],
    [{ DATABASE_URL: "file:x.db", ARGON2_TIME_COST: "fast" }, "ARGON2_TIME_COST"],
  ])("rejects %o naming %s", (env, name) => {
    expect(() => readAuthEnv(env)).toThrow(name);
  });

  it("treats an empty HTTP_PORT as no ops server (regression: it used to mean port 0)", () => {
    expect(readAuthEnv({ DATABASE_URL: "file:x.db", HTTP_PORT: "" }).HTTP_PORT).toBeUndefined();
    expect(readAuthEnv({ DATABASE_URL: "file:x.db", HTTP_PORT: "0" }).HTTP_PORT).toBe(0);
  });

  it("rejects argon2 memory below 8 KiB per lane", () => {
    expect(() => resolveAuthConfig({ argon2: { memoryKiB: 16, parallelism: 4 } })).toThrow(/memoryKiB/);
  });
});
