import { describe, expect, it } from "vitest";
import { Device } from "@sealroom/e2e";
import { ConversationStates } from "./conversations.js";
import type { GroupRecord } from "./group-record.js";
import { MemoryE2eStateStore } from "./state-store.js";

const CONV = "group:1";

describe("ConversationStates.drop", () => {
  it("forgets the group only while it is still the record the caller found wanting", async () => {
    const device = await Device.create({ userId: 1, deviceId: "laptop" });
    const states = new ConversationStates(
      new MemoryE2eStateStore(),
      () => 1,
      () => undefined,
    );
    const removed: GroupRecord = { group: await device.createGroup(CONV), seq: 3, joinedEpoch: 0n };
    await states.adopt(CONV, removed);
    // A Welcome joined while the log reader was still failing on the old group (they run side by side).
    const rejoined: GroupRecord = { group: await device.createGroup(CONV), seq: 9, joinedEpoch: 0n };
    await states.adopt(CONV, rejoined);

    await states.drop(CONV, removed);
    expect(await states.record(CONV, device)).toBe(rejoined);

    await states.drop(CONV, rejoined);
    // Gone from memory and from the store.
    expect(await states.record(CONV, device)).toBeUndefined();
  });
});
