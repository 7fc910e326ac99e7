import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import type { Entry, TextEntry } from "@sealroom/proto/chat";
import { textEntry, type ReadRecord } from "../e2e/contents.js";
import { FileE2eStateStore } from "../e2e/file-state-store.js";
import { FileSearchIndexStore } from "./file-index-store.js";
import { MemorySearchIndexStore, type SearchIndexStore } from "./index-store.js";
import { LocalSearch } from "./local-search.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sealroom-search-"));
  dirs.push(dir);
  return dir;
}

const DM = "dm:1:2";
const ts = (seq: number) => 1_760_000_000_000 + seq * 1000;

function text(seq: number, body: string, senderId = 1): TextEntry {
  const clientMsgId = `0000000${seq}`.slice(-8).padEnd(22, "a");
  return {
    kind: "text",
    id: 100 + seq,
    conversationId: DM,
    seq,
    ts: ts(seq),
    senderId,
    clientMsgId,
    text: body,
    editedTs: null,
    deletedTs: null,
  };
}
const edit = (seq: number, targetSeq: number, body: string): Entry => ({
  kind: "edit",
  id: 100 + seq,
  conversationId: DM,
  seq,
  ts: ts(seq),
  senderId: 1,
  targetSeq,
  text: body,
});
const del = (seq: number, targetSeq: number): Entry => ({
  kind: "delete",
  id: 100 + seq,
  conversationId: DM,
  seq,
  ts: ts(seq),
  senderId: 1,
  targetSeq,
});

const found = (s: LocalSearch, q: string) => s.search(q).hits.map((h) => h.seq);

describe("LocalSearch", () => {
  test("messages, edits and deletes as they arrive, also before the index is loaded", async () => {
    const search = new LocalSearch({ store: new MemorySearchIndexStore(), saveDelayMs: 10 });
    // Arrives while the index loads: applied once it is.
    search.apply(text(1, "hello from the harbour"));
    expect(search.ready).toBe(false);
    expect(found(search, "harbour")).toEqual([]);
    await search.open(7);
    expect(found(search, "harbour")).toEqual([1]);

    search.applyAll([text(2, "我们明天去长城"), text(3, "bring the camera", 2)]);
    expect(found(search, "长城")).toEqual([2]);
    search.apply(edit(4, 2, "我们后天去故宫"));
    expect(found(search, "长城")).toEqual([]);
    expect(found(search, "故宫")).toEqual([2]);
    search.apply(del(5, 3));
    expect(found(search, "camera")).toEqual([]);
    // An encrypted message this device could not read does not replace what it had.
    search.apply({ ...text(1, ""), e2e: "unavailable", contentId: null } as Entry);
    expect(found(search, "harbour")).toEqual([1]);
    // A history page with a message deleted before it was loaded: not indexed.
    search.apply({ ...text(6, ""), deletedTs: ts(7) });
    expect(search.size).toBe(2);
    await search.flush();
  });

  test("persistence: saved to a file beside the end-to-end state, loaded by the next session, deleted at logout", async () => {
    const dir = tempDir();
    const store = new FileSearchIndexStore(dir);
    const first = new LocalSearch({ store, saveDelayMs: 5 });
    await first.open(3);
    first.applyAll([text(1, "the quarterly report is ready"), text(2, "季度报告已经准备好了")]);
    first.apply(edit(3, 1, "the annual report is ready"));
    await first.flush();
    const file = path.join(dir, "3", "search-index.json");
    expect(existsSync(file)).toBe(true);
    // Owner-only, like the read records.
    const { statSync } = await import("node:fs");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    first.close();

    const second = new LocalSearch({ store: new FileSearchIndexStore(dir) });
    await second.open(3);
    expect(found(second, "annual")).toEqual([1]);
    expect(found(second, "quarterly")).toEqual([]);
    expect(found(second, "报告")).toEqual([2]);
    expect(second.search("报告").hits[0]?.snippet.highlights).toEqual([[2, 4]]);
    // Another user on the same device sees none of it.
    const other = new LocalSearch({ store: new FileSearchIndexStore(dir) });
    await other.open(4);
    expect(found(other, "annual")).toEqual([]);

    // A session that ends without logout saves its last changes on the way out; the next has them.
    second.apply(text(4, "said just before the session ended"));
    second.close();
    await second.open(3);
    expect(found(second, "ended")).toEqual([4]);

    // Logout: a save still queued is not written back after the index is deleted.
    second.apply(text(5, "said just before logout"));
    await second.forget(3);
    expect(existsSync(file)).toBe(false);
    expect(found(second, "annual")).toEqual([]);
    await second.flush();
    await new Promise((r) => setTimeout(r, 30));
    expect(existsSync(file)).toBe(false);
  });

  test("a store that keeps its writes in order (IndexedDB) gets each save at once, not after one still in flight", async () => {
    // The web app saves as the tab is hidden (a reload, a closed tab); a save queued behind one
    // still being written then never started and was lost with the page.
    const saves: Array<{ snapshot: unknown; done: () => void }> = [];
    const store = (ordersWrites: boolean): SearchIndexStore => ({
      ordersWrites,
      load: async () => undefined,
      clear: async () => undefined,
      save: (_userId, snapshot) => new Promise<void>((done) => saves.push({ snapshot, done })),
    });
    for (const ordersWrites of [true, false]) {
      saves.length = 0;
      const search = new LocalSearch({ store: store(ordersWrites), saveDelayMs: 60_000 });
      await search.open(3);
      search.apply(text(1, "in the first save"));
      const first = search.flush();
      search.apply(text(2, "in the second save, made as the page goes"));
      const second = search.flush();
      await new Promise((r) => setTimeout(r, 10));
      // In order, one at a time: only for a store that cannot keep the order itself.
      expect(saves).toHaveLength(ordersWrites ? 2 : 1);
      let settled = false;
      void second.then(() => (settled = true));
      saves[0]?.done();
      await first;
      await new Promise((r) => setTimeout(r, 10));
      expect(saves).toHaveLength(2);
      expect(settled).toBe(false); // flush() waits for every save it started
      saves[1]?.done();
      await second;
      expect(JSON.stringify(saves[1]?.snapshot)).toContain("made as the page goes");
    }
  });

  test("a missing or unreadable index is rebuilt from the end-to-end read records", async () => {
    const dir = tempDir();
    const e2e = new FileE2eStateStore(dir);
    const meta = { id: 900, conversationId: DM, ts: ts(1), senderId: 2, clientMsgId: "c".repeat(22) };
    const records: ReadRecord[] = [
      {
        kind: "message",
        entry: textEntry({ ...meta, seq: 1 }, "read last week: the lighthouse", "decrypted", "a".repeat(22)),
      },
      {
        kind: "message",
        entry: { ...textEntry({ ...meta, seq: 2 }, "", "decrypted", "b".repeat(22)), deletedTs: ts(3) },
      },
      { kind: "message", entry: textEntry({ ...meta, seq: 4 }, "", "unavailable", null) },
      { kind: "change", seq: 3 },
    ];
    await e2e.saveReads(5, DM, records);
    // Not an index: a torn or foreign file.
    writeFileSync(path.join(dir, "5", "search-index.json"), "{not json");

    const search = new LocalSearch({ store: new FileSearchIndexStore(dir), saveDelayMs: 5 }, (u, id) =>
      e2e.loadReads(u, id),
    );
    await search.open(5);
    // A live message arriving while the records load is indexed beside them.
    search.seed(DM);
    search.apply(text(5, "a live message about the lighthouse keeper"));
    await expect.poll(() => found(search, "lighthouse")).toEqual([5, 1]);
    expect(search.size).toBe(2);
    await search.flush();
    const saved = JSON.parse(readFileSync(path.join(dir, "5", "search-index.json"), "utf8")) as { seeded: string[] };
    expect(saved.seeded).toEqual([DM]);

    // Seeded once per index: the next session does not read the records again.
    let loads = 0;
    const again = new LocalSearch({ store: new FileSearchIndexStore(dir) }, async (u, id) => {
      loads++;
      return e2e.loadReads(u, id);
    });
    await again.open(5);
    again.seed(DM);
    expect(loads).toBe(0);
    expect(found(again, "lighthouse")).toEqual([5, 1]);

    // The end-to-end store's sign-out clear removes the index with the read records.
    await e2e.clear(5);
    expect(existsSync(path.join(dir, "5"))).toBe(false);
  });
});
