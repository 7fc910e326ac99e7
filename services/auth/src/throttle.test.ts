import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ANON, setup, type Harness } from "./test/harness.js";

const HOUR = 60 * 60 * 1000;

describe("per-account throttling", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await setup();
    await h.register("carol", "correct horse");
  });
  afterAll(() => h.teardown());
  beforeEach(() => h.db.authThrottle.deleteMany());

  const failures = async (name: string, n: number, ip = ANON.ip) => {
    for (let i = 0; i < n; i++) {
      const r = await h.login(name, "wrong horse", { ...ANON, ip });
      expect(r.ok || r.error.code).toBe("AUTH_INVALID_CREDENTIALS");
    }
  };

  it("locks softly after 5 failures, even for the right password, and lifts after the delay", async () => {
    await failures("carol", 5);
    const locked = await h.login("carol", "correct horse");
    expect(locked).toEqual({
      ok: false,
      error: {
        code: "AUTH_THROTTLED",
        message: "Too many failed sign-in attempts. Wait a moment and try again.",
        retryable: true,
        retryAfterMs: 1000,
      },
    });
    // Throttled attempts are not evaluated, so they do not extend the lockout.
    h.clock.advance(400);
    const later = await h.login("carol", "correct horse");
    expect(later.ok || later.error.retryAfterMs).toBe(600);
    h.clock.advance(600);
    expect((await h.login("carol", "correct horse")).ok).toBe(true);
    // The success reset the account's counter.
    await failures("carol", 4);
    expect((await h.login("carol", "correct horse")).ok).toBe(true);
  });

  it("doubles the lockout with each further failure, up to the cap", async () => {
    await failures("carol", 5);
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await h.login("carol", "wrong horse");
      expect(r.ok || r.error.code).toBe("AUTH_THROTTLED");
      const wait = r.ok ? 0 : (r.error.retryAfterMs ?? 0);
      waits.push(wait);
      h.clock.advance(wait);
      await failures("carol", 1);
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900].map((s) => s * 1000));
  });

  it("regression: a name typed at sign-in (perhaps a password typed as one) is not stored in the throttle table (it was, as u:<name>)", async () => {
    await h.login("Tr0ub4dor&3", "wrong horse");
    await h.login("carol", "wrong horse");
    const keys = (await h.db.authThrottle.findMany()).map((r) => r.key);
    const accountKeys = keys.filter((k) => k.startsWith("u:"));
    expect(accountKeys).toHaveLength(2);
    for (const name of ["tr0ub4dor", "carol"]) expect(keys.join("\n").toLowerCase()).not.toContain(name);
    // Not an unkeyed hash either (a dictionary of names or passwords would find it).
    const sha = (v: string) => createHash("sha256").update(v).digest("hex");
    for (const v of ["tr0ub4dor&3", "u:tr0ub4dor&3", "carol", "u:carol"])
      expect(accountKeys).not.toContain(`u:${sha(v)}`);
    // The same name maps to the same row, so the counting still works.
    await h.login("carol", "wrong horse");
    const carol = await h.db.authThrottle.findMany({ where: { key: { startsWith: "u:" }, failures: 2 } });
    expect(carol).toHaveLength(1);
  });

  it("throttles unknown names exactly like existing ones", async () => {
    const seq = async (name: string) => {
      const replies = [];
      for (let i = 0; i < 7; i++) replies.push(await h.login(name, "wrong horse"));
      return replies;
    };
    const existing = await seq("carol");
    const unknown = await seq("ghost");
    expect(unknown).toEqual(existing);
    expect(existing.at(-1)).toMatchObject({ ok: false, error: { code: "AUTH_THROTTLED" } });
  });

  it("evaluates at most 100 guesses per hour against one account; its owner still gets in", async () => {
    const start = h.clock.now();
    let evaluated = 0;
    while (h.clock.now() - start < HOUR) {
      const r = await h.login("carol", "wrong horse");
      if (r.ok) throw new Error("guess accepted");
      if (r.error.code === "AUTH_INVALID_CREDENTIALS") evaluated++;
      else h.clock.advance(r.error.retryAfterMs ?? 0);
    }
    expect(evaluated).toBeGreaterThan(5);
    expect(evaluated).toBeLessThanOrEqual(100);
    const r = await h.login("carol", "correct horse");
    if (!r.ok) h.clock.advance(r.error.retryAfterMs ?? 0);
    expect((await h.login("carol", "correct horse")).ok).toBe(true);
  }, 60_000);
});

describe("hourly failure budget", () => {
  let h: Harness;
  beforeAll(async () => {
    // Soft lockout out of the way, so the budget itself is what stops the guessing.
    h = await setup({ config: { throttle: { account: { maxFailures: 10, lockoutAfter: 50 } } } });
    await h.register("frank", "correct horse");
  });
  afterAll(() => h.teardown());

  it("locks the account for the rest of the window once the budget is spent", async () => {
    const windowStart = h.clock.now();
    for (let i = 0; i < 10; i++) {
      h.clock.advance(60_000);
      const r = await h.login("frank", "wrong horse");
      expect(r.ok || r.error.code).toBe("AUTH_INVALID_CREDENTIALS");
    }
    h.clock.advance(60_000);
    const r = await h.login("frank", "correct horse");
    expect(r.ok || r.error).toMatchObject({
      code: "AUTH_THROTTLED",
      retryAfterMs: windowStart + 60_000 + HOUR - h.clock.now(),
    });
    h.clock.advance(r.ok ? 0 : (r.error.retryAfterMs ?? 0));
    expect((await h.login("frank", "correct horse")).ok).toBe(true);
  });
});

describe("per-address throttling", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await setup({ config: { throttle: { address: { lockoutAfter: 3, maxFailures: 10 } } } });
    await h.register("dave", "correct horse");
  });
  afterAll(() => h.teardown());

  it("locks an address that fails across many names, not other addresses", async () => {
    for (const name of ["n1", "n2", "n3"]) await h.login(name, "wrong horse");
    const blocked = await h.login("dave", "correct horse");
    expect(blocked.ok || blocked.error).toMatchObject({ code: "AUTH_THROTTLED", retryAfterMs: 1000 });
    expect((await h.login("dave", "correct horse", { ...ANON, ip: "10.0.0.9" })).ok).toBe(true);
    // IPv6 addresses count per /64.
    for (const ip of ["2001:db8::1", "2001:db8::2", "2001:db8::3"]) {
      await h.login("x", "wrong horse", { ...ANON, ip });
    }
    const v6 = await h.login("dave", "correct horse", { ...ANON, ip: "2001:db8::ffff" });
    expect(v6.ok || v6.error.code).toBe("AUTH_THROTTLED");
    h.clock.advance(1000);
    expect((await h.login("dave", "correct horse")).ok).toBe(true);
  });
});

describe("throttling shared by instances", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await setup();
    await h.register("erin", "correct horse");
  });
  afterAll(() => h.teardown());

  it("counts failures seen by one instance when another answers", async () => {
    // Two instances in the queue group, one database file.
    const second = await h.addInstance();
    const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => h.login(`spread${i}`, "wrong horse")));
    expect(replies.every((r) => !r.ok)).toBe(true);
    const served = await Promise.all(
      h.instances.map(async ({ service }) => {
        const m = await service.metrics.registry.getSingleMetric("sealroom_requests_total")?.get();
        return m?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
      }),
    );
    expect(served.reduce((a, b) => a + b)).toBeGreaterThanOrEqual(12);

    // Only the first instance answers while erin fails five times ...
    await h.stopInstance(second);
    for (let i = 0; i < 5; i++) await h.login("erin", "wrong horse");
    // ... then only a fresh one answers: it knows about the lockout.
    const third = await h.addInstance();
    await h.stopInstance(h.first);
    const r = await h.login("erin", "correct horse");
    expect(r.ok || r.error).toMatchObject({ code: "AUTH_THROTTLED", retryAfterMs: 1000 });
    h.clock.advance(1000);
    expect((await h.login("erin", "correct horse")).ok).toBe(true);
    expect(h.instances).toEqual([third]);
  });
});

describe("concurrent guesses (regression: a check before any of them counted let 101 through in an hour)", () => {
  let h: Harness;
  beforeAll(async () => {
    // Four hashes at once, soft lockout and the per-account share of the queue out of the way: only
    // the atomic count can hold the budget.
    h = await setup({
      config: {
        hashConcurrency: 4,
        signInConcurrency: { perAccount: 30 },
        throttle: { account: { maxFailures: 10, lockoutAfter: 50 } },
      },
    });
    await h.register("grace", "correct horse");
  });
  afterAll(() => h.teardown());

  it("never evaluates more than the budget, however many guesses run at once; the owner gets in after the window", async () => {
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => h.login("grace", `wrong horse ${i}`, { ...ANON, ip: `10.1.0.${i}` })),
    );
    const codes = results.map((r) => (r.ok ? "ok" : r.error.code));
    expect(codes.filter((c) => c === "AUTH_INVALID_CREDENTIALS").length).toBeLessThanOrEqual(10);
    expect(codes.filter((c) => c === "AUTH_INVALID_CREDENTIALS").length).toBeGreaterThanOrEqual(8);
    expect(codes.every((c) => c === "AUTH_INVALID_CREDENTIALS" || c === "AUTH_THROTTLED" || c === "AUTH_BUSY")).toBe(
      true,
    );
    h.clock.advance(HOUR);
    expect((await h.login("grace", "correct horse")).ok).toBe(true);
  });

  it("a successful sign-in gives its address the attempt back", async () => {
    await h.db.authThrottle.deleteMany();
    const ctx = { ...ANON, ip: "10.2.0.1" };
    expect((await h.login("grace", "wrong horse", ctx)).ok).toBe(false);
    expect((await h.login("grace", "correct horse", ctx)).ok).toBe(true);
    const rows = await h.db.authThrottle.findMany();
    expect(rows.map((r) => [r.key.slice(0, 3), r.failures])).toEqual([["ip:", 1]]);
  });
});
