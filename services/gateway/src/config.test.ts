import { describe, expect, it } from "vitest";
import { defaultGatewayConfig, resolveGatewayConfig } from "./config.js";
import { gatewayConfigFromEnv, gatewayEnvSchema } from "./env.js";

describe("gateway config", () => {
  it("an empty environment gives the defaults", () => {
    expect(gatewayConfigFromEnv(gatewayEnvSchema.parse({}))).toEqual(defaultGatewayConfig);
    expect(resolveGatewayConfig()).toEqual(defaultGatewayConfig);
  });

  it("maps the environment's names onto the config's", () => {
    const env = gatewayEnvSchema.parse({
      RATE_LIMIT_PER_SEC: "2",
      HANDSHAKE_TIMEOUT_MS: "400",
      SIGN_IN_MAX_MS: "4000",
      ALLOWED_ORIGINS: "https://chat.example.org",
      TRUSTED_PROXIES: "10.0.0.1, 10.0.0.2",
      TICKET_LIFETIME_MS: "3600000",
    });
    expect(resolveGatewayConfig(gatewayConfigFromEnv(env))).toEqual({
      ...defaultGatewayConfig,
      rateLimitPerSec: 2,
      handshakeTimeoutMs: 400,
      signInMaxMs: 4000,
      allowedOrigins: ["https://chat.example.org"],
      trustedProxies: ["10.0.0.1", "10.0.0.2"],
      ticketLifetimeMs: 3_600_000,
    });
  });

  it("merges a partial over the defaults and refuses settings that cannot work", () => {
    expect(resolveGatewayConfig({ maxConnectionsPerUser: 2 }).maxConnectionsPerUser).toBe(2);
    expect(() => resolveGatewayConfig({ rateLimitBurst: 0 })).toThrow(/rateLimitBurst/);
    expect(() => resolveGatewayConfig({ presenceTtlMs: 600_000 })).toThrow(/presenceTtlMs/);
    // The bound on the sign-in deadline's restarts cannot be shorter than one deadline.
    expect(() => resolveGatewayConfig({ handshakeTimeoutMs: 200_000 })).toThrow(/signInMaxMs/);
    // A ticket must stay openable for its whole lifetime: the current and the previous key period.
    expect(() => resolveGatewayConfig({ ticketLifetimeMs: 2 * 86_400_000 })).toThrow(/ticketLifetimeMs/);
    expect(resolveGatewayConfig({ ticketLifetimeMs: 3_600_000 }).ticketKeyRotationMs).toBe(86_400_000);
  });
});
