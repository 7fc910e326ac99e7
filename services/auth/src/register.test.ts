import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionGrantSchema } from "@sealroom/proto/auth";
import { ANON, setup, type Harness } from "./test/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await setup({ config: { throttle: { registrationsPerAddress: 1000 } } });
});
afterAll(() => h.teardown());

describe("auth.register", () => {
  it("creates the account and signs in: user, session and a first ticket", async () => {
    const grant = await h.register("alice");
    expect(sessionGrantSchema.parse(grant)).toEqual(grant);
    expect(grant.user.username).toBe("alice");
    expect(grant.sessionId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(grant.ticketExpiresAt).toBe(h.clock.now() + 24 * 60 * 60 * 1000);
    // The ticket is stored only as its hash.
    const stored = await h.db.ticket.findMany({ where: { sessionId: grant.sessionId } });
    expect(stored).toHaveLength(1);
    expect(stored[0]?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored[0]?.hash).not.toContain(grant.ticket);
    const user = await h.db.user.findUniqueOrThrow({ where: { id: grant.user.id } });
    expect(user.passwordHash).toMatch(/^\$argon2id\$v=19\$m=1024,p=1,t=1\$/);
  });

  it.each([
    ["the same name", "alice"],
    ["another case", "Alice"],
    ["upper case", "ALICE"],
    ["fullwidth letters (NFKC)", "ａｌｉｃｅ"],
  ])("refuses a name taken in %s with USERNAME_TAKEN", async (_, name) => {
    const error = await h.fail("auth.register", { username: name, password: "another password" });
    expect(error.code).toBe("USERNAME_TAKEN");
  });

  it("accepts non-Latin names and signs in with them", async () => {
    const grant = await h.register("张伟", "密码是八个字符以上");
    expect(grant.user.username).toBe("张伟");
    const login = await h.login("张伟", "密码是八个字符以上");
    expect(login.ok && login.value.user.id).toBe(grant.user.id);
  });

  it("stores the NFKC form of the name", async () => {
    const grant = await h.register("ｂｏｂ_1");
    expect(grant.user.username).toBe("bob_1");
  });

  it.each([
    ["too short", "a"],
    ["too long", "a".repeat(33)],
    ["a space", "al ice"],
    ["a zero-width joiner", "al\u200Dice"],
    ["a bidi override", "al\u202Eice"],
    ["a control character", "al\u0007ice"],
    ["a leading dot", ".alice"],
    ["a symbol", "alice!"],
  ])("refuses a name with %s as USERNAME_INVALID", async (_, name) => {
    const error = await h.fail("auth.register", { username: name, password: "long enough" });
    expect(error.code).toBe("USERNAME_INVALID");
  });

  it("refuses passwords outside 8-1024 characters as PASSWORD_INVALID", async () => {
    for (const password of ["1234567", "x".repeat(1025)]) {
      const error = await h.fail("auth.register", { username: "pat", password });
      expect(error.code).toBe("PASSWORD_INVALID");
    }
    await h.register("pat", "x".repeat(1024));
  });

  it("SECURITY.md section 4: counts a password's length in code points after NFKC, not UTF-16 units", async () => {
    const astral = "\u{1F511}"; // one code point, two UTF-16 units
    const short = await h.fail("auth.register", { username: "cody", password: astral.repeat(7) });
    expect(short.code).toBe("PASSWORD_INVALID");
    const long = await h.fail("auth.register", { username: "cody", password: astral.repeat(1025) });
    expect(long.code).toBe("PASSWORD_INVALID");
    await h.register("cody", astral.repeat(1024));
    expect((await h.login("cody", astral.repeat(1024))).ok).toBe(true);
    // NFKC: the full-width form of a password is the same password.
    await h.register("fullwidth", "\uFF50\uFF41\uFF53\uFF53\uFF57\uFF4F\uFF52\uFF44 one");
    expect((await h.login("fullwidth", "password one")).ok).toBe(true);
  });

  it("keeps spaces in passwords", async () => {
    await h.register("spacey", "  correct horse battery staple ");
    expect((await h.login("spacey", "  correct horse battery staple ")).ok).toBe(true);
    const without = await h.login("spacey", "correcthorsebatterystaple");
    expect(without.ok || without.error.code).toBe("AUTH_INVALID_CREDENTIALS");
    const trimmed = await h.login("spacey", "correct horse battery staple");
    expect(trimmed.ok || trimmed.error.code).toBe("AUTH_INVALID_CREDENTIALS");
  });

  it("lets exactly one of several simultaneous registrations of one name win", async () => {
    const replies = await Promise.all(
      ["Racer", "racer", "RACER", "ｒａｃｅｒ", "rAcEr"].map((username) =>
        h.call("auth.register", { username, password: "same password" }),
      ),
    );
    expect(replies.filter((r) => r.ok)).toHaveLength(1);
    for (const r of replies) if (!r.ok) expect(r.error.code).toBe("USERNAME_TAKEN");
    expect(await h.db.user.count({ where: { usernameKey: "racer" } })).toBe(1);
  });
});

describe("registration throttling per address", () => {
  let t: Harness;
  beforeAll(async () => {
    t = await setup({ config: { throttle: { registrationsPerAddress: 3 } } });
  });
  afterAll(() => t.teardown());

  it("refuses more than the budget from one address until the window ends", async () => {
    for (const name of ["r1", "r2", "r3"]) await t.register(name);
    const error = await t.fail("auth.register", { username: "r4", password: "long enough" });
    expect(error).toMatchObject({ code: "AUTH_THROTTLED", retryable: true, retryAfterMs: 60 * 60 * 1000 });
    // Another address is not affected.
    await t.register("r4", "long enough", { ...ANON, ip: "10.0.0.2" });
    t.clock.advance(60 * 60 * 1000);
    await t.register("r5");
  });
});
