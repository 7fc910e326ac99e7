import { randomBytes } from "node:crypto";
import { describe, expect, test } from "vitest";
import { keySet, safetyGroups, safetyNumber } from "./safety-number.js";

const key = () => randomBytes(32).toString("base64url");

describe("safety number (docs/E2E.md section 4, Verification)", () => {
  test("a fixed vector (computed independently with Python's hashlib from the documented algorithm)", async () => {
    // keys 0x01 x32 and 0x02 x32 for user 7, 0x00..0x1f for user 42
    const alice = {
      userId: 7,
      signatureKeys: ["AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI", "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE"],
    };
    const bob = { userId: 42, signatureKeys: ["AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"] };
    const number = await safetyNumber(alice, bob);
    expect(number).toBe("135303542613717858092152785068534636178954375455037835478771");
    expect(safetyGroups(number)).toHaveLength(12);
    expect(safetyGroups(number)[0]).toBe("13530");
  });

  test("the same on both sides, whatever order the directory lists the keys in", async () => {
    const a = { userId: 3, signatureKeys: [key(), key(), key()] };
    const b = { userId: 11, signatureKeys: [key(), key()] };
    const fromA = await safetyNumber(a, b);
    const fromB = await safetyNumber(b, { ...a, signatureKeys: [...a.signatureKeys].reverse() });
    expect(fromB).toBe(fromA);
    expect(fromA).toMatch(/^\d{60}$/);
  });

  test("changes when any device is added, removed or replaced on either side, and with the user ids", async () => {
    const a = { userId: 3, signatureKeys: [key(), key()] };
    const b = { userId: 11, signatureKeys: [key()] };
    const base = await safetyNumber(a, b);
    const variants = [
      [{ ...a, signatureKeys: [...a.signatureKeys, key()] }, b], // a device added
      [{ ...a, signatureKeys: a.signatureKeys.slice(1) }, b], // a device removed
      [a, { ...b, signatureKeys: [key()] }], // a device replaced
      [a, { ...b, userId: 12 }], // the same keys claimed by another user
    ] as const;
    for (const [x, y] of variants) expect(await safetyNumber(x, y)).not.toBe(base);
    // Only the changed side's half changes: a's digits come first (lower id).
    const replaced = await safetyNumber(a, { ...b, signatureKeys: [key()] });
    expect(replaced.slice(0, 30)).toBe(base.slice(0, 30));
    expect(replaced.slice(30)).not.toBe(base.slice(30));
  });

  test("a key set is order-free and compares devices by their keys", () => {
    const [k1, k2] = [key(), key()];
    expect(keySet([k1, k2])).toEqual(keySet([k2, k1]));
    expect(keySet([k1])).not.toEqual(keySet([k2]));
  });
});
