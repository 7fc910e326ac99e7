import argon2 from "argon2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { passwordChangedSchema } from "@sealroom/proto/auth";
import { ctxOf, setup, type Harness } from "./test/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await setup();
});
afterAll(() => h.teardown());

describe("auth.changePassword", () => {
  it("refuses a wrong current password with AUTH_INVALID_CREDENTIALS and changes nothing", async () => {
    const grant = await h.register("gina", "old password");
    const reply = await h.call(
      "auth.changePassword",
      { currentPassword: "not my password", newPassword: "new password" },
      ctxOf(grant),
    );
    expect(reply.ok || reply.error).toEqual({
      code: "AUTH_INVALID_CREDENTIALS",
      message: "Wrong username or password.",
      retryable: false,
    });
    expect((await h.login("gina", "old password")).ok).toBe(true);
    expect((await h.call("auth.resume", { ticket: grant.ticket })).ok).toBe(true);
  });

  it("refuses a new password outside the policy", async () => {
    const grant = await h.register("hank", "old password");
    const reply = await h.call(
      "auth.changePassword",
      { currentPassword: "old password", newPassword: "short" },
      ctxOf(grant),
    );
    expect(reply.ok || reply.error.code).toBe("PASSWORD_INVALID");
  });

  it("counts wrong current passwords toward the account's throttle", async () => {
    const grant = await h.register("ivan", "old password");
    for (let i = 0; i < 5; i++) {
      await h.call(
        "auth.changePassword",
        { currentPassword: "guess guess", newPassword: "new password" },
        ctxOf(grant),
      );
    }
    const reply = await h.call(
      "auth.changePassword",
      { currentPassword: "old password", newPassword: "new password" },
      ctxOf(grant),
    );
    expect(reply.ok || reply.error).toMatchObject({ code: "AUTH_THROTTLED", retryAfterMs: 1000 });
    const login = await h.login("ivan", "old password");
    expect(login.ok || login.error.code).toBe("AUTH_THROTTLED");
    h.clock.advance(1000);
  });

  it("changes the password, revokes every session and moves the caller to a new one with a working ticket", async () => {
    const grant = await h.register("june", "old password");
    const second = await h.login("june", "old password");
    const third = await h.login("june", "old password");
    if (!second.ok || !third.ok) throw new Error("login failed");
    const revoked = await h.revocations();

    const ctx = ctxOf(grant);
    const fresh = await h.ok(
      "auth.changePassword",
      { currentPassword: "old password", newPassword: "  new pass phrase  " },
      ctx,
    );
    expect(passwordChangedSchema.parse(fresh)).toEqual(fresh);
    expect(fresh.sessionId).not.toBe(grant.sessionId);
    expect(await revoked.next()).toEqual([
      { userId: grant.user.id, exceptConn: { gatewayId: ctx.gatewayId, connId: ctx.connId } },
    ]);
    revoked.stop();

    // Every earlier session is gone, the caller's too, with their tickets; the fresh one works.
    expect((await h.call("auth.resume", { ticket: second.value.ticket })).ok).toBe(false);
    expect((await h.call("auth.resume", { ticket: third.value.ticket })).ok).toBe(false);
    expect((await h.call("auth.resume", { ticket: grant.ticket })).ok).toBe(false);
    const resumed = await h.ok("auth.resume", { ticket: fresh.ticket });
    expect(resumed.sessionId).toBe(fresh.sessionId);
    for (const old of [grant, second.value]) {
      const renew = await h.call("auth.renewTicket", {}, ctxOf(old));
      expect(renew.ok || renew.error.code).toBe("NOT_AUTHENTICATED");
    }
    expect((await h.call("auth.renewTicket", {}, ctxOf(resumed))).ok).toBe(true);

    const old = await h.login("june", "old password");
    expect(old.ok || old.error.code).toBe("AUTH_INVALID_CREDENTIALS");
    expect((await h.login("june", "  new pass phrase  ")).ok).toBe(true);
    const user = await h.db.user.findUniqueOrThrow({ where: { id: grant.user.id } });
    expect(user.passwordChangedAt.getTime()).toBe(h.clock.now());
  });

  it("regression: a sign-in with the old password that was being checked while the password changed opens no session (it opened one that outlived the change)", async () => {
    const grant = await h.register("race", "old password");
    // A slow stored hash (verification uses the stored parameters), so the sign-in below is still
    // verifying the old password when the change commits.
    const slow = await argon2.hash("old password", {
      type: argon2.argon2id,
      memoryCost: 65536,
      timeCost: 3,
      parallelism: 1,
    });
    await h.db.user.update({ where: { id: grant.user.id }, data: { passwordHash: slow } });
    const t0 = performance.now();
    await argon2.verify(slow, "old password");
    const verifyMs = performance.now() - t0;

    const change = h.call(
      "auth.changePassword",
      { currentPassword: "old password", newPassword: "new password" },
      ctxOf(grant),
    );
    await new Promise((r) => setTimeout(r, verifyMs / 4));
    const thief = await h.login("race", "old password");
    const changed = await change;
    const live = await h.db.session.findMany({
      where: { userId: grant.user.id, revokedAt: null },
      select: { id: true },
    });
    if (!changed.ok) {
      // On a loaded machine the sign-in can finish first: it stores a rehash of the old password
      // (its stored parameters are not the service's), and the change refuses to overwrite a hash
      // that changed under it. Then no change happened, and the sign-in's session is legitimate.
      expect(changed.error.code).toBe("CONFLICT");
      expect(thief.ok).toBe(true);
      expect(live).toHaveLength(2);
      return;
    }
    // Whatever the sign-in answered, no session but the changing connection's new one is live.
    expect(live.map((s) => s.id)).toEqual([changed.value.sessionId]);
    expect(thief.ok || thief.error.code).toBe("AUTH_INVALID_CREDENTIALS");
  });

  it("refuses a session that has ended", async () => {
    const grant = await h.register("kate", "old password");
    await h.ok("auth.logout", {}, ctxOf(grant));
    const reply = await h.call(
      "auth.changePassword",
      { currentPassword: "old password", newPassword: "new password" },
      ctxOf(grant),
    );
    expect(reply.ok || reply.error.code).toBe("NOT_AUTHENTICATED");
    expect((await h.login("kate", "old password")).ok).toBe(true);
  });
});
