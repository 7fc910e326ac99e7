/**
 * The chat in a real browser (Debian's chromium driven by playwright-core) against the real stack:
 * two users in two browser profiles register, become friends and make a group in the social
 * screens, exchange DMs live both ways (typing,
 * read receipts, unread badges, edit, delete), talk in a group, and keep working through a gateway
 * restart: what was sent meanwhile appears once, what was typed meanwhile is sent once. Bob's run of
 * three group messages shows his name once (screenshots of it in every variant). A tab
 * resumes only under the ticket lock shared by the user's tabs. Saves screenshots of the
 * main chat screens (light, dark, phone) under test-results/screenshots/.
 *
 * The browsers talk to a gateway of their own (same key, fixed port) so that it can be stopped and
 * started again at the same origin; SDK clients use the stack's gateway, which stays up.
 */
import net from "node:net";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createGateway, type Gateway } from "@sealroom/gateway";
import { generateServerKeyPem, nodeServerKey } from "@sealroom/proto/session/node";
import { connectNats, type NatsConnection } from "@sealroom/runtime";
import { ChatStore, MemoryE2eStateStore, dmConversationId, type SealroomClient } from "@sealroom/sdk/node";
import { log, startStack, type Stack } from "../support/stack.js";
import { Browsers, requireBrowserAndApp, shots, webDir } from "./support/browsers.js";
import { befriendInBrowsers, registerInBrowser, upToDate } from "./support/flows.js";
import { shootVariants } from "./support/variants.js";

const password = "correct horse battery staple";

let stack: Stack;
let webPort: number;
let webUrl: string;
const serverKey = nodeServerKey(generateServerKeyPem(2048));
let web: { gateway: Gateway; nc: NatsConnection } | undefined;
// A refused socket while the gateway is down is the browser's own console noise, not the app's.
const browsers = new Browsers(/WebSocket connection to .* failed/);
const pageErrors = browsers.pageErrors;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The browsers' gateway: the same key and port every time, so a restart keeps the origin and the pin. */
async function startWebGateway(): Promise<void> {
  const nc = await connectNats({ url: stack.nats.url, name: "gateway-web", log });
  const gateway = createGateway({
    nc,
    log,
    serverKey,
    host: "127.0.0.1",
    port: webPort,
    webDir,
    gatewayId: "gw-web",
  });
  await gateway.start();
  web = { gateway, nc };
}

async function stopWebGateway(): Promise<void> {
  if (!web) return;
  await web.gateway.stop();
  await web.nc.drain().catch(() => undefined); // already closed
  web = undefined;
}

beforeAll(async () => {
  requireBrowserAndApp();
  stack = await startStack({ webDir });
  webPort = await freePort();
  webUrl = `http://127.0.0.1:${webPort}`;
  await startWebGateway();
});

afterAll(async () => {
  await browsers.closeAll();
  await stopWebGateway();
  await stack?.stop();
});

const freshBrowser = () => browsers.open();

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(shots, `${name}.png`) });

async function register(page: Page, username: string): Promise<void> {
  await registerInBrowser(page, webUrl, username, password);
  await upToDate(page);
  await page.getByRole("heading", { level: 1, name: "Conversations" }).waitFor();
}

async function sdkAs(username: string): Promise<SealroomClient> {
  const c = stack.client();
  await c.connect();
  await c.login(username, password);
  return c;
}

const nav = (page: Page, name: "Conversations" | "Friends" | "Groups" | "Settings") =>
  page.getByRole("navigation").getByRole("link", { name });
const conv = (page: Page, name: string) => page.locator("a.conv", { hasText: name }).first();
const timeline = (page: Page) => page.getByTestId("timeline");
const composer = (page: Page) => page.getByTestId("composer");
/** The messages of the open conversation whose text is exactly `text`. */
const bubbles = (page: Page, text: string) => timeline(page).locator(".msg-text", { hasText: new RegExp(`^${text}$`) });

/**
 * Bob adds two messages to his "我来！": Alice sees the three as one group, his name and avatar
 * once, the time on the first and on the others only on hover, while each message's accessible
 * name still says who and when. Screenshots of the grouped list (every variant).
 */
async function groupedRun(a: Page, b: Page, bob: string): Promise<void> {
  for (const text of ["周六上午可以", "I'll bring snacks"]) {
    await composer(b).fill(text);
    await composer(b).press("Enter");
  }
  await bubbles(a, "I'll bring snacks").waitFor();
  const run = timeline(a)
    .getByTestId("message")
    .filter({ has: a.locator(".msg-text", { hasText: /^(我来！|周六上午可以|I'll bring snacks)$/ }) });
  expect(await run.count()).toBe(3);
  expect(await run.locator(".msg-sender").allTextContents()).toEqual([bob]);
  expect(await run.locator(".avatar").count()).toBe(1);
  const names = await run.evaluateAll((els) => els.map((e) => e.getAttribute("aria-label")));
  for (const name of names) expect(name).toMatch(new RegExp(`^${bob}, \\d{1,2}:\\d{2}`));
  const stampOpacity = (i: number) =>
    run
      .nth(i)
      .locator(".msg-stamp")
      .evaluate((e) => getComputedStyle(e).opacity);
  await a.mouse.move(0, 0);
  expect(await stampOpacity(0)).toBe("1");
  await expect.poll(() => stampOpacity(2)).toBe("0");
  await run.nth(2).hover();
  await expect.poll(() => stampOpacity(2)).toBe("1");
  await a.mouse.move(0, 0);
  await expect.poll(() => stampOpacity(2)).toBe("0");
  // By keyboard: the focused message (the timeline's stop) shows its time too.
  await run.nth(2).focus();
  await expect.poll(() => stampOpacity(2)).toBe("1");
  await composer(a).focus();

  await shootVariants(a, "chat-group-run", async () => {
    await upToDate(a);
    await conv(a, "Weekend plans").click();
    await bubbles(a, "I'll bring snacks").waitFor();
    await a.mouse.move(0, 0);
  });
}

test("two users chat live in DMs and a group, and the chat survives a gateway restart", async () => {
  await browsers.withFailureShots("chat", shot, story);
}, 180_000);

async function story(): Promise<void> {
  const pid = process.pid % 10_000;
  const alice = `alice_${pid}`;
  const bob = `小波_${pid}`;
  const { page: a } = await freshBrowser();
  const { ctx: bCtx, page: b } = await freshBrowser();
  await Promise.all([register(a, alice), register(b, bob)]);

  // Friends through the friends screen (the social feature's UI).
  await befriendInBrowsers(a, alice, b, bob);
  const sa = await sdkAs(alice);
  const sb = await sdkAs(bob); // Bob's "phone", on the other gateway
  const dmId = dmConversationId(sa.user!.id, sb.user!.id);
  sa.close();
  // The phone is an encrypting device of Bob's too: registered now, so Alice's first message adds it.
  const phone = new ChatStore(sb, { e2e: { store: new MemoryE2eStateStore(), deviceName: "bob's phone" } });
  phone.start();
  await phone.e2e?.deviceReady();

  // Alice starts the DM from "Start a chat": the friend arrived live with presence.
  await a.locator("a.conv-new", { hasText: bob }).click();
  await a.getByRole("heading", { level: 1, name: bob }).waitFor();
  await expect.poll(() => a.evaluate(() => document.activeElement?.id)).toBe("conversation-title");
  await composer(a).fill("Hello Bob 👋");
  await composer(a).press("Enter");
  await bubbles(a, "Hello Bob 👋").waitFor();
  expect(await composer(a).inputValue()).toBe("");

  // Bob sees the conversation appear with an unread badge and the preview, then opens it.
  await conv(b, alice).getByTestId("unread-badge").filter({ hasText: "1" }).waitFor();
  await conv(b, alice).getByText("Hello Bob 👋").waitFor();
  await expect.poll(() => b.title(), { timeout: 10_000 }).toBe("(1) Sealroom");
  await conv(b, alice).click();
  await bubbles(b, "Hello Bob 👋").waitFor();
  await expect.poll(() => b.title(), { timeout: 10_000 }).toBe("Sealroom");
  // ...and Alice's message is marked read.
  await a.getByTestId("message-status").filter({ hasText: "Read" }).waitFor();

  // Bob types: Alice sees it. Shift+Enter makes a new line; Enter sends one two-line message.
  await composer(b).pressSequentially("line one");
  await a
    .getByTestId("typing")
    .filter({ hasText: `${bob} is typing…` })
    .waitFor();
  await composer(b).press("Shift+Enter");
  await composer(b).pressSequentially("第二行");
  await composer(b).press("Enter");
  await timeline(a).locator(".msg-text", { hasText: "line one\n第二行" }).waitFor();
  await a.getByTestId("typing").filter({ hasText: /^$/ }).waitFor();

  // A draft survives switching conversations.
  await composer(a).fill("half a thought");
  await a.getByRole("navigation").getByRole("link", { name: "Settings" }).click();
  await a.getByRole("heading", { level: 1, name: "Settings" }).waitFor();
  await conv(a, bob).click();
  expect(await composer(a).inputValue()).toBe("half a thought");
  await composer(a).fill("");

  // Edit and delete (confirmed) own messages; Bob sees both live.
  await composer(a).fill("typo mesage");
  await composer(a).press("Enter");
  const typo = timeline(a).locator(".msg", { hasText: "typo mesage" });
  await typo.hover();
  await typo.getByRole("button", { name: "Edit" }).click();
  await a.getByLabel("Edit your message").fill("fixed message");
  await a.getByLabel("Edit your message").press("Enter");
  await timeline(b).locator(".msg", { hasText: "fixed message" }).getByText("edited").waitFor();
  const fixed = timeline(a).locator(".msg", { hasText: "fixed message" });
  await fixed.hover();
  await fixed.getByRole("button", { name: "Delete" }).click();
  await a.getByText("Delete this message for everyone?").waitFor();
  await a.getByRole("button", { name: "Delete", exact: true }).last().click();
  await timeline(a).getByText("This message was deleted.").waitFor();
  await timeline(b).getByText("This message was deleted.").waitFor();

  // A group, made and joined in the groups screens; its entries and messages reach both chats.
  await nav(a, "Groups").click();
  await a.getByLabel("Group name").fill("Weekend plans");
  await a.getByRole("checkbox", { name: bob }).check();
  await a.getByRole("button", { name: "Create and invite 1" }).click();
  await a.getByRole("heading", { level: 1, name: "Weekend plans" }).waitFor();
  await nav(b, "Groups").click();
  await b.getByRole("button", { name: "Join Weekend plans" }).click();
  await b.getByRole("heading", { level: 1, name: "Weekend plans" }).waitFor();
  // Joining opened the group's conversation; Bob goes back to the list, so Ann's message arrives unread.
  await nav(b, "Conversations").click();
  await conv(a, "Weekend plans").click();
  await timeline(a).getByText(`${bob} joined the group`).waitFor();
  await a.locator(".conversation-sub", { hasText: "2 members" }).waitFor();
  expect(await a.getByRole("button", { name: "Group details", exact: true }).getAttribute("aria-controls")).toBe(
    "group-details",
  );
  await composer(a).fill("Who's in for Saturday?");
  await composer(a).press("Enter");
  await conv(b, "Weekend plans").getByTestId("unread-badge").waitFor();
  await conv(b, "Weekend plans").click();
  await bubbles(b, "Who's in for Saturday\\?").waitFor();
  // Bob reads the group from his join on: his own "joined" entry, not what came before.
  await timeline(b).getByText(`${bob} joined the group`).waitFor();
  expect(await timeline(b).getByText(`${alice} created the group “Weekend plans”`).count()).toBe(0);
  await timeline(a).getByText(`${alice} created the group “Weekend plans”`).waitFor();
  await composer(b).fill("我来！");
  await composer(b).press("Enter");
  await bubbles(a, "我来！").waitFor();
  await a.getByTestId("message-status").filter({ hasText: "Read by 1" }).waitFor();
  await groupedRun(a, b, bob);

  // Screens: desktop light and dark, phone list and conversation.
  await conv(a, bob).click();
  await bubbles(a, "Hello Bob 👋").waitFor();
  await shot(a, "chat-dm");
  await a.emulateMedia({ colorScheme: "dark" });
  await shot(a, "chat-dm-dark");
  await conv(a, "Weekend plans").click();
  await bubbles(a, "我来！").waitFor();
  await shot(a, "chat-group-dark");
  await a.emulateMedia({ colorScheme: "light" });
  await b.setViewportSize({ width: 390, height: 780 });
  await b.getByRole("link", { name: "Back to conversations" }).click();
  await b.getByRole("heading", { level: 1, name: "Conversations" }).waitFor();
  await shot(b, "chat-list-phone");
  await conv(b, alice).click();
  await bubbles(b, "Hello Bob 👋").waitFor();
  await shot(b, "chat-dm-phone");
  await b.emulateMedia({ colorScheme: "dark" });
  await shot(b, "chat-dm-phone-dark");
  await b.emulateMedia({ colorScheme: "light" });
  // In Simplified Chinese.
  await b.getByRole("link", { name: "Back to conversations" }).click();
  await nav(b, "Settings").click();
  await b.getByRole("combobox", { name: "Language" }).selectOption("zh-CN");
  await b.getByRole("navigation").getByRole("link", { name: "对话" }).click();
  await conv(b, alice).click();
  await b.getByRole("textbox", { name: `发消息给 ${alice}` }).waitFor();
  await b.getByTestId("message-status").filter({ hasText: "已读" }).waitFor();
  await shot(b, "chat-dm-phone-zh");
  await b.getByRole("link", { name: "返回对话列表" }).click();
  await b.getByRole("navigation").getByRole("link", { name: "设置" }).click();
  await b.getByRole("combobox", { name: "语言" }).selectOption("en");
  await b.setViewportSize({ width: 1280, height: 800 });

  // The browsers' gateway goes away. Alice writes while reconnecting (shown as sending); Bob, on
  // his phone (an SDK client on the other gateway), sends three messages meanwhile.
  await conv(a, bob).click();
  await stopWebGateway();
  await a.locator(".conn[data-state=reconnecting]", { hasText: "Reconnecting…" }).waitFor();
  await a.getByRole("status").filter({ hasText: "Connection lost" }).waitFor({ state: "attached" });
  await composer(a).fill("written while offline");
  await composer(a).press("Enter");
  await timeline(a)
    .getByTestId("pending-message")
    .filter({ hasText: "written while offline" })
    .getByText("Sending…")
    .waitFor();
  await shot(a, "chat-reconnecting");
  for (const n of [1, 2, 3]) await phone.send(dmId, `meanwhile ${n}`);

  await startWebGateway();
  for (const page of [a, b]) {
    // "Retry now" skips the rest of the backoff; it is gone if the client's own retry came first.
    await page
      .getByRole("button", { name: "Retry now" })
      .click({ timeout: 2000 })
      .catch(() => undefined);
    await upToDate(page);
    // Screen readers heard the loss and now the return (said for 10 s); the badge itself is gone.
    if (page === a) await a.getByRole("status").filter({ hasText: "Reconnected" }).waitFor({ state: "attached" });
    expect(await page.locator(".conn").count()).toBe(0);
  }
  await conv(b, alice).click();
  for (const page of [a, b]) {
    for (const n of [1, 2, 3]) await bubbles(page, `meanwhile ${n}`).waitFor();
    await bubbles(page, "written while offline").waitFor();
  }
  await expect.poll(() => timeline(a).getByTestId("pending-message").count()).toBe(0);
  // None twice: in both browsers, and in the record.
  for (const page of [a, b]) {
    for (const text of ["meanwhile 1", "meanwhile 2", "meanwhile 3", "written while offline", "Hello Bob 👋"])
      expect(await bubbles(page, text).count(), text).toBe(1);
  }
  await phone.whenUpToDate();
  const texts = (phone.getSnapshot().byId[dmId]?.entries ?? []).flatMap((e) => (e.kind === "text" ? [e.text] : []));
  expect(texts.filter((t) => t === "written while offline")).toHaveLength(1);

  // History: sixty more messages, then a reload. The store starts at the newest entries; scrolling
  // up loads older pages while the message that was at the top stays where the reader saw it.
  // What Alice's browser read before the reload it kept (the messages are end-to-end encrypted, and
  // each could be decrypted once): the history it shows after it comes from the browser.
  await Promise.all(Array.from({ length: 60 }, (_, i) => phone.send(dmId, `history ${i + 1}`)));
  await a.reload();
  await upToDate(a);
  await conv(a, bob).click();
  await bubbles(a, "history 60").waitFor();
  expect(await bubbles(a, "Hello Bob 👋").count()).toBe(0); // not loaded yet
  const topSeq = await timeline(a).getByTestId("message").first().getAttribute("data-seq");
  const topMessage = timeline(a).locator(`[data-seq="${topSeq}"]`);
  const offsetOf = () =>
    topMessage.evaluate((m) => {
      const t = m.closest("[data-testid=timeline]")!;
      return m.getBoundingClientRect().top - t.getBoundingClientRect().top + t.scrollTop;
    });
  const before = await offsetOf(); // where it is at scrollTop 0, before anything is prepended
  await timeline(a).evaluate((t) => t.scrollTo({ top: 0 }));
  await bubbles(a, "Hello Bob 👋").waitFor();
  const shown = await topMessage.evaluate(
    (m) => m.getBoundingClientRect().top - m.closest("[data-testid=timeline]")!.getBoundingClientRect().top,
  );
  expect(Math.abs(shown - before)).toBeLessThan(40);
  await timeline(a).evaluate((t) => t.scrollTo({ top: 0 }));
  await timeline(a).getByText("This is the beginning of your conversation.").waitFor();
  for (const text of ["Hello Bob 👋", "history 1", "history 60", "written while offline"])
    expect(await bubbles(a, text).count(), text).toBe(1);
  // Scrolled up, a new message does not move the view: a button leads down to it.
  await composer(b).fill("still reading?");
  await composer(b).press("Enter");
  await a.getByRole("button", { name: "New messages ↓" }).waitFor();
  await a.waitForTimeout(500); // time enough for a wrong read receipt to arrive
  expect(await b.getByTestId("message-status").textContent()).toBe("Sent"); // not seen yet
  await a.getByRole("button", { name: "New messages ↓" }).click();
  await bubbles(a, "still reading\\?").waitFor();
  await b.getByTestId("message-status").filter({ hasText: "Read" }).waitFor();
  await expect.poll(() => timeline(a).evaluate((t) => t.scrollHeight - t.scrollTop - t.clientHeight)).toBeLessThan(5);

  // Many unread: the conversation opens at the first of them, under a "New" divider.
  await conv(a, "Weekend plans").click();
  for (let n = 1; n <= 30; n++) await phone.send(dmId, `unread ${n}`);
  phone.stop();
  await conv(a, bob).getByTestId("unread-badge").filter({ hasText: "30" }).waitFor();
  await conv(a, bob).click();
  await a.getByTestId("unread-divider").waitFor();
  const place = await timeline(a).evaluate((t) => {
    const d = t.querySelector("[data-testid=unread-divider]")!.getBoundingClientRect();
    const box = t.getBoundingClientRect();
    return { dividerTop: d.top - box.top, fromBottom: t.scrollHeight - t.scrollTop - t.clientHeight };
  });
  expect(place.dividerTop).toBeGreaterThanOrEqual(0);
  expect(place.dividerTop).toBeLessThan(100);
  expect(place.fromBottom).toBeGreaterThan(100);
  await shot(a, "chat-unread");
  await a.getByRole("button", { name: "New messages ↓" }).click();
  await conv(a, "Weekend plans").click(); // read now: no badge left behind
  await expect.poll(() => conv(a, bob).getByTestId("unread-badge").count()).toBe(0);

  // Tabs share the single-use ticket, so a tab resumes only under the origin's ticket lock: while
  // another tab holds it (here, by hand), a reload waits on "Restoring your session", and resumes
  // once it is released. Then two tabs reloading together both come back signed in.
  const second = await bCtx.newPage();
  browsers.watch(second);
  await second.goto(webUrl);
  await upToDate(second);
  await second.evaluate(() => {
    void navigator.locks.request(
      "sealroom.ticket",
      () => new Promise<void>((release) => ((window as unknown as { release: () => void }).release = release)),
    );
  });
  await b.reload();
  await b.getByRole("heading", { name: "Restoring your session" }).waitFor();
  await b.waitForTimeout(1000);
  expect(await b.getByRole("heading", { name: "Restoring your session" }).count()).toBe(1);
  await second.evaluate(() => (window as unknown as { release: () => void }).release());
  await upToDate(b);
  await Promise.all([b.reload(), second.reload()]);
  await Promise.all([upToDate(b), upToDate(second)]);
  await b.waitForTimeout(300);
  for (const page of [b, second]) expect(await page.getByRole("heading", { name: "Welcome back" }).count()).toBe(0);

  expect(pageErrors).toEqual([]);
}
