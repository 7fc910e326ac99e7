/**
 * Who gets a place in the password-hash queue (review item 6): one address or one account cannot
 * take every place, a full queue refuses before touching the database, and work whose requester
 * (the gateway, COMMAND_TIMEOUT_MS) has already given up is dropped instead of hashed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANON, setup, type Harness } from "./test/harness.js";

/** A hash of roughly 100 ms here: long enough to hold a slot while the other requests arrive. */
const SLOW = { memoryKiB: 65536, timeCost: 2, parallelism: 1 };
/** Failures must not lock anything in these tests: only admission may refuse. */
const NO_LOCKOUT = {
  account: { lockoutAfter: 1000, maxFailures: 1000 },
  address: { lockoutAfter: 1000, maxFailures: 1000 },
};

const codeOf = (r: { ok: true } | { ok: false; error: { code: string } }) => (r.ok ? "ok" : r.error.code);
const at = (ip: string) => ({ ...ANON, ip });

/** Resolves once the instance is computing a hash. */
async function hashing(h: Harness): Promise<void> {
  for (let i = 0; i < 4000; i++) {
    if (await inFlight(h)) return;
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error("no hash started");
}

/** Whether a hash is running now. */
async function inFlight(h: Harness): Promise<boolean> {
  const gauge = await h.first.service.metrics.hashesInFlight.get();
  return (gauge.values[0]?.value ?? 0) > 0;
}

/** Password checks that ran to a verdict (each one cost a hash). */
async function checked(h: Harness): Promise<number> {
  const m = await h.first.service.metrics.logins.get();
  return m.values.reduce((sum, v) => sum + v.value, 0);
}

describe("sign-in admission per address and per account", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await setup({
      config: {
        argon2: SLOW,
        hashConcurrency: 1,
        hashQueue: 8,
        signInConcurrency: { perAddress: 3, perAccount: 2 },
        throttle: NO_LOCKOUT,
      },
    });
    await h.register("real", "correct horse", at("10.3.0.1"));
    await h.register("target", "correct horse", at("10.3.0.2"));
  });
  afterAll(() => h.teardown());

  it("regression: concurrent sign-ins from one address cannot fill the queue; a user elsewhere still gets in (they got AUTH_BUSY)", async () => {
    const flood = Array.from({ length: 12 }, (_, i) => h.login(`nobody${i}`, "wrong horse", at("10.66.0.1")));
    await hashing(h);
    const real = await h.login("real", "correct horse", at("10.3.0.1"));
    expect(codeOf(real)).toBe("ok");
    const codes = (await Promise.all(flood)).map(codeOf);
    // At most three at once from that address; the rest were refused at once.
    expect(codes.filter((c) => c === "AUTH_BUSY").length).toBeGreaterThanOrEqual(9);
    expect(codes.every((c) => c === "AUTH_BUSY" || c === "AUTH_INVALID_CREDENTIALS")).toBe(true);
  });

  it("regression: concurrent sign-ins to one account from many addresses are limited to its share", async () => {
    const flood = Array.from({ length: 10 }, (_, i) => h.login("target", "wrong horse", at(`10.67.0.${i}`)));
    await hashing(h);
    const real = await h.login("real", "correct horse", at("10.3.0.1"));
    expect(codeOf(real)).toBe("ok");
    const codes = (await Promise.all(flood)).map(codeOf);
    expect(codes.filter((c) => c === "AUTH_BUSY").length).toBeGreaterThanOrEqual(8);
    // A refusal is not a failed attempt: the owner signs in right after.
    expect(codeOf(await h.login("target", "correct horse", at("10.3.0.2")))).toBe("ok");
  });
});

describe("a full queue refuses before any database query", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await setup({
      config: { argon2: { ...SLOW, timeCost: 8 }, hashConcurrency: 1, hashQueue: 0, throttle: NO_LOCKOUT },
    });
    await h.register("first", "correct horse");
  });
  afterAll(() => h.teardown());

  it("regression: with the queue full, a sign-in is AUTH_BUSY without a database query (it queried the throttle table and the account first)", async () => {
    // The answer proves something only while the first sign-in still holds the one hash slot. On
    // a loaded machine (or PostgreSQL waiting to rename the table) its hash can end first: then
    // the round is not counted, and tried again.
    for (let round = 1; ; round++) {
      const first = h.login("first", "correct horse", at("10.4.0.1"));
      await hashing(h);
      // Fault injection in the real database: any query of the throttle table now fails.
      await h.db.$executeRawUnsafe(`ALTER TABLE "AuthThrottle" RENAME TO "AuthThrottle_away"`);
      let reply: Awaited<ReturnType<Harness["login"]>> | undefined;
      try {
        if (await inFlight(h)) {
          const answer = await h.login("first", "correct horse", at("10.4.0.2"));
          if (await inFlight(h)) reply = answer;
        }
      } finally {
        await h.db.$executeRawUnsafe(`ALTER TABLE "AuthThrottle_away" RENAME TO "AuthThrottle"`);
      }
      await first;
      if (reply) {
        expect(codeOf(reply)).toBe("AUTH_BUSY");
        return;
      }
      if (round >= 5) throw new Error("the first sign-in's hash never outlasted the setup");
    }
  });
});

describe("work whose requester has given up", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await setup({
      config: {
        argon2: SLOW,
        hashConcurrency: 1,
        hashQueue: 32,
        commandTimeoutMs: 600,
        throttle: NO_LOCKOUT,
      },
    });
  });
  afterAll(() => h.teardown());

  it("regression: a sign-in still queued when the gateway's timeout passes is dropped, not hashed (all 16 were hashed, most after the gateway had answered TIMEOUT)", async () => {
    const before = await checked(h);
    const replies = await Promise.all(
      Array.from({ length: 16 }, (_, i) => h.login(`late${i}`, "wrong horse", at(`10.5.0.${i}`))),
    );
    const codes = replies.map(codeOf);
    const hashed = (await checked(h)) - before;
    // About 600 ms / ~100 ms per hash fit before the deadline; the others were answered AUTH_BUSY.
    expect(hashed).toBeLessThan(12);
    expect(codes.filter((c) => c === "AUTH_INVALID_CREDENTIALS").length).toBe(hashed);
    expect(codes.filter((c) => c === "AUTH_BUSY").length).toBe(16 - hashed);
    const dropped = await h.first.service.metrics.registry.getSingleMetricAsString("sealroom_auth_dropped_total");
    expect(dropped).toContain(`sealroom_auth_dropped_total{service="auth"} ${16 - hashed}`);
  });
});
