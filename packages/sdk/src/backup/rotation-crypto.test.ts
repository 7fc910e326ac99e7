import { describe, expect, it } from "vitest";
import { Device } from "@sealroom/e2e";
import { b64 } from "../e2e/base64url.js";
import { newBackupKey } from "./crypto.js";
import { b64ToHex, openLink, sealLink, wrapContext, wrapFor } from "./rotation-crypto.js";

describe("a rotation's cryptography", () => {
  it("the link back opens only under the new key, for its user and version", async () => {
    const [oldKey, newKey] = [newBackupKey(), newBackupKey()];
    const link = await sealLink(newKey, 3, 7, oldKey);
    expect(await openLink(newKey, 3, 7, link)).toEqual(oldKey);
    expect(await openLink(oldKey, 3, 7, link)).toBeUndefined();
    expect(await openLink(newKey, 4, 7, link)).toBeUndefined();
    expect(await openLink(newKey, 3, 8, link)).toBeUndefined();
    expect(await openLink(newKey, 3, 7, `${link.slice(0, -2)}AA`)).toBeUndefined();
    expect(await openLink(newKey, 3, 7, "short")).toBeUndefined();
  });

  it("a wrap opens on the device it names, for that version, and is refused for a package of another key", async () => {
    const device = await Device.create({ userId: 7, deviceId: "p".repeat(22) });
    const [kp] = await device.createKeyPackages(1);
    const key = newBackupKey();
    const target = {
      deviceId: "p".repeat(22),
      signatureKey: b64(device.signaturePublicKey),
      keyPackage: b64(kp!.bytes),
    };
    const wrap = await wrapFor(7, 2, key, target);
    const other = wrapContext(7, "p".repeat(22), 3);
    const { info, aad } = wrapContext(7, "p".repeat(22), 2);
    const open = (a: Uint8Array) =>
      device.openSealed(
        b64ToHex(wrap.keyPackageRef),
        new Uint8Array(Buffer.from(wrap.enc, "base64url")),
        new Uint8Array(Buffer.from(wrap.sealed, "base64url")),
        info,
        a,
      );
    await expect(open(other.aad)).rejects.toThrow();
    expect(await open(aad)).toEqual(key);

    const impostor = await Device.create({ userId: 7, deviceId: "p".repeat(22) });
    await expect(
      wrapFor(7, 2, key, { ...target, signatureKey: b64(impostor.signaturePublicKey) }),
    ).rejects.toMatchObject({
      code: "identity_mismatch",
    });
  });
});
