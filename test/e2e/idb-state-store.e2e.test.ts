/**
 * The browser's end-to-end state store (IndexedDB) in Debian's chromium: what a device saves is
 * there after a reload and in another tab of the origin, users are kept apart, sign-out forgets
 * one user's keys, and a bad conversation id is refused. The store is bundled from its sources
 * (rolldown, as Vite does) and loaded into a page served over http (IndexedDB needs an origin).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { build } from "rolldown";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Page } from "playwright-core";
import type { IdbE2eStateStore } from "@sealroom/sdk/browser";
import { Browsers, CHROMIUM, root } from "./support/browsers.js";

declare global {
  var IdbE2eStateStore: new () => IdbE2eStateStore;
}

const browsers = new Browsers();
let server: http.Server;
let origin: string;

beforeAll(async () => {
  if (!(await import("node:fs")).existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const bundle = await build({
    input: path.join(root, "test/e2e/support/idb-entry.ts"),
    platform: "browser",
    write: false,
    logLevel: "warn",
    resolve: { conditionNames: ["source", "import", "default"] },
    output: { format: "iife" },
  });
  const js = bundle.output[0].code;
  server = http.createServer((req, res) => {
    if (req.url === "/store.js") res.writeHead(200, { "content-type": "text/javascript" }).end(js);
    else
      res
        .writeHead(200, { "content-type": "text/html" })
        .end('<!doctype html><title>store</title><script src="/store.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}, 120_000);

afterAll(async () => {
  await browsers.closeAll();
  await new Promise((resolve) => server.close(resolve));
});

/** Runs `fn` with a fresh store in the page (and `arg`, as JSON); bytes cross as plain arrays. */
const inPage = <T, A = undefined>(page: Page, fn: (store: IdbE2eStateStore, arg: A) => Promise<T>, arg?: A) =>
  page.evaluate(`(${fn.toString()})(new IdbE2eStateStore(), ${JSON.stringify(arg ?? null)})`) as Promise<T>;

test("a device's state survives a reload and is shared by the origin's tabs; users apart; clear forgets one", async () => {
  const { ctx, page } = await browsers.open();
  await page.goto(origin);
  await inPage(page, async (s) => {
    await s.saveDevice(7, new Uint8Array([1, 2, 3]));
    await s.saveGroup(7, "dm:7:9", new Uint8Array([4, 5]));
    await s.saveGroup(7, "group:12", new Uint8Array([6]));
    await s.saveGroup(9, "dm:7:9", new Uint8Array([8]));
    await s.saveGroup(71, "group:1", new Uint8Array([7]));
  });
  await page.reload();
  const back = await inPage(page, async (s) => ({
    device: [...((await s.loadDevice(7)) ?? [])],
    dm: [...((await s.loadGroup(7, "dm:7:9")) ?? [])],
    none: (await s.loadDevice(9)) === undefined,
  }));
  expect(back).toEqual({ device: [1, 2, 3], dm: [4, 5], none: true });

  const other = await ctx.newPage();
  browsers.watch(other);
  await other.goto(origin);
  await inPage(other, (s) => s.saveGroup(7, "dm:7:9", new Uint8Array([10])));
  expect(await inPage(page, async (s) => [...((await s.loadGroup(7, "dm:7:9")) ?? [])])).toEqual([10]);

  const after = await inPage(page, async (s) => {
    await s.deleteGroup(7, "group:12");
    const deleted = (await s.loadGroup(7, "group:12")) === undefined;
    await s.clear(7);
    return {
      deleted,
      device: (await s.loadDevice(7)) === undefined,
      dm: (await s.loadGroup(7, "dm:7:9")) === undefined,
      // Another user, and one whose id starts with the same digit, keep theirs.
      nine: [...((await s.loadGroup(9, "dm:7:9")) ?? [])],
      seventyOne: [...((await s.loadGroup(71, "group:1")) ?? [])],
    };
  });
  expect(after).toEqual({ deleted: true, device: true, dm: true, nine: [8], seventyOne: [7] });
  expect(browsers.pageErrors).toEqual([]);
});

test("what is not a conversation or user id is refused, not made a key", async () => {
  const { page } = await browsers.open();
  await page.goto(origin);
  const refused = await inPage(page, async (s) => {
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => "stored",
        (e: unknown) => (e instanceof Error ? e.name : "error"),
      );
    return [
      await outcome(s.saveGroup(7, "group:1/../x", new Uint8Array([1]))),
      await outcome(s.saveDevice(0, new Uint8Array([1]))),
      await outcome(s.loadDevice(-1)),
    ];
  });
  expect(refused).toEqual(["ZodError", "RangeError", "RangeError"]);
});

test("read records: kept per user and conversation in seq order, replaced by seq, forgotten by clear; a version 1 database is upgraded in place", async () => {
  const { page } = await browsers.open();
  await page.goto(origin);
  // The database as the first release left it: version 1, the state store only, a device in it.
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.open("sealroom-e2e", 1);
        req.onupgradeneeded = () => req.result.createObjectStore("state").put(new Uint8Array([42]), "7/device");
        req.onsuccess = () => {
          req.result.close();
          resolve();
        };
        req.onerror = () => reject(req.error);
      }),
  );
  const message = (seq: number, text: string, conversationId = "dm:7:9") => ({
    kind: "message" as const,
    entry: {
      ...{ kind: "text" as const, id: seq, conversationId, seq, ts: seq, senderId: 7, clientMsgId: `c${seq}` },
      ...{ text, editedTs: null, deletedTs: null, e2e: "decrypted" as const, contentId: `id${seq}` },
    },
  });
  const records = {
    first: [message(10, "ten"), message(2, "two"), { kind: "change" as const, seq: 3 }],
    edited: [message(10, "ten, edited")],
    otherConversation: [message(1, "another conversation", "dm:7:91")],
    otherUser: [message(1, "another user")],
  };
  await inPage(
    page,
    async (s, r) => {
      await s.saveReads(7, "dm:7:9", r.first);
      await s.saveReads(7, "dm:7:9", r.edited);
      await s.saveReads(7, "dm:7:91", r.otherConversation);
      await s.saveReads(71, "dm:7:9", r.otherUser);
    },
    records,
  );
  await page.reload();
  const seqsAndTexts = () =>
    inPage(page, async (s) =>
      (await s.loadReads(7, "dm:7:9")).map((r) => {
        const rec = r as { kind: string; seq?: number; entry?: { seq: number; text: string } };
        return rec.entry ? `${rec.entry.seq}:${rec.entry.text}` : `${rec.seq}:change`;
      }),
    );
  expect(await seqsAndTexts()).toEqual(["2:two", "3:change", "10:ten, edited"]);
  const kept = await inPage(page, async (s) => {
    const device = [...((await s.loadDevice(7)) ?? [])];
    await s.clear(7);
    return {
      device,
      mine: (await s.loadReads(7, "dm:7:9")).length + (await s.loadReads(7, "dm:7:91")).length,
      seventyOne: (await s.loadReads(71, "dm:7:9")).length,
    };
  });
  expect(kept).toEqual({ device: [42], mine: 0, seventyOne: 1 });
  expect(await seqsAndTexts()).toEqual([]);
  expect(browsers.pageErrors).toEqual([]);
});

test("history backup keys: kept per user across a reload, in the existing store (no upgrade), forgotten by clear", async () => {
  const { page } = await browsers.open();
  await page.goto(origin);
  await inPage(page, async (s) => {
    await s.saveBackupKeys(7, [
      { version: 1, key: new Uint8Array(32).fill(1) },
      { version: 2, key: new Uint8Array(32).fill(2) },
    ]);
    await s.saveBackupKeys(71, [{ version: 1, key: new Uint8Array(32).fill(7) }]);
  });
  await page.reload();
  const read = () =>
    inPage(page, async (s) => ({
      mine: (await s.loadBackupKeys(7)).map((k) => `${k.version}:${k.key[0]}:${k.key.length}`),
      seventyOne: (await s.loadBackupKeys(71)).length,
    }));
  expect(await read()).toEqual({ mine: ["1:1:32", "2:2:32"], seventyOne: 1 });
  await inPage(page, (s) => s.clear(7));
  expect(await read()).toEqual({ mine: [], seventyOne: 1 });
  expect(browsers.pageErrors).toEqual([]);
});
