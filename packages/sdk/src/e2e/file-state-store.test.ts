import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { Device } from "@sealroom/e2e";
import type { ReadRecord } from "./contents.js";
import { FileE2eStateStore } from "./file-state-store.js";
import { MemoryE2eStateStore, type E2eStateStore } from "./state-store.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir() {
  const d = mkdtempSync(path.join(os.tmpdir(), "sealroom-e2e-state-"));
  dirs.push(d);
  return d;
}

const stores: Array<[string, () => E2eStateStore]> = [
  ["memory", () => new MemoryE2eStateStore()],
  ["file", () => new FileE2eStateStore(tempDir())],
];

describe.each(stores)("%s store", (_name, make) => {
  test("keeps a real device's state and its groups' states per user, and clear forgets one user", async () => {
    const store = make();
    const device = await Device.create({ userId: 7, deviceId: "dev_seven" });
    const state = device.exportState();
    await store.saveDevice(7, state);
    await store.saveGroup(7, "dm:7:9", new Uint8Array([1, 2, 3]));
    await store.saveGroup(7, "group:12", new Uint8Array([4]));
    await store.saveGroup(9, "dm:7:9", new Uint8Array([5]));

    const back = await store.loadDevice(7);
    expect(back).toEqual(state);
    expect((await Device.importState(back!)).identity.deviceId).toBe("dev_seven");
    expect(await store.loadGroup(7, "dm:7:9")).toEqual(new Uint8Array([1, 2, 3]));
    expect(await store.loadDevice(9)).toBeUndefined();

    await store.saveGroup(7, "dm:7:9", new Uint8Array([6]));
    expect(await store.loadGroup(7, "dm:7:9")).toEqual(new Uint8Array([6]));
    await store.deleteGroup(7, "group:12");
    expect(await store.loadGroup(7, "group:12")).toBeUndefined();

    await store.clear(7);
    expect(await store.loadDevice(7)).toBeUndefined();
    expect(await store.loadGroup(7, "dm:7:9")).toBeUndefined();
    expect(await store.loadGroup(9, "dm:7:9")).toEqual(new Uint8Array([5]));
  });

  test("keeps read records per conversation, the last of a seq winning; deleteGroup keeps them, clear does not", async () => {
    const store = make();
    await store.saveReads(7, "dm:7:9", [message(1, "one"), change(2)]);
    await store.saveReads(7, "dm:7:9", [message(1, "one, edited"), message(3, "three")]);
    await store.saveReads(7, "group:1", [message(4, "elsewhere", "group:1")]);
    await store.saveReads(9, "dm:7:9", [message(1, "the other user's")]);
    const bySeq = (records: unknown[]) =>
      Object.fromEntries((records as ReadRecord[]).map((r) => [r.kind === "message" ? r.entry.seq : r.seq, r]));
    expect(bySeq(await store.loadReads(7, "dm:7:9"))).toEqual({
      1: message(1, "one, edited"),
      2: change(2),
      3: message(3, "three"),
    });
    await store.deleteGroup(7, "dm:7:9");
    expect(await store.loadReads(7, "dm:7:9")).toHaveLength(3);
    await store.clear(7);
    expect(await store.loadReads(7, "dm:7:9")).toEqual([]);
    expect(await store.loadReads(7, "group:1")).toEqual([]);
    expect(await store.loadReads(9, "dm:7:9")).toHaveLength(1);
  });

  test("keeps the history backup keys per user, as saved (a ring the caller trims); clear forgets them", async () => {
    const store = make();
    expect(await store.loadBackupKeys(7)).toEqual([]);
    const one = { version: 1, key: new Uint8Array(32).fill(1) };
    const two = { version: 2, key: new Uint8Array(32).fill(2) };
    await store.saveBackupKeys(7, [one]);
    await store.saveBackupKeys(7, [one, two]);
    await store.saveBackupKeys(9, [{ version: 1, key: new Uint8Array(32).fill(9) }]);
    expect(await store.loadBackupKeys(7)).toEqual([one, two]);
    // A shape that is not a key is not kept.
    await store.saveBackupKeys(8, [
      { version: 0, key: new Uint8Array(32) },
      { version: 1, key: new Uint8Array(3) },
    ]);
    expect(await store.loadBackupKeys(8)).toEqual([]);
    await store.clear(7);
    expect(await store.loadBackupKeys(7)).toEqual([]);
    expect(await store.loadBackupKeys(9)).toHaveLength(1);
  });

  test("refuses what is not a conversation id instead of making a path or key of it", async () => {
    const store = make();
    await expect(store.saveGroup(7, "../../etc/passwd", new Uint8Array([1]))).rejects.toThrow();
    await expect(store.loadGroup(7, "group:1/../x")).rejects.toThrow();
  });

  test("hands out copies: changing what was saved or loaded does not change the stored state", async () => {
    const store = make();
    const bytes = new Uint8Array([1, 2]);
    await store.saveGroup(3, "group:1", bytes);
    bytes[0] = 9;
    const loaded = (await store.loadGroup(3, "group:1"))!;
    loaded[1] = 9;
    expect(await store.loadGroup(3, "group:1")).toEqual(new Uint8Array([1, 2]));
  });
});

describe("the state directory", () => {
  test("private: directories 0700 and files 0600, no temporary file left behind", async () => {
    const dir = tempDir();
    const store = new FileE2eStateStore(dir);
    await store.saveDevice(5, new Uint8Array([1]));
    await store.saveGroup(5, "group:3", new Uint8Array([2]));
    await store.saveGroup(5, "group:3", new Uint8Array([3]));
    const mode = (p: string) => statSync(p).mode & 0o777;
    expect(mode(path.join(dir, "5"))).toBe(0o700);
    expect(mode(path.join(dir, "5", "groups"))).toBe(0o700);
    expect(mode(path.join(dir, "5", "device.bin"))).toBe(0o600);
    expect(mode(path.join(dir, "5", "groups", "group-3.bin"))).toBe(0o600);
    expect(readdirSync(path.join(dir, "5", "groups"))).toEqual(["group-3.bin"]);
    await store.saveBackupKeys(5, [{ version: 1, key: new Uint8Array(32) }]);
    expect(mode(path.join(dir, "5", "backup-keys.json"))).toBe(0o600);
  });

  test("a backup keys file that is not what was saved reads as no keys", async () => {
    const dir = tempDir();
    const store = new FileE2eStateStore(dir);
    await store.saveBackupKeys(5, [{ version: 1, key: new Uint8Array(32) }]);
    const file = path.join(dir, "5", "backup-keys.json");
    for (const junk of ["{", '{"version":1}', '[{"version":1,"key":"***"}]', '[{"version":1,"key":"AAAA"}]']) {
      writeFileSync(file, junk);
      expect(await store.loadBackupKeys(5)).toEqual([]);
    }
  });

  test("read records: a line torn by a crash is skipped and the next append stays whole; replaced lines are compacted", async () => {
    const dir = tempDir();
    const store = new FileE2eStateStore(dir);
    await store.saveReads(5, "dm:5:6", [message(1, "kept", "dm:5:6")]);
    const file = path.join(dir, "5", "reads", "dm-5-6.jsonl");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    appendFileSync(file, '\n{"kind":"message","entry":{"se');
    await store.saveReads(5, "dm:5:6", [message(2, "after the crash", "dm:5:6")]);
    const texts = async () =>
      ((await store.loadReads(5, "dm:5:6")) as ReadRecord[]).map((r) => (r.kind === "message" ? r.entry.text : ""));
    expect(await texts()).toEqual(["kept", "after the crash"]);

    for (let i = 0; i < 100; i++) await store.saveReads(5, "dm:5:6", [message(1, `edit ${i}`, "dm:5:6")]);
    expect(await texts()).toEqual(["edit 99", "after the crash"]);
    expect(readFileSync(file, "utf8").split("\n").filter(Boolean)).toHaveLength(2);
    expect(await texts()).toEqual(["edit 99", "after the crash"]);
  });

  test("a user id that is not one is refused", async () => {
    const store = new FileE2eStateStore(tempDir());
    await expect(store.saveDevice(0, new Uint8Array([1]))).rejects.toThrow(RangeError);
    await expect(store.loadDevice(1.5)).rejects.toThrow(RangeError);
  });
});

function message(seq: number, text: string, conversationId = "dm:7:9"): ReadRecord {
  const entry = {
    kind: "text",
    id: seq,
    conversationId,
    seq,
    ts: 1000 + seq,
    senderId: 7,
    clientMsgId: `c${seq}`,
  } as const;
  return {
    kind: "message",
    entry: { ...entry, text, editedTs: null, deletedTs: null, e2e: "decrypted", contentId: `id${seq}` },
  };
}
const change = (seq: number): ReadRecord => ({ kind: "change", seq });
