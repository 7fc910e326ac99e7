// The change detection behind the timeline's "bob's devices changed" notice (device-changes.ts) and
// where buildRows places the notices among the entries. The component: verification.test.tsx.
import { describe, expect, test } from "vitest";
import {
  NOTICES_KEPT,
  changeKind,
  readRecord,
  recordDevices,
  writeRecord,
  type DeviceRecord,
} from "./device-changes.js";
import { buildRows } from "./timeline.js";
import { text } from "./test-support.js";

const T0 = Date.UTC(2026, 11, 4, 9, 0);
const listed = (...keys: string[]) => keys.map((key, i) => ({ key, createdAt: T0 + i }));

describe("recordDevices", () => {
  test("the first list seen is remembered without a notice, and an unchanged list adds none", () => {
    const first = recordDevices(undefined, listed("b", "a"), T0 + 10);
    expect(first).toEqual({ keys: ["a", "b"], notices: [] });
    expect(recordDevices(first, listed("a", "b"), T0 + 20).notices).toEqual([]);
  });

  test("a contact's first device after none is no change either", () => {
    expect(recordDevices({ keys: [], notices: [] }, listed("a"), T0).notices).toEqual([]);
  });

  test("a device added, removed or replaced: one notice each, in time order", () => {
    let r: DeviceRecord = recordDevices(undefined, listed("a"), T0);
    // Added: placed at the new device's registration, not when this device looked.
    r = recordDevices(
      r,
      [
        { key: "a", createdAt: T0 },
        { key: "b", createdAt: T0 + 1000 },
      ],
      T0 + 5000,
    );
    expect(r.notices).toEqual([{ at: T0 + 1000, added: 1, removed: 0, wasVerified: false }]);
    // Removed: placed when this device learned of it.
    r = recordDevices(r, listed("b"), T0 + 6000);
    expect(r.notices.at(-1)).toEqual({ at: T0 + 6000, added: 0, removed: 1, wasVerified: false });
    // Replaced (one key out, one in, at once).
    r = recordDevices(r, [{ key: "c", createdAt: T0 + 6500 }], T0 + 7000);
    expect(r.notices.at(-1)).toEqual({ at: T0 + 6500, added: 1, removed: 1, wasVerified: false });
    expect(r.notices.map(changeKind)).toEqual(["added", "removed", "replaced"]);
    expect(r.keys).toEqual(["c"]);
    // Seen again: nothing new.
    expect(recordDevices(r, [{ key: "c", createdAt: T0 + 6500 }], T0 + 8000).notices).toHaveLength(3);
  });

  test("a registration time later than now (another clock) is placed at now; notices stay sorted", () => {
    let r = recordDevices(undefined, listed("a"), T0);
    r = recordDevices(r, listed(), T0 + 100); // removed at +100
    r = recordDevices(r, [{ key: "b", createdAt: T0 + 50 }], T0 + 200); // registered before that removal
    expect(r.notices.map((n) => n.at)).toEqual([T0 + 50, T0 + 100]);
    r = recordDevices(r, [{ key: "c", createdAt: T0 + 99_999 }], T0 + 300);
    expect(r.notices.at(-1)!.at).toBe(T0 + 300);
  });

  test("with a verified mark the notice says so, and a mark older than the record counts as the last list", () => {
    // Verified for [a] before these notices existed (no record): the change from the mark is one.
    const r = recordDevices(undefined, listed("a", "b"), T0 + 10, ["a"]);
    expect(r.notices).toEqual([{ at: T0 + 1, added: 1, removed: 0, wasVerified: true }]);
    // Verified for the list as it is now: no flag, so the notice does not claim one.
    const again = recordDevices(r, listed("a", "b", "c"), T0 + 20, ["a", "b", "c"]);
    expect(again.notices.at(-1)!.wasVerified).toBe(false);
  });

  test(`keeps the last ${NOTICES_KEPT} notices`, () => {
    let r = recordDevices(undefined, listed("k0"), T0);
    for (let i = 1; i <= NOTICES_KEPT + 5; i++) r = recordDevices(r, [{ key: `k${i}`, createdAt: T0 + i }], T0 + i);
    expect(r.notices).toHaveLength(NOTICES_KEPT);
    expect(r.notices[0]!.at).toBe(T0 + 6);
  });
});

describe("the stored record", () => {
  test("round-trips per user and contact; a malformed one reads as never seen", () => {
    const store = new Map<string, string>();
    const s = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    const record = recordDevices(recordDevices(undefined, listed("a"), T0), listed("a", "b"), T0 + 5);
    writeRecord(1, 2, record, s);
    expect(readRecord(1, 2, s)).toEqual(record);
    expect(readRecord(2, 1, s)).toBeUndefined();
    store.set("sealroom.contactDevices.1.2", JSON.stringify({ keys: "a", notices: [] }));
    expect(readRecord(1, 2, s)).toBeUndefined();
    store.set("sealroom.contactDevices.1.2", "{");
    expect(readRecord(1, 2, s)).toBeUndefined();
  });
});

describe("buildRows with notices", () => {
  const at = (ms: number) => ({ at: T0 + ms, added: 1, removed: 0, wasVerified: false });

  test("a notice goes before the first entry after it, ends a run, and later ones come after the last entry", () => {
    const entries = [
      { ...text(1, 2, "one"), ts: T0 },
      { ...text(2, 2, "two"), ts: T0 + 2000 },
      { ...text(3, 2, "three"), ts: T0 + 4000 },
    ];
    const rows = buildRows(entries, [], 1, undefined, false, [at(1000), at(9000)]);
    expect(rows.map((r) => r.key)).toEqual(["day-1", "m-1", "devices-0", "m-2", "m-3", "devices-1"]);
    const second = rows.find((r) => r.key === "m-2");
    expect(second?.type === "text" && second.first).toBe(true);
  });

  test("a notice on a later day than the last entry gets its day separator", () => {
    const rows = buildRows([{ ...text(1, 2, "one"), ts: T0 }], [], 1, undefined, false, [at(86_400_000)]);
    expect(rows.map((r) => r.type)).toEqual(["day", "text", "day", "devices"]);
  });
});
