// The engine's stored records: a device record names the session it was registered on (any other
// session must make a new device), a group record carries the reading position and join epoch;
// bytes that are not a record are refused (undefined), never half-read.
import { describe, expect, it } from "vitest";
import { Device } from "@sealroom/e2e";
import { b64, fromB64 } from "./base64url.js";
import { decodeDeviceRecord, encodeDeviceRecord } from "./device-keys.js";
import { decodeGroupRecord, encodeGroupRecord } from "./group-record.js";

describe("engine records", () => {
  it("a device record keeps its session id and the device state", async () => {
    const device = await Device.create({ userId: 7, deviceId: "dev-7" });
    const record = decodeDeviceRecord(encodeDeviceRecord("session-a", device));
    expect(record?.sessionId).toBe("session-a");
    const back = await Device.importState(record!.state);
    expect(back.identity).toEqual({ userId: 7, deviceId: "dev-7" });
    expect(b64(back.signaturePublicKey)).toBe(b64(device.signaturePublicKey));
  });

  it("a group record keeps its position and join epoch, and the group goes on", async () => {
    const device = await Device.create({ userId: 7, deviceId: "dev-7" });
    const group = await device.createGroup("dm:7:9");
    const bytes = encodeGroupRecord({ group, seq: 42, joinedEpoch: 3n });
    const back = decodeGroupRecord(bytes, device);
    expect(back).toMatchObject({ seq: 42, joinedEpoch: 3n });
    expect(back?.group.conversationId).toBe("dm:7:9");
    expect(back?.group.epoch).toBe(group.epoch);
  });

  it("bytes that are not a record are refused", async () => {
    const device = await Device.create({ userId: 7, deviceId: "dev-7" });
    for (const junk of [new Uint8Array(), new Uint8Array([0, 0, 0, 200, 1]), new TextEncoder().encode("nope")]) {
      expect(decodeDeviceRecord(junk)).toBeUndefined();
      expect(decodeGroupRecord(junk, device)).toBeUndefined();
    }
    const deviceBytes = encodeDeviceRecord("s", device);
    expect(decodeGroupRecord(deviceBytes, device)).toBeUndefined();
  });

  it("base64url round trips every byte value without padding", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const text = b64(all);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(text, "base64url")).toEqual(Buffer.from(all));
    expect(fromB64(text)).toEqual(all);
  });
});
