// The Delivery Service's keyless view of real MLS messages (ts-mls, ciphersuite 0x0001).
import { describe, expect, it } from "vitest";
import {
  Device,
  E2eError,
  ExternalSenderKey,
  encodeContent,
  inspectGroupInfo,
  inspectMessage,
  textContent,
} from "./index.js";

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof E2eError ? err.code : "not an E2eError";
  }
  return undefined;
}

describe("inspectMessage", () => {
  it("reads wire format, group id, epoch and content type of every kind without keys", async () => {
    const alice = await Device.create({ userId: 1, deviceId: "alice" });
    const bob = await Device.create({ userId: 2, deviceId: "bob" });
    const [kp] = await bob.createKeyPackages(1);
    const group = await alice.createGroup("dm:1:2");
    const add = await group.addMembers([kp!.bytes]);
    expect(inspectMessage(add.commit)).toEqual({
      wireFormat: "public",
      groupId: "sealroom:1:dm:1:2:0",
      epoch: 0,
      contentType: "commit",
    });
    expect(inspectMessage(add.welcome!)).toEqual({ wireFormat: "welcome" });
    expect(inspectMessage(add.groupInfo)).toEqual({ wireFormat: "group_info" });
    expect(inspectMessage(kp!.bytes)).toEqual({ wireFormat: "key_package" });
    expect(inspectGroupInfo(add.groupInfo)).toEqual({ groupId: "sealroom:1:dm:1:2:0", epoch: 1 });
    group.mergePendingCommit();

    const app = await group.encrypt(encodeContent(textContent("hi")));
    expect(inspectMessage(app)).toEqual({
      wireFormat: "private",
      groupId: "sealroom:1:dm:1:2:0",
      epoch: 1,
      contentType: "application",
    });

    const server = await ExternalSenderKey.create();
    const g2 = await alice.createGroup("group:7", { externalSenders: [server.descriptor()] });
    const [kp2] = await bob.createKeyPackages(1);
    const add2 = await g2.addMembers([kp2!.bytes]);
    g2.mergePendingCommit();
    const [proposal] = await server.proposeRemove(add2.groupInfo, { userId: 2 });
    expect(inspectMessage(proposal!)).toMatchObject({
      wireFormat: "public",
      groupId: "sealroom:1:group:7:0",
      epoch: 1,
      contentType: "proposal",
    });
  });

  it("refuses malformed bytes with invalid_message", async () => {
    const alice = await Device.create({ userId: 1, deviceId: "alice" });
    const group = await alice.createGroup("group:1");
    const info = await group.groupInfo();
    const app = await group.encrypt(new Uint8Array(256));
    expect(code(() => inspectMessage(new Uint8Array()))).toBe("invalid_message");
    expect(code(() => inspectMessage(new Uint8Array([0, 1, 0, 9, 9])))).toBe("invalid_message");
    expect(code(() => inspectMessage(app.slice(0, app.length - 5)))).toBe("invalid_message");
    expect(code(() => inspectMessage(new Uint8Array([...app, 0])))).toBe("invalid_message");
    expect(code(() => inspectGroupInfo(app))).toBe("invalid_message");
    expect(code(() => inspectGroupInfo(info.slice(0, 40)))).toBe("invalid_message");
    expect(inspectGroupInfo(info)).toEqual({ groupId: "sealroom:1:group:1:0", epoch: 0 });
  });
});
