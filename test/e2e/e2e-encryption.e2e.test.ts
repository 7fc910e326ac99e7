/**
 * End-to-end encryption in the web app, in Debian's chromium against the real stack: two browser
 * users become friends and read each other's DMs decrypted (the list's preview computed on the
 * device); the header's lock opens the details with this device's fingerprint, which is the key the
 * directory holds for it; history sent before encryption is marked; a Node SDK device and a browser
 * device talk in one conversation; a reload keeps reading (the state is in IndexedDB); logging out
 * deletes it; and none of the plaintexts is in the database file or its WAL afterwards. A second
 * browser login of an existing user sends at once in a quiet DM (it joins the group by External
 * Commit). Saves screenshots of the details panel (en and zh-CN, light and dark, phone width).
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createHash } from "node:crypto";
import {
  ChatStore,
  MemoryE2eStateStore,
  dmConversationId,
  type E2eTextEntry,
  type SealroomClient,
} from "@sealroom/sdk/node";
import { startStack, type Stack } from "../support/stack.js";
import { Browsers, requireBrowserAndApp, root, webDir } from "./support/browsers.js";
import { befriendInBrowsers, registerInBrowser, upToDate } from "./support/flows.js";

const password = "correct horse battery staple";
// The task's screenshots go to docs/screenshots when the project keeps them there.
const shotsDir = existsSync(path.join(root, "docs/screenshots"))
  ? path.join(root, "docs/screenshots")
  : path.join(root, "test-results/screenshots");

let stack: Stack;
const browsers = new Browsers();
const sdkClients: SealroomClient[] = [];
const stores: ChatStore[] = [];
/** Every text sent: none may be in the database afterwards. */
const plaintexts: string[] = [];

beforeAll(async () => {
  requireBrowserAndApp();
  mkdirSync(shotsDir, { recursive: true });
  stack = await startStack({ webDir });
});

afterAll(async () => {
  for (const s of stores) s.stop();
  for (const c of sdkClients) c.close();
  await browsers.closeAll();
  await stack?.stop();
});

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(shotsDir, `${name}.png`) });
const nav = (page: Page, name: string) => page.getByRole("navigation").getByRole("link", { name });
const conv = (page: Page, name: string) => page.locator("a.conv", { hasText: name }).first();
const timeline = (page: Page) => page.getByTestId("timeline");
const composer = (page: Page) => page.getByTestId("composer");
const bubble = (page: Page, text: string) => timeline(page).locator(".msg-text", { hasText: new RegExp(`^${text}$`) });

async function register(page: Page, username: string): Promise<void> {
  await registerInBrowser(page, stack.httpUrl, username, password);
  await upToDate(page);
  await page.getByRole("heading", { level: 1, name: "Conversations" }).waitFor();
}

async function sdkAs(username: string): Promise<SealroomClient> {
  const c = stack.client();
  sdkClients.push(c);
  await c.connect();
  await c.login(username, password);
  return c;
}

async function send(page: Page, text: string): Promise<void> {
  plaintexts.push(text);
  await composer(page).fill(text);
  await composer(page).press("Enter");
  await bubble(page, text).waitFor();
}

/** The keys of the app's end-to-end state in this page's IndexedDB. */
const stateKeys = (page: Page, store = "state") =>
  page.evaluate(
    (name) =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open("sealroom-e2e");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains(name)) return resolve([]);
          const keys = db.transaction(name).objectStore(name).getAllKeys();
          keys.onerror = () => reject(keys.error);
          keys.onsuccess = () => {
            resolve(keys.result.map(String));
            db.close();
          };
        };
      }),
    store,
  );

test("browsers and a Node SDK device talk end-to-end encrypted; a reload reads on and keeps what it read; logout deletes the keys and read messages; the database holds no plaintext", async () => {
  await browsers.withFailureShots("e2e", shot, story);
}, 180_000);

async function story(): Promise<void> {
  const pid = process.pid % 10_000;
  const alice = `alice_e2e_${pid}`;
  const bob = `bob_e2e_${pid}`;
  const { page: a } = await browsers.open();
  const { page: b } = await browsers.open();
  await Promise.all([register(a, alice), register(b, bob)]);
  await befriendInBrowsers(a, alice, b, bob);

  // Bob's plain SDK session (no encryption) writes before the conversation is encrypted: history.
  const plainBob = await sdkAs(bob);
  const { friends } = await plainBob.request("social.overview", {});
  const aliceId = friends.find((f) => f.user.username === alice)!.user.id;
  const dm = dmConversationId(aliceId, plainBob.user!.id);
  plaintexts.push("written before encryption");
  await plainBob.request("chat.send", {
    conversationId: dm,
    clientMsgId: "plain-1",
    text: "written before encryption",
  });

  // Alice's first message makes the conversation an MLS group; Bob's list previews it decrypted.
  await conv(a, bob).click();
  await bubble(a, "written before encryption").waitFor();
  await send(a, "the first secret");
  await timeline(a).getByTestId("plaintext-divider").waitFor();
  await timeline(a).getByTestId("e2e-divider").waitFor();
  expect(await timeline(a).locator(".msg", { hasText: "written before encryption" }).getAttribute("data-e2e")).toBe(
    "plaintext",
  );
  expect(await timeline(a).locator(".msg", { hasText: "the first secret" }).getAttribute("data-e2e")).toBe("decrypted");
  await conv(b, alice).getByText("the first secret").waitFor();
  await conv(b, alice).click();
  await bubble(b, "the first secret").waitFor();
  expect(await timeline(b).locator(".msg", { hasText: "the first secret" }).getAttribute("data-e2e")).toBe("decrypted");
  await send(b, "the second secret");
  await bubble(a, "the second secret").waitFor();
  // Plaintext is refused once the group exists.
  const refused = await plainBob.call("chat.send", { conversationId: dm, clientMsgId: "plain-2", text: "too late" });
  expect(refused.ok ? "sent" : refused.error.code).toBe("ENCRYPTION_REQUIRED");

  // The lock's details: what the server sees, and this device's fingerprint, which is the
  // signature key the key directory lists for Alice's device.
  await a.getByTestId("e2e-lock").click();
  const panel = a.getByTestId("e2e-panel");
  await panel.getByText("What the server still sees").waitFor();
  const shown = await panel.getByTestId("device-fingerprint").getAttribute("aria-label");
  const { devices } = await plainBob.request("auth.keys.devices", { userId: aliceId });
  expect(devices).toHaveLength(1);
  // docs/E2E.md section 4: SHA-256 of the key, its first 16 bytes in groups of 4 hex digits.
  const digest = createHash("sha256").update(Buffer.from(devices[0]!.signatureKey, "base64url")).digest("hex");
  const registered = digest.slice(0, 32).match(/.{4}/g)!.join(":");
  expect(shown).toBe(`This device's fingerprint: ${registered}`);
  await shot(a, "e2e-details");
  await a.emulateMedia({ colorScheme: "dark" });
  await shot(a, "e2e-details-dark");
  await a.emulateMedia({ colorScheme: "light" });
  await a.keyboard.press("Escape");
  await panel.waitFor({ state: "detached" });
  await expect.poll(() => a.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("e2e-lock");

  // A Node SDK device of Bob's joins: Alice's next message adds it; it answers; both browsers read it.
  plainBob.close();
  const bobSdk = await sdkAs(bob);
  const sdkChat = new ChatStore(bobSdk, { e2e: { store: new MemoryE2eStateStore(), deviceName: "bob's bot" } });
  stores.push(sdkChat);
  sdkChat.start();
  await sdkChat.e2e?.deviceReady();
  await send(a, "for both of bob's devices");
  const sdkTexts = () =>
    (sdkChat.getSnapshot().byId[dm]?.entries ?? [])
      .filter((e): e is E2eTextEntry => e.kind === "text" && "e2e" in e && e.e2e === "decrypted")
      .map((e) => e.text);
  await expect.poll(sdkTexts, { timeout: 30_000 }).toContain("for both of bob's devices");
  await bubble(b, "for both of bob's devices").waitFor();
  plaintexts.push("from the node device");
  await sdkChat.send(dm, "from the node device");
  await bubble(a, "from the node device").waitFor();
  await bubble(b, "from the node device").waitFor();

  // A reload: the device and the group come back from IndexedDB, and new messages decrypt.
  // The user's history backup key (docs/E2E.md section 12) is kept beside the device.
  expect((await stateKeys(a)).filter((k) => k.startsWith(`${aliceId}/`)).sort()).toEqual([
    `${aliceId}/backupKeys`,
    `${aliceId}/device`,
    `${aliceId}/group/${dm}`,
  ]);
  expect((await stateKeys(a, "reads")).filter((k) => k.startsWith(`${aliceId}/${dm}/`))).toHaveLength(4);
  await a.reload();
  await upToDate(a);
  plaintexts.push("after alice's reload");
  await sdkChat.send(dm, "after alice's reload");
  await conv(a, bob).getByText("after alice's reload").waitFor();
  await conv(a, bob).click();
  await bubble(a, "after alice's reload").waitFor();
  // What this device read and sent before the reload it kept (MLS let it decrypt each message
  // once): it shows them as before, beside the plaintext history.
  const earlier = ["the first secret", "the second secret", "for both of bob's devices", "from the node device"];
  for (const text of earlier) {
    await bubble(a, text).waitFor();
    expect(await timeline(a).locator(".msg", { hasText: text }).getAttribute("data-e2e")).toBe("decrypted");
  }
  expect(await timeline(a).locator('.msg[data-e2e="unavailable"]').count()).toBe(0);
  await bubble(a, "written before encryption").waitFor();
  await shot(a, "e2e-after-reload");
  await send(a, "and alice answers after it");
  await expect.poll(sdkTexts, { timeout: 30_000 }).toContain("and alice answers after it");
  await bubble(b, "and alice answers after it").waitFor();
  expect(sdkChat.e2e?.undecryptable).toBe(0);

  // Screens: zh-CN with the panel open, and at phone width (light and dark).
  await nav(b, "Settings").click();
  await b.getByTestId("device-panel").getByTestId("device-fingerprint").scrollIntoViewIfNeeded();
  await shot(b, "e2e-settings");
  await b.getByRole("combobox", { name: "Language" }).selectOption("zh-CN");
  await b.getByRole("navigation").getByRole("link", { name: "对话" }).click();
  await conv(b, alice).click();
  await b.getByTestId("e2e-lock").click();
  await b.getByTestId("e2e-panel").getByText("服务器仍能看到的信息").waitFor();
  await b.getByTestId("device-fingerprint").waitFor();
  await shot(b, "e2e-details-zh");
  await b.setViewportSize({ width: 390, height: 844 });
  await shot(b, "e2e-details-phone-zh");
  await b.emulateMedia({ colorScheme: "dark" });
  await shot(b, "e2e-details-phone-zh-dark");

  // Logging out deletes this device's keys and the messages it kept from the browser.
  await nav(a, "Settings").click();
  await a.getByRole("button", { name: "Log out", exact: true }).click();
  await a.getByRole("tab", { name: "Sign in" }).waitFor();
  const alicesKeys = async () =>
    [...(await stateKeys(a)), ...(await stateKeys(a, "reads"))].filter((k) => k.startsWith(`${aliceId}/`));
  await expect.poll(alicesKeys).toEqual([]);

  expect(browsers.pageErrors).toEqual([]);
  await expectNoPlaintextStored();
}

test("a second browser login of an existing user sends at once in a quiet DM, and reads what follows", async () => {
  await browsers.withFailureShots("e2e-second-login", shot, secondLogin);
}, 180_000);

async function secondLogin(): Promise<void> {
  const pid = process.pid % 10_000;
  const carol = `carol_e2e_${pid}`;
  const dave = `dave_e2e_${pid}`;
  const { page: c } = await browsers.open();
  const { page: d } = await browsers.open();
  await Promise.all([register(c, carol), register(d, dave)]);
  await befriendInBrowsers(c, carol, d, dave);
  await conv(c, dave).click();
  await send(c, "before the second login");
  await conv(d, carol).click();
  await bubble(d, "before the second login").waitFor();

  // Carol signs in on another browser; nobody else sends: its first message joins the group itself.
  const { page: c2 } = await browsers.open();
  await c2.goto(stack.httpUrl);
  await c2.getByRole("button", { name: "The fingerprints match, continue" }).click();
  await c2.getByLabel("Username", { exact: true }).fill(carol);
  await c2.getByLabel("Password", { exact: true }).fill(password);
  await c2.getByRole("button", { name: "Sign in", exact: true }).click();
  await upToDate(c2);
  await conv(c2, dave).click();
  await send(c2, "from carol's second browser");
  for (const page of [d, c]) {
    await bubble(page, "from carol's second browser").waitFor();
    const shown = timeline(page).locator(".msg", { hasText: "from carol's second browser" });
    expect(await shown.getAttribute("data-e2e")).toBe("decrypted");
  }
  // The log's second commit is the new browser's own External Commit (no Welcome was needed).
  const users = await stack.db.user.findMany({ where: { username: { in: [carol, dave] } } });
  const dm = dmConversationId(users[0]!.id, users[1]!.id);
  const convRow = await stack.db.conversation.findUniqueOrThrow({ where: { key: dm } });
  const log = await stack.db.message.findMany({ where: { conversationId: convRow.id }, orderBy: { seq: "asc" } });
  const carolId = users.find((u) => u.username === carol)!.id;
  expect(log.filter((m) => m.kind === "mls.commit").map((m) => m.senderId)).toEqual([carolId, carolId]);
  // Sent before it joined: shown as not available on this browser, never as a failure.
  await timeline(c2).locator('.msg[data-e2e="unavailable"]').first().waitFor();
  expect(await timeline(c2).locator('.msg[data-e2e="undecryptable"]').count()).toBe(0);
  await send(d, "dave answers both of carol's browsers");
  await bubble(c2, "dave answers both of carol's browsers").waitFor();
  await bubble(c, "dave answers both of carol's browsers").waitFor();
  expect(browsers.pageErrors).toEqual([]);
}

/** The SQLite file and its WAL (or, on PostgreSQL, the message rows) hold none of the texts. */
async function expectNoPlaintextStored(): Promise<void> {
  const file = stack.database.file;
  const stored = file
    ? [file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f).toString("latin1"))
    : (await stack.db.message.findMany({ select: { body: true } })).map((m) => m.body);
  expect(stored.join("").length).toBeGreaterThan(0);
  const encrypted = plaintexts.filter((t) => t !== "written before encryption");
  for (const text of encrypted) {
    const bytes = Buffer.from(text).toString("latin1");
    for (const s of stored) expect(s.includes(bytes), text).toBe(false);
  }
  // The check can fail: the plaintext history is in the same file.
  expect(stored.some((s) => s.includes("written before encryption"))).toBe(true);
}
