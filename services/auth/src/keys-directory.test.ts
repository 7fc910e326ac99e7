/**
 * The key directory (auth.keys.*): device registration, KeyPackage uploads checked with real
 * @sealroom/e2e devices, the stock, who may list a user's devices, and sign-out removing devices.
 * Real auth service, nats-server and database (SQLite or PostgreSQL: SEALROOM_TEST_DB).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Device } from "@sealroom/e2e";
import type { SessionGrant } from "@sealroom/proto/auth";
import { KEYS_LIMITS } from "@sealroom/proto/keys";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { createDevices } from "./devices.js";
import { createStore } from "./store.js";
import { ANON, ctxOf, setup, type Harness } from "./test/harness.js";
import { b64, befriend, groupOf, registerDevice, stockUp, uploadBody } from "./test/keys.js";

let h: Harness;
beforeAll(async () => {
  h = await setup();
});
afterAll(() => h.teardown());

let n = 0;
/** A new account, each from its own address (the registration throttle counts per address). */
const newUser = (): Promise<SessionGrant> => h.register(`keys${++n}`, "correct horse", { ...ANON, ip: `10.1.0.${n}` });
const packagesOf = (deviceId: string) =>
  h.db.keyPackage.findMany({ where: { deviceId }, select: { ref: true, lastResort: true } });

describe("auth.keys.registerDevice", () => {
  it("registers one device per session; the same key again is the same device, another key a new one", async () => {
    const grant = await newUser();
    const keys = await Device.generateSignatureKeyPair();
    const body = { signatureKey: b64(keys.publicKey), name: "  Firefox on Linux " };
    const first = await h.ok("auth.keys.registerDevice", body, ctxOf(grant));
    expect(first.deviceId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await h.ok("auth.keys.registerDevice", body, ctxOf(grant))).toEqual(first);
    const row = await h.db.device.findUniqueOrThrow({ where: { id: first.deviceId } });
    expect(row).toMatchObject({ userId: grant.user.id, sessionId: grant.sessionId, name: "Firefox on Linux" });

    // The device loses its state: a new key replaces it, its KeyPackages go with it.
    const old = await Device.create({ userId: grant.user.id, deviceId: first.deviceId }, {}, keys);
    await stockUp(h, { device: old, deviceId: first.deviceId, grant }, 3, true);
    const replaced = await registerDevice(h, grant);
    expect(replaced.deviceId).not.toBe(first.deviceId);
    expect(await h.db.device.count({ where: { sessionId: grant.sessionId } })).toBe(1);
    expect(await packagesOf(first.deviceId)).toEqual([]);
  });

  it("refuses a bad name, a key that is not 32 bytes, and a session that has ended", async () => {
    const grant = await newUser();
    const signatureKey = b64((await Device.generateSignatureKeyPair()).publicKey);
    for (const name of ["", "   ", "a\u202Eb", "x".repeat(65), "a\u200Bb"]) {
      const err = await h.fail("auth.keys.registerDevice", { signatureKey, name }, ctxOf(grant));
      expect(err.code, JSON.stringify(name)).toBe("BAD_REQUEST");
    }
    for (const key of [signatureKey.slice(1), `${signatureKey}A`, `${signatureKey.slice(0, 42)}B`]) {
      const err = await h.fail("auth.keys.registerDevice", { signatureKey: key, name: "x" }, ctxOf(grant));
      expect(err.code).toBe("BAD_REQUEST");
    }
    await h.ok("auth.logout", {}, ctxOf(grant));
    const err = await h.fail("auth.keys.registerDevice", { signatureKey, name: "x" }, ctxOf(grant));
    expect(err.code).toBe("NOT_AUTHENTICATED");
    expect(await h.db.device.count({ where: { userId: grant.user.id } })).toBe(0);
  });
});

describe("auth.keys.uploadKeyPackages and auth.keys.stock", () => {
  it("stores checked packages, skips duplicates, replaces the last-resort one, and reports the stock", async () => {
    const d = await registerDevice(h, await newUser());
    expect(await h.ok("auth.keys.stock", {}, ctxOf(d.grant))).toEqual({ oneTime: 0, lastResort: false });
    const { oneTime, last, stock } = await stockUp(h, d, 5, true);
    expect(stock).toEqual({ oneTime: 5, lastResort: true });
    const stored = await packagesOf(d.deviceId);
    const refOf = (hex: string) => Buffer.from(hex, "hex").toString("base64url");
    expect(stored.map((p) => p.ref).sort()).toEqual([...oneTime, last!].map((kp) => refOf(kp.ref)).sort());

    // The same packages again (a lost reply, repeated), twice in one upload too: nothing changes.
    const again = await h.ok("auth.keys.uploadKeyPackages", uploadBody([...oneTime, oneTime[0]!]), ctxOf(d.grant));
    expect(again).toEqual({ oneTime: 5, lastResort: true });

    const newLast = await d.device.createLastResortKeyPackage();
    expect(await h.ok("auth.keys.uploadKeyPackages", uploadBody([], newLast), ctxOf(d.grant))).toEqual(stock);
    const lastResorts = (await packagesOf(d.deviceId)).filter((p) => p.lastResort);
    expect(lastResorts.map((p) => p.ref)).toEqual([refOf(newLast.ref)]);
    expect(await h.ok("auth.keys.stock", {}, ctxOf(d.grant))).toEqual({ oneTime: 5, lastResort: true });
  });

  it("refuses the whole upload if one package names another user or device, or another key, or is garbage", async () => {
    const grant = await newUser();
    const other = await newUser();
    const d = await registerDevice(h, grant);
    const valid = await d.device.createKeyPackages(2);
    const impostors = [
      await Device.create({ userId: other.user.id, deviceId: d.deviceId }),
      await Device.create({ userId: grant.user.id, deviceId: "someOtherDevice" }),
      // The right user and device, but not the registered key.
      await Device.create({ userId: grant.user.id, deviceId: d.deviceId }),
    ];
    for (const impostor of impostors) {
      const [bad] = await impostor.createKeyPackages(1);
      const err = await h.fail("auth.keys.uploadKeyPackages", uploadBody([...valid, bad!]), ctxOf(grant));
      expect(err.code).toBe("KEY_PACKAGE_INVALID");
      expect(err.message).toMatch(/^KeyPackage 2 /);
      const lastErr = await h.fail("auth.keys.uploadKeyPackages", uploadBody(valid, bad), ctxOf(grant));
      expect(lastErr.code).toBe("KEY_PACKAGE_INVALID");
    }
    const garbage = { keyPackages: [...uploadBody(valid).keyPackages, "AAAAAAAA"] };
    expect((await h.fail("auth.keys.uploadKeyPackages", garbage, ctxOf(grant))).code).toBe("KEY_PACKAGE_INVALID");
    expect(await packagesOf(d.deviceId)).toEqual([]);
  });

  it("refuses a session without a device, and caps the one-time stock without writing any of an upload over it", async () => {
    const bare = await newUser();
    for (const type of ["auth.keys.uploadKeyPackages", "auth.keys.stock"] as const) {
      const body = type === "auth.keys.stock" ? {} : { keyPackages: [] };
      expect((await h.fail(type, body, ctxOf(bare))).code).toBe("DEVICE_NOT_REGISTERED");
    }
    const d = await registerDevice(h, await newUser());
    await stockUp(h, d, KEYS_LIMITS.uploadMax);
    await stockUp(h, d, KEYS_LIMITS.oneTimeStockMax - KEYS_LIMITS.uploadMax - 1);
    const over = await d.device.createKeyPackages(2);
    const err = await h.fail("auth.keys.uploadKeyPackages", uploadBody(over), ctxOf(d.grant));
    expect(err.code).toBe("CONFLICT");
    const full = await h.ok("auth.keys.uploadKeyPackages", uploadBody(over.slice(0, 1)), ctxOf(d.grant));
    expect(full).toEqual({ oneTime: KEYS_LIMITS.oneTimeStockMax, lastResort: false });
  });
});

describe("auth.keys.devices", () => {
  it("lists a user's devices to themself, a friend and a group co-member; anyone else gets NOT_FOUND", async () => {
    const [owner, friend, comember, stranger, formerGroup] = await Promise.all([1, 2, 3, 4, 5].map(() => newUser()));
    const d = await registerDevice(h, owner!, "Phone");
    await befriend(h, owner!.user.id, friend!.user.id);
    await groupOf(h, [comember!.user.id, owner!.user.id]);
    const disbanded = await groupOf(h, [formerGroup!.user.id, owner!.user.id]);
    await h.db.group.update({ where: { id: disbanded }, data: { disbandedAt: new Date() } });

    // Registered but not uploaded: nobody could add it to a group yet, so it is not listed.
    expect(await h.ok("auth.keys.devices", { userId: owner!.user.id }, ctxOf(friend!))).toEqual({ devices: [] });
    const told = h.client.subscribe(SUBJECTS.userEvents(friend!.user.id), { max: 1 });
    await h.client.flush();
    await stockUp(h, d, 0, true);
    for await (const msg of told) {
      expect(msg.json()).toEqual({ type: "auth.keys.devices.changed.v1", body: { userId: owner!.user.id } });
    }

    for (const viewer of [owner!, friend!, comember!]) {
      const { devices } = await h.ok("auth.keys.devices", { userId: owner!.user.id }, ctxOf(viewer));
      expect(devices).toEqual([
        {
          deviceId: d.deviceId,
          userId: owner!.user.id,
          signatureKey: b64(d.device.signaturePublicKey),
          name: "Phone",
          createdAt: expect.any(Number),
          lastActiveAt: expect.any(Number),
        },
      ]);
    }
    for (const viewer of [stranger!, formerGroup!]) {
      const err = await h.fail("auth.keys.devices", { userId: owner!.user.id }, ctxOf(viewer));
      expect(err).toMatchObject({ code: "NOT_FOUND", message: "No such user." });
    }
    // An unknown user reads exactly like a stranger's.
    const unknown = await h.fail("auth.keys.devices", { userId: 2 ** 31 - 1 }, ctxOf(stranger!));
    expect(unknown).toMatchObject({ code: "NOT_FOUND", message: "No such user." });
  });
});

describe("signing out removes devices", () => {
  it("logout deletes this session's device and its KeyPackages; everywhere deletes all of the user's", async () => {
    const grant = await newUser();
    const d = await registerDevice(h, grant);
    await stockUp(h, d, 3, true);
    const second = await h.login(`keys${n}`);
    if (!second.ok) throw new Error(second.error.code);
    const d2 = await registerDevice(h, second.value);
    await stockUp(h, d2, 2);

    await h.ok("auth.logout", {}, ctxOf(grant));
    expect(await h.db.device.findUnique({ where: { id: d.deviceId } })).toBeNull();
    expect(await packagesOf(d.deviceId)).toEqual([]);
    expect(await packagesOf(d2.deviceId)).toHaveLength(2);

    await h.ok("auth.logout", { everywhere: true }, ctxOf(second.value));
    expect(await h.db.device.count({ where: { userId: grant.user.id } })).toBe(0);
    expect(await packagesOf(d2.deviceId)).toEqual([]);
  });

  it("a password change deletes the other sessions' devices and keeps the changing connection's", async () => {
    const grant = await newUser();
    const mine = await registerDevice(h, grant);
    await stockUp(h, mine, 0, true);
    const other = await h.login(`keys${n}`);
    if (!other.ok) throw new Error(other.error.code);
    const theirs = await registerDevice(h, other.value);
    await stockUp(h, theirs, 2);

    const changed = await h.ok(
      "auth.changePassword",
      { currentPassword: "correct horse", newPassword: "battery staple" },
      ctxOf(grant),
    );
    expect(await h.db.device.findUnique({ where: { id: theirs.deviceId } })).toBeNull();
    expect(await packagesOf(theirs.deviceId)).toEqual([]);
    // The connection now on the new session still has its device: registering again confirms it.
    const moved = { ...grant, sessionId: changed.sessionId };
    const again = await h.ok(
      "auth.keys.registerDevice",
      { signatureKey: b64(mine.device.signaturePublicKey), name: "Test browser" },
      ctxOf(moved),
    );
    expect(again.deviceId).toBe(mine.deviceId);
    expect((await h.ok("auth.keys.devices", { userId: grant.user.id }, ctxOf(moved))).devices).toHaveLength(1);
  });

  it("a reused resume ticket ends the session and deletes its device", async () => {
    const grant = await newUser();
    const d = await registerDevice(h, grant);
    await stockUp(h, d, 1);
    await h.ok("auth.resume", { ticket: grant.ticket });
    h.clock.advance(h.first.service.config.ticketRetryGraceMs); // past the grace: reuse, not a retry
    expect((await h.fail("auth.resume", { ticket: grant.ticket })).code).toBe("AUTH_TICKET_INVALID");
    expect(await h.db.device.findUnique({ where: { id: d.deviceId } })).toBeNull();
    expect(await packagesOf(d.deviceId)).toEqual([]);
  });

  it("a device of an expired session is neither listed nor claimed, and the sweep deletes it", async () => {
    const grant = await newUser();
    const friend = await newUser();
    await befriend(h, grant.user.id, friend.user.id);
    const d = await registerDevice(h, grant);
    await stockUp(h, d, 2, true);
    h.clock.advance(h.first.service.config.sessionTtlMs);
    expect(await h.ok("auth.keys.devices", { userId: grant.user.id }, ctxOf(friend))).toEqual({ devices: [] });
    const claimed = await h.ok("auth.keys.claim", { userId: grant.user.id }, ctxOf(friend));
    expect(claimed).toEqual({ keyPackages: [], missing: [] });
    expect(await packagesOf(d.deviceId)).toHaveLength(3);

    const swept = await createDevices({ store: createStore(h.db), clock: h.clock.now }).sweep();
    expect(swept).toBeGreaterThanOrEqual(1);
    expect(await h.db.device.findUnique({ where: { id: d.deviceId } })).toBeNull();
    expect(await packagesOf(d.deviceId)).toEqual([]);
  });

  it("resuming refreshes the device's lastActiveAt", async () => {
    const grant = await newUser();
    const d = await registerDevice(h, grant);
    h.clock.advance(60_000);
    await h.ok("auth.resume", { ticket: grant.ticket });
    const row = await h.db.device.findUniqueOrThrow({ where: { id: d.deviceId } });
    expect(row.lastActiveAt.getTime()).toBe(h.clock.now());
    expect(row.createdAt.getTime()).toBe(h.clock.now() - 60_000);
  });
});
