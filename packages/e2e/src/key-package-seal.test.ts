import { describe, expect, it } from "vitest";
import { Device } from "./device.js";
import { E2eError } from "./errors.js";
import { sealToKeyPackage } from "./key-package.js";

const utf8 = (s: string) => new TextEncoder().encode(s);
const info = utf8("test purpose");
const aad = utf8("user 1, device, version 2");
const secret = utf8("thirty-two bytes of backup key!!");

async function deviceWithPackages() {
  const device = await Device.create({ userId: 1, deviceId: "d".repeat(22) });
  const [oneTime] = await device.createKeyPackages(1);
  const lastResort = await device.createLastResortKeyPackage();
  return { device, oneTime: oneTime!, lastResort };
}

describe("sealing to a device's KeyPackage", () => {
  it("opens on the device once for a one-time package, every time for the last-resort one, and survives export", async () => {
    const { device, oneTime, lastResort } = await deviceWithPackages();
    const id = device.identity;
    const sealed = await sealToKeyPackage(oneTime.bytes, id, device.signaturePublicKey, secret, info, aad);
    expect(sealed.ref).toBe(oneTime.ref);
    const restored = await Device.importState(device.exportState());
    expect(await restored.openSealed(sealed.ref, sealed.enc, sealed.ct, info, aad)).toEqual(secret);
    // Used up: the directory handed it out once.
    await expect(restored.openSealed(sealed.ref, sealed.enc, sealed.ct, info, aad)).rejects.toMatchObject({
      code: "no_key_package",
    });

    const last = await sealToKeyPackage(lastResort.bytes, id, device.signaturePublicKey, secret, info, aad);
    for (let i = 0; i < 2; i++) expect(await device.openSealed(last.ref, last.enc, last.ct, info, aad)).toEqual(secret);
  });

  it("does not open with another purpose, another context, or damaged bytes", async () => {
    const { device, lastResort } = await deviceWithPackages();
    const sealed = await sealToKeyPackage(
      lastResort.bytes,
      device.identity,
      device.signaturePublicKey,
      secret,
      info,
      aad,
    );
    const flipped = Uint8Array.from(sealed.ct);
    flipped[0]! ^= 1;
    for (const [i, a, ct] of [
      [utf8("other purpose"), aad, sealed.ct],
      [info, utf8("user 1, device, version 3"), sealed.ct],
      [info, aad, flipped],
    ] as const) {
      await expect(device.openSealed(sealed.ref, sealed.enc, ct, i, a)).rejects.toBeInstanceOf(E2eError);
    }
  });

  it("refuses a package of another device, or signed by another key than the directory's", async () => {
    const { device, oneTime } = await deviceWithPackages();
    const other = await Device.create({ userId: 1, deviceId: "e".repeat(22) });
    await expect(
      sealToKeyPackage(oneTime.bytes, other.identity, device.signaturePublicKey, secret, info, aad),
    ).rejects.toMatchObject({ code: "identity_mismatch" });
    await expect(
      sealToKeyPackage(oneTime.bytes, device.identity, other.signaturePublicKey, secret, info, aad),
    ).rejects.toMatchObject({ code: "identity_mismatch" });
  });
});
