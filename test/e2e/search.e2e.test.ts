/**
 * Search in the web app (docs/SEARCH.md), in Debian's chromium against the real stack: Ann and Ben
 * become friends and talk end-to-end encrypted in English and Chinese; Ann edits one message and
 * deletes another. Ben's box finds the English and the Chinese words (marked in the snippets), the
 * edited message by its new text and not its old, and not the deleted one; it filters the list by
 * name; a reload right after the changes, before the index's timed save, keeps them (the save as
 * the page hides). After a reload (his conversation now holds only its newest message) the index is back
 * from IndexedDB, and a result opens the conversation at the message, history loaded around it.
 * The search is in the address: a reload on it brings back the query and its results, and Back
 * from a result returns to them, then to where Ben was before searching, also when he clicked it
 * before the box wrote the address.
 * Logging out deletes the index. Saves screenshots of the results (en and zh-CN, light and dark,
 * phone width) under test-results/screenshots/search-*.png.
 */
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startStack, type Stack } from "../support/stack.js";
import { Browsers, requireBrowserAndApp, shots, webDir } from "./support/browsers.js";
import { befriendInBrowsers, navLink, registerInBrowser, shootThemes, upToDate } from "./support/flows.js";

const PASSWORD = "correct horse battery staple";

let stack: Stack;
const browsers = new Browsers();

beforeAll(async () => {
  requireBrowserAndApp();
  stack = await startStack({ webDir });
});

afterAll(async () => {
  await browsers.closeAll();
  await stack?.stop();
});

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(shots, `${name}.png`) });
const conv = (page: Page, name: string) => page.locator("a.conv:not(.search-hit)", { hasText: name }).first();
const timeline = (page: Page) => page.getByTestId("timeline");
const composer = (page: Page) => page.getByTestId("composer");
const bubble = (page: Page, text: string) => timeline(page).locator(".msg-text", { hasText: new RegExp(`^${text}$`) });
const box = (page: Page) => page.getByTestId("search-input");
const hits = (page: Page) => page.getByTestId("search-hit");

async function register(page: Page, username: string): Promise<void> {
  await registerInBrowser(page, stack.httpUrl, username, PASSWORD);
  await upToDate(page);
}

async function send(page: Page, text: string): Promise<void> {
  await composer(page).fill(text);
  await composer(page).press("Enter");
  await bubble(page, text).waitFor();
}

/** Types `query` and waits for the results to say `count` (e.g. "Messages found: 1"). */
async function search(page: Page, query: string, count: string): Promise<void> {
  await box(page).fill(query);
  await page.getByTestId("search-count").filter({ hasText: count }).waitFor();
}

/** The marked words of each result, in order. */
const marked = (page: Page) =>
  hits(page).evaluateAll((links) => links.map((a) => Array.from(a.querySelectorAll("mark"), (m) => m.textContent)));

/** Whether a search index saved in this page's IndexedDB holds `text` (in a message it stores). */
const savedIndexHolds = (page: Page, text: string) =>
  page.evaluate(
    (text) =>
      new Promise<boolean>((resolve, reject) => {
        const open = indexedDB.open("sealroom-search");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains("index")) return resolve(false);
          const all = db.transaction("index").objectStore("index").getAll();
          all.onerror = () => reject(all.error);
          all.onsuccess = () => {
            resolve(JSON.stringify(all.result).includes(text));
            db.close();
          };
        };
      }),
    text,
  );

/** The user ids that have a search index in this page's IndexedDB. */
const indexKeys = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open("sealroom-search");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains("index")) return resolve([]);
          const keys = db.transaction("index").objectStore("index").getAllKeys();
          keys.onerror = () => reject(keys.error);
          keys.onsuccess = () => {
            resolve(keys.result.map(String));
            db.close();
          };
        };
      }),
  );

test("English and Chinese messages are found on the device, edits by their new text, deletes not at all; a result opens the message in its history; logout deletes the index", async () => {
  await browsers.withFailureShots("search", shot, story);
}, 240_000);

async function story(): Promise<void> {
  const pid = process.pid % 10_000;
  const ann = `ann_s_${pid}`;
  const ben = `ben_s_${pid}`;
  const [{ page: a }, { page: b }] = await Promise.all([browsers.open(), browsers.open()]);
  await Promise.all([register(a, ann), register(b, ben)]);
  await befriendInBrowsers(a, ann, b, ben);

  await conv(a, ben).click();
  await send(a, "meet me at the lighthouse at noon");
  for (let i = 1; i <= 12; i++) await send(a, `filler line number ${i}`);
  await send(a, "明天在车站见面，别迟到");
  await send(a, "bring the old camera");
  await send(a, "我们去公园散步吧");
  await conv(b, ann).click();
  await bubble(b, "我们去公园散步吧").waitFor();
  await send(b, "the weather looks lovely 天气很好");

  // Ben's index is saved with all of it: nothing waits for the next save but the changes below.
  await expect.poll(() => savedIndexHolds(b, "the weather looks lovely"), { timeout: 30_000 }).toBe(true);

  // Ann edits one message and deletes another; Ben's timeline shows both changes.
  const old = timeline(a).locator(".msg", { hasText: "bring the old camera" });
  await old.hover();
  await old.getByRole("button", { name: "Edit" }).click();
  await a.getByLabel("Edit your message").fill("bring the new tripod");
  await a.getByLabel("Edit your message").press("Enter");
  const park = timeline(a).locator(".msg", { hasText: "我们去公园散步吧" });
  await park.hover();
  await park.getByRole("button", { name: "Delete" }).click();
  await a.getByRole("button", { name: "Delete", exact: true }).last().click();
  await timeline(b).locator(".msg", { hasText: "bring the new tripod" }).getByText("edited").waitFor();
  await timeline(b).getByText("This message was deleted.").waitFor();
  // A reload at once, before the index's timed save (10 s): the save as the page hides keeps the
  // changes (IdbSearchIndexStore commits it before the page goes).
  await b.goto(stack.httpUrl);
  await upToDate(b);
  await search(b, "tripod", "Messages found: 1");
  await search(b, "camera", "No messages found on this device.");
  await search(b, "公园", "No messages found on this device.");
  await box(b).fill("");
  await conv(b, ann).click();

  // Ben searches what his device decrypted.
  await search(b, "lighthouse", "Messages found: 1");
  expect(await marked(b)).toEqual([["lighthouse"]]);
  await search(b, "车站", "Messages found: 1");
  expect(await marked(b)).toEqual([["车站"]]);
  await search(b, "天气", "Messages found: 1");
  await search(b, "tripod", "Messages found: 1");
  expect(await marked(b)).toEqual([["tripod"]]);
  await search(b, "camera", "No messages found on this device.");
  await search(b, "公园", "No messages found on this device.");
  await search(b, "filler line", "Messages found: 12");
  // The sender filter: Ben's own message only.
  await search(b, "lovely", "Messages found: 1");
  await b.getByText("Filters").click();
  await b.getByTestId("search-filter-sender").selectOption({ label: ann });
  await b.getByTestId("search-count").filter({ hasText: "No messages found on this device." }).waitFor();
  await b.getByRole("button", { name: "Clear filters" }).click();
  // The list filters by name as he types.
  await box(b).fill(ann.slice(0, 5));
  await conv(b, ann).waitFor();
  await box(b).fill("nobody-called-this");
  await b.getByText("No conversation matches that name.").waitFor();
  await search(b, "车站", "Messages found: 1");
  await shootThemes(b, (suffix) => path.join(shots, `search-results${suffix}.png`));

  // The index is saved in IndexedDB (a moment after the changes) under Ben's user id.
  await expect.poll(() => indexKeys(b), { timeout: 20_000 }).toHaveLength(1);

  // After a reload the conversation holds only its newest message; the index is back, and a result
  // opens the conversation at the message with the history around it.
  await b.goto(stack.httpUrl);
  await upToDate(b);
  await search(b, "lighthouse", "Messages found: 1");
  // Clicked as soon as it is shown, whether or not the box has written the query to the address yet
  // (below, a result clicked before that is followed through Back).
  await hits(b).first().click();
  const found = timeline(b).locator(".msg", { hasText: "meet me at the lighthouse at noon" });
  await found.waitFor();
  await expect.poll(() => found.getAttribute("data-found")).toBe("");
  await expect.poll(() => found.evaluate((el) => el === document.activeElement)).toBe(true);
  await bubble(b, "filler line number 1").waitFor();
  expect(await found.getAttribute("data-e2e")).toBe("decrypted");
  // It is on screen, not scrolled past.
  const [box1, view] = await Promise.all([found.boundingBox(), timeline(b).boundingBox()]);
  expect(box1 && view && box1.y >= view.y && box1.y + box1.height <= view.y + view.height).toBe(true);
  await shot(b, "search-jump");

  // The search stays in the address beside the open conversation: a reload brings it back.
  await expect.poll(() => new URL(b.url()).hash).toMatch(/^#\/chat\/dm:\d+:\d+\?q=lighthouse$/);
  await b.reload();
  await upToDate(b);
  expect(await box(b).inputValue()).toBe("lighthouse");
  await b.getByTestId("search-count").filter({ hasText: "Messages found: 1" }).waitFor();
  await found.waitFor();

  // From the list: a search, a result, then Back to the results and Back to before the search.
  await b.goto(stack.httpUrl);
  await upToDate(b);
  expect(await box(b).inputValue()).toBe("");
  await search(b, "tripod", "Messages found: 1");
  await expect.poll(() => new URL(b.url()).hash).toBe("#/?q=tripod");
  await hits(b).first().click();
  await timeline(b).locator(".msg", { hasText: "bring the new tripod" }).waitFor();
  await expect.poll(() => new URL(b.url()).hash).toMatch(/^#\/chat\/dm:\d+:\d+\?q=tripod$/);
  await b.goBack();
  await expect.poll(() => new URL(b.url()).hash).toBe("#/?q=tripod");
  expect(await box(b).inputValue()).toBe("tripod");
  expect(await hits(b).count()).toBe(1);
  await b.goBack();
  await expect.poll(() => box(b).inputValue()).toBe("");
  expect(await b.getByTestId("search-results").count()).toBe(0);
  // The same with the result clicked at once, within the 300 ms the box waits to write the address
  // (search-params.ts): following it writes the query first, so the address and history are the same.
  await box(b).fill("tripod");
  await hits(b).first().click();
  await expect.poll(() => new URL(b.url()).hash).toMatch(/^#\/chat\/dm:\d+:\d+\?q=tripod$/);
  await b.goBack();
  await expect.poll(() => new URL(b.url()).hash).toBe("#/?q=tripod");
  expect(await box(b).inputValue()).toBe("tripod");
  await b.goBack();
  await expect.poll(() => box(b).inputValue()).toBe("");

  // In Chinese (the language is kept across the reload).
  await b.evaluate(() => localStorage.setItem("sealroom.lang", "zh-CN"));
  await b.goto(stack.httpUrl);
  await upToDate(b);
  await box(b).fill("车站");
  await b.getByTestId("search-count").filter({ hasText: "找到 1 条消息" }).waitFor();
  await shootThemes(b, (suffix) => path.join(shots, `search-results-zh${suffix}.png`));

  // Logging out deletes the index.
  await b.evaluate(() => localStorage.setItem("sealroom.lang", "en"));
  await b.reload();
  await upToDate(b);
  await navLink(b, "Settings").click();
  await b.getByRole("button", { name: "Log out", exact: true }).click();
  await b.getByRole("tab", { name: "Sign in" }).waitFor();
  await expect.poll(() => indexKeys(b)).toEqual([]);

  expect(browsers.pageErrors).toEqual([]);
}
