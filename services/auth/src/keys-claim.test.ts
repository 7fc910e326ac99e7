/**
 * auth.keys.claim: one KeyPackage per device, each one-time package handed out once even to
 * concurrent claims on two auth instances, the last-resort one when the stock is empty, `missing`
 * devices, the audience rule and the per-claimer rate limit. Real services and database (both engines).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionGrant } from "@sealroom/proto/auth";
import { ANON, ctxOf, setup, type Harness } from "./test/harness.js";
import { b64, befriend, groupOf, registerDevice, stockUp } from "./test/keys.js";

let h: Harness;
beforeAll(async () => {
  h = await setup();
});
afterAll(() => h.teardown());

let n = 0;
const newUser = (): Promise<SessionGrant> => h.register(`claim${++n}`, "correct horse", { ...ANON, ip: `10.2.0.${n}` });
/** A second session of the last user made by newUser. */
const secondSession = async () => {
  const r = await h.login(`claim${n}`);
  if (!r.ok) throw new Error(r.error.code);
  return r.value;
};

describe("auth.keys.claim", () => {
  it("hands out one package per device, each one-time package once, then the last-resort one; missing lists the rest", async () => {
    const target = await newUser();
    const phone = await registerDevice(h, target, "Phone");
    const laptop = await registerDevice(h, await secondSession(), "Laptop");
    const bare = await registerDevice(h, await secondSession(), "Tablet");
    const phoneKps = await stockUp(h, phone, 2, true);
    const laptopKps = await stockUp(h, laptop, 1);
    const friend = await newUser();
    await befriend(h, target.user.id, friend.user.id);
    const claim = (body: object) => h.ok("auth.keys.claim", { userId: target.user.id, ...body }, ctxOf(friend));

    // Packages of one upload (and devices made in the same millisecond) have no order among them.
    const phoneOneTime = phoneKps.oneTime.map((kp) => b64(kp.bytes));
    const first = await claim({});
    const byDevice = new Map(first.keyPackages.map((kp) => [kp.deviceId, kp]));
    expect([...byDevice.keys()].sort()).toEqual([phone.deviceId, laptop.deviceId].sort());
    expect(byDevice.get(laptop.deviceId)).toEqual({
      deviceId: laptop.deviceId,
      keyPackage: b64(laptopKps.oneTime[0]!.bytes),
      lastResort: false,
    });
    const firstOfPhone = byDevice.get(phone.deviceId)!;
    expect(firstOfPhone.lastResort).toBe(false);
    expect(phoneOneTime).toContain(firstOfPhone.keyPackage);
    expect(first.missing).toEqual([bare.deviceId]);

    const second = await claim({ deviceIds: [phone.deviceId, laptop.deviceId, "noSuchDevice"] });
    expect(second.keyPackages).toEqual([
      {
        deviceId: phone.deviceId,
        keyPackage: phoneOneTime.find((kp) => kp !== firstOfPhone.keyPackage),
        lastResort: false,
      },
    ]);
    expect(second.missing.sort()).toEqual(["noSuchDevice", laptop.deviceId].sort());

    // Empty one-time stock: the last-resort package, again and again, and it stays.
    for (let i = 0; i < 2; i++) {
      const last = await claim({ deviceIds: [phone.deviceId] });
      expect(last).toEqual({
        keyPackages: [{ deviceId: phone.deviceId, keyPackage: b64(phoneKps.last!.bytes), lastResort: true }],
        missing: [],
      });
    }
    expect(await h.ok("auth.keys.stock", {}, ctxOf(phone.grant))).toEqual({ oneTime: 0, lastResort: true });

    // A signed-out device is no longer handed out.
    await h.ok("auth.logout", {}, ctxOf(phone.grant));
    expect((await claim({ deviceIds: [phone.deviceId] })).missing).toEqual([phone.deviceId]);
  });

  it("answers a stranger, or about an unknown user, NOT_FOUND and takes nothing", async () => {
    const target = await newUser();
    const d = await registerDevice(h, target);
    await stockUp(h, d, 1);
    const stranger = await newUser();
    for (const userId of [target.user.id, 2 ** 31 - 1]) {
      const err = await h.fail("auth.keys.claim", { userId }, ctxOf(stranger));
      expect(err).toMatchObject({ code: "NOT_FOUND", message: "No such user." });
    }
    expect(await h.ok("auth.keys.stock", {}, ctxOf(d.grant))).toEqual({ oneTime: 1, lastResort: false });
  });

  it("limits claims per claimer and claimed user", async () => {
    const [target, other, claimer] = [await newUser(), await newUser(), await newUser()];
    await befriend(h, target.user.id, claimer.user.id);
    await befriend(h, other.user.id, claimer.user.id);
    const burst = h.first.service.config.keyClaims.burst;
    for (let i = 0; i < burst; i++) await h.ok("auth.keys.claim", { userId: target.user.id }, ctxOf(claimer));
    const err = await h.fail("auth.keys.claim", { userId: target.user.id }, ctxOf(claimer));
    expect(err).toMatchObject({ code: "RATE_LIMITED", retryable: true, retryAfterMs: expect.any(Number) });
    // Another claimed user is a bucket of its own.
    expect((await h.call("auth.keys.claim", { userId: other.user.id }, ctxOf(claimer))).ok).toBe(true);
  });

  it("gives each one-time package to exactly one of 20 concurrent claims on two instances", async () => {
    const second = await h.addInstance();
    try {
      const target = await newUser();
      const d = await registerDevice(h, target);
      const { oneTime, last } = await stockUp(h, d, 5, true);
      const claimers = [await newUser(), await newUser(), await newUser(), await newUser()];
      await groupOf(h, [target.user.id, ...claimers.map((c) => c.user.id)]);

      const replies = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          h.ok("auth.keys.claim", { userId: target.user.id }, ctxOf(claimers[i % claimers.length]!)),
        ),
      );
      const handedOut = replies.flatMap((r) => r.keyPackages);
      expect(handedOut).toHaveLength(20);
      const oneTimeGiven = handedOut.filter((kp) => !kp.lastResort).map((kp) => kp.keyPackage);
      // Every one-time package went out, and to exactly one claim; everyone else got the last resort.
      expect(oneTimeGiven.sort()).toEqual(oneTime.map((kp) => b64(kp.bytes)).sort());
      expect(handedOut.filter((kp) => kp.lastResort).every((kp) => kp.keyPackage === b64(last!.bytes))).toBe(true);
      expect(await h.ok("auth.keys.stock", {}, ctxOf(target))).toEqual({ oneTime: 0, lastResort: true });
    } finally {
      await h.stopInstance(second);
    }
  });
});
