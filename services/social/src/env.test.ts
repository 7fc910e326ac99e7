import { describe, expect, it } from "vitest";
import { configFromEnv, loadEnv } from "./env.js";

describe("social env", () => {
  it("has production defaults", () => {
    const env = loadEnv({ DATABASE_URL: "file:/tmp/x.db" });
    expect(configFromEnv(env)).toEqual({
      groupSizeCap: 500,
      invitationTtlMs: 7 * 24 * 60 * 60 * 1000,
      presenceSweepMs: 5000,
      presenceBatchMs: 250,
    });
  });

  it("refuses a group size cap above the contract's ceiling and a missing database", () => {
    expect(() => loadEnv({ DATABASE_URL: "file:/tmp/x.db", GROUP_SIZE_CAP: "5001" })).toThrow(/GROUP_SIZE_CAP/);
    expect(() => loadEnv({})).toThrow(/DATABASE_URL/);
    expect(() => loadEnv({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL/);
    expect(loadEnv({ DATABASE_URL: "postgresql://sealroom@db:5432/sealroom" }).DATABASE_URL).toMatch(/^postgresql:/);
    expect(loadEnv({ DATABASE_URL: "file:/tmp/x.db", GROUP_SIZE_CAP: "3" }).GROUP_SIZE_CAP).toBe(3);
  });
});
