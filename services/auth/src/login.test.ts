import argon2 from "argon2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionGrantSchema } from "@sealroom/proto/auth";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { setup, type Harness } from "./test/harness.js";

describe("auth.login", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await setup();
    await h.register("Alice", "correct horse");
  });
  afterAll(() => h.teardown());

  it("signs in with the right password and opens a new session", async () => {
    const reply = await h.login("alice", "correct horse");
    if (!reply.ok) throw new Error(reply.error.code);
    expect(sessionGrantSchema.parse(reply.value)).toEqual(reply.value);
    expect(reply.value.user.username).toBe("Alice");
    const again = await h.login("ＡＬＩＣＥ", "correct horse");
    expect(again.ok && again.value.sessionId).not.toBe(reply.value.sessionId);
  });

  it("answers a wrong password and an unknown user with the identical error", async () => {
    const wrong = await h.login("alice", "wrong horse");
    const unknown = await h.login("nobody", "correct horse");
    const invalidName = await h.login("no body!", "correct horse");
    const shortPassword = await h.login("alice", "short");
    expect(wrong).toEqual({
      ok: false,
      error: { code: "AUTH_INVALID_CREDENTIALS", message: "Wrong username or password.", retryable: false },
    });
    expect(unknown).toEqual(wrong);
    expect(invalidName).toEqual(wrong);
    expect(shortPassword).toEqual(wrong);
  });
});

describe("rehash on login", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await setup({ config: { argon2: { memoryKiB: 2048, timeCost: 2, parallelism: 1 } } });
  });
  afterAll(() => h.teardown());

  it("re-hashes a password stored with weaker parameters", async () => {
    const grant = await h.register("legacy", "old but gold");
    const weak = await argon2.hash("old but gold", {
      type: argon2.argon2id,
      memoryCost: 1024,
      timeCost: 1,
      parallelism: 1,
    });
    await h.db.user.update({ where: { id: grant.user.id }, data: { passwordHash: weak } });

    expect((await h.login("legacy", "old but gold")).ok).toBe(true);
    const { passwordHash } = await h.db.user.findUniqueOrThrow({ where: { id: grant.user.id } });
    expect(passwordHash).not.toBe(weak);
    expect(passwordHash).toMatch(/^\$argon2id\$v=19\$m=2048,p=1,t=2\$/);
    expect((await h.login("legacy", "old but gold")).ok).toBe(true);
    expect((await h.login("legacy", "old but bold")).ok).toBe(false);
  });

  it("re-hashes an argon2i password as argon2id", async () => {
    const grant = await h.register("legacy2", "old but gold");
    const other = await argon2.hash("old but gold", {
      type: argon2.argon2i,
      memoryCost: 2048,
      timeCost: 2,
      parallelism: 1,
    });
    await h.db.user.update({ where: { id: grant.user.id }, data: { passwordHash: other } });
    expect((await h.login("legacy2", "old but gold")).ok).toBe(true);
    const { passwordHash } = await h.db.user.findUniqueOrThrow({ where: { id: grant.user.id } });
    expect(passwordHash).toMatch(/^\$argon2id\$v=19\$m=2048,p=1,t=2\$/);
  });

  it("treats an unreadable stored hash as a wrong password", async () => {
    const grant = await h.register("broken", "old but gold");
    await h.db.user.update({ where: { id: grant.user.id }, data: { passwordHash: "not a hash" } });
    const reply = await h.login("broken", "old but gold");
    expect(reply.ok || reply.error.code).toBe("AUTH_INVALID_CREDENTIALS");
  });
});

describe("bounded hashing", () => {
  let h: Harness;
  beforeAll(async () => {
    // A hash slow enough (tens of ms) to hold the only slot while other requests arrive; no queue.
    h = await setup({
      config: {
        argon2: { memoryKiB: 65536, timeCost: 2, parallelism: 1 },
        hashConcurrency: 1,
        hashQueue: 0,
        throttle: { account: { lockoutAfter: 100 }, address: { lockoutAfter: 100 } },
      },
    });
    await h.register("busy", "correct horse");
  });
  afterAll(() => h.teardown());

  /** Resolves once the first instance is computing a hash. */
  const hashing = async () => {
    for (let i = 0; i < 2000; i++) {
      const gauge = await h.first.service.metrics.hashesInFlight.get();
      if ((gauge.values[0]?.value ?? 0) > 0) return;
      await new Promise((r) => setTimeout(r, 1));
    }
    throw new Error("no hash started");
  };

  it("answers AUTH_BUSY (retryable) when every slot and the queue are taken", async () => {
    const first = h.login("busy", "correct horse");
    await hashing();
    const busy = await Promise.all(Array.from({ length: 4 }, () => h.login("busy", "correct horse")));
    for (const r of busy) {
      expect(r).toEqual({
        ok: false,
        error: {
          code: "AUTH_BUSY",
          message: "The server is busy signing people in. Try again shortly.",
          retryable: true,
          retryAfterMs: expect.any(Number),
        },
      });
    }
    // Each refused login is told its own moment, so they do not all return as one.
    const hints = busy.map((r) => (r.ok ? 0 : r.error.retryAfterMs));
    expect(new Set(hints).size).toBe(hints.length);
    expect((await first).ok).toBe(true);
    const metrics = await h.first.service.metrics.registry.getSingleMetricAsString("sealroom_auth_busy_total");
    expect(metrics).toContain(`sealroom_auth_busy_total{service="auth"} 4`);
    // A busy refusal is not a failed attempt: the account is not throttled and the retry works.
    expect((await h.login("busy", "correct horse")).ok).toBe(true);
  });

  it("stop() waits for a request in progress, then the service answers nothing", async () => {
    const pending = h.login("busy", "correct horse");
    await hashing();
    await h.stopInstance(h.first);
    expect((await pending).ok).toBe(true);
    await expect(h.raw(SUBJECTS.health("auth"), "")).rejects.toThrow();
  });
});
