/**
 * Managing one's own devices (auth.keys.renameDevice, auth.keys.removeDevice): a rename sticks
 * across sign-ins; removing another device revokes its session (the gateways are told, its device
 * and KeyPackages are deleted, its ticket stops working); nobody renames or removes a device that
 * is not theirs, and the calling session's own device is signed out with auth.logout instead.
 * Real auth service, nats-server and database (SQLite or PostgreSQL: SEALROOM_TEST_DB).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Device } from "@sealroom/e2e";
import type { SessionGrant } from "@sealroom/proto/auth";
import { ANON, ctxOf, setup, type Harness } from "./test/harness.js";
import { b64, registerDevice, stockUp } from "./test/keys.js";

let h: Harness;
beforeAll(async () => {
  h = await setup();
});
afterAll(() => h.teardown());

let n = 0;
const name = () => `devs${n}`;
/** A new account, each from its own address (the registration throttle counts per address). */
const newUser = (): Promise<SessionGrant> => h.register(`devs${++n}`, "correct horse", { ...ANON, ip: `10.2.0.${n}` });
async function secondSession(): Promise<SessionGrant> {
  const r = await h.login(name());
  if (!r.ok) throw new Error(r.error.code);
  return r.value;
}

describe("auth.keys.renameDevice", () => {
  it("renames the user's device, and the name stays when the device registers again at a sign-in", async () => {
    const grant = await newUser();
    const keys = await Device.generateSignatureKeyPair();
    const body = { signatureKey: b64(keys.publicKey), name: "Chromium on Linux" };
    const { deviceId } = await h.ok("auth.keys.registerDevice", body, ctxOf(grant));
    const device = await Device.create({ userId: grant.user.id, deviceId }, {}, keys);
    await stockUp(h, { device, deviceId, grant }, 0, true);
    const other = await secondSession();
    // From another of the user's sessions, like Settings' device list does.
    expect(await h.ok("auth.keys.renameDevice", { deviceId, name: "  Work laptop " }, ctxOf(other))).toEqual({});
    await h.ok("auth.keys.registerDevice", body, ctxOf(grant));
    const [listed] = await h.ok("auth.keys.devices", { userId: grant.user.id }, ctxOf(grant)).then((r) => r.devices);
    expect(listed).toMatchObject({ deviceId, name: "Work laptop" });
  });

  it("refuses a bad name, and another user's or an unknown device as NOT_FOUND, changing nothing", async () => {
    const grant = await newUser();
    const d = await registerDevice(h, grant);
    for (const bad of ["", "  ", "a\u202Eb", "x".repeat(65)]) {
      const err = await h.fail("auth.keys.renameDevice", { deviceId: d.deviceId, name: bad }, ctxOf(grant));
      expect(err.code, JSON.stringify(bad)).toBe("BAD_REQUEST");
    }
    const stranger = await newUser();
    for (const deviceId of [d.deviceId, "A".repeat(22)]) {
      const err = await h.fail("auth.keys.renameDevice", { deviceId, name: "Mine now" }, ctxOf(stranger));
      expect(err.code).toBe("NOT_FOUND");
    }
    const row = await h.db.device.findUniqueOrThrow({ where: { id: d.deviceId } });
    expect(row.name).not.toBe("Mine now");
  });
});

describe("auth.keys.removeDevice", () => {
  it("signs another device out: its session revoked and announced, its device and KeyPackages gone, its ticket dead", async () => {
    const phone = await newUser();
    const p = await registerDevice(h, phone);
    await stockUp(h, p, 3, true);
    const laptop = await secondSession();
    await registerDevice(h, laptop);
    const revoked = await h.revocations();

    expect(await h.ok("auth.keys.removeDevice", { deviceId: p.deviceId }, ctxOf(laptop))).toEqual({});
    expect(await revoked.next()).toEqual([{ userId: phone.user.id, sessionIds: [phone.sessionId] }]);
    revoked.stop();
    expect(await h.db.device.findUnique({ where: { id: p.deviceId } })).toBeNull();
    expect(await h.db.keyPackage.count({ where: { deviceId: p.deviceId } })).toBe(0);
    const { devices } = await h.ok("auth.keys.devices", { userId: phone.user.id }, ctxOf(laptop));
    expect(devices.map((d) => d.deviceId)).not.toContain(p.deviceId);
    const resumed = await h.call("auth.resume", { ticket: phone.ticket });
    expect(resumed.ok).toBe(false);
    // Gone is gone: removing it again finds nothing.
    expect((await h.fail("auth.keys.removeDevice", { deviceId: p.deviceId }, ctxOf(laptop))).code).toBe("NOT_FOUND");
  });

  it("refuses the calling session's own device, another user's, and a call from a session that has ended", async () => {
    const grant = await newUser();
    const own = await registerDevice(h, grant);
    const other = await secondSession();
    const err = await h.fail("auth.keys.removeDevice", { deviceId: own.deviceId }, ctxOf(grant));
    expect(err).toMatchObject({ code: "BAD_REQUEST", message: "This is the device you are using: sign out instead." });

    const stranger = await newUser();
    expect((await h.fail("auth.keys.removeDevice", { deviceId: own.deviceId }, ctxOf(stranger))).code).toBe(
      "NOT_FOUND",
    );

    await h.ok("auth.logout", {}, ctxOf(other));
    expect((await h.fail("auth.keys.removeDevice", { deviceId: own.deviceId }, ctxOf(other))).code).toBe(
      "NOT_AUTHENTICATED",
    );
    expect(await h.db.device.findUnique({ where: { id: own.deviceId } })).not.toBeNull();
  });
});
