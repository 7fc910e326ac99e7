/**
 * The chat and sign-in defects of the outside review's "Other defects seen" (item 17), each in a
 * real browser against the real stack: the length counter and why Send is disabled, sending while
 * scrolled up, partial read, the time an offline message was written, the outbox kept on the device
 * across a closed tab, and a stale sign-in error.
 */
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Person } from "../social-helpers.js";
import { ReviewStack, composer, openConversation, shot, signIn, timeline, upToDate } from "./support/review.js";

const env = new ReviewStack();

beforeAll(() => env.start());
afterAll(() => env.stop());

const fromBottom = (page: Page) => timeline(page).evaluate((t) => t.scrollHeight - t.scrollTop - t.clientHeight);

test("an over-long message shows a counter near the limit and says why Send is disabled", async () => {
  const { me, dm } = await env.friends("len_a", "len_b");
  const page = await env.browserAs(me);
  await openConversation(page, dm);
  const count = page.getByTestId("composer-count");
  await composer(page).fill("x".repeat(100));
  expect(await count.count()).toBe(0); // far from the limit: no counter
  await composer(page).fill("x".repeat(3990));
  await count.filter({ hasText: "10 characters left" }).waitFor();
  expect(await page.getByRole("button", { name: "Send" }).isDisabled()).toBe(false);
  // Code points, not UTF-16 units: an emoji is one character.
  await composer(page).fill("😀".repeat(4005));
  await count.filter({ hasText: "5 characters too many" }).waitFor();
  expect(await page.getByRole("button", { name: "Send" }).isDisabled()).toBe(true);
  await page.getByTestId("composer-problem").filter({ hasText: "at most 4,000 characters" }).waitFor();
  expect(((await composer(page).getAttribute("aria-describedby")) ?? "").split(" ")).toEqual(
    expect.arrayContaining(["composer-count", "composer-problem"]),
  );
  await shot(page, "composer-too-long");
  await page.emulateMedia({ colorScheme: "dark" });
  await page.setViewportSize({ width: 390, height: 780 });
  await shot(page, "composer-too-long-phone-dark");
  expect(env.browsers.pageErrors).toEqual([]);
});

test("the counter and the reason are in Chinese too", async () => {
  const { me, dm } = await env.friends("len_zh_a", "len_zh_b");
  const page = await env.browserAs(me, { lang: "zh-CN" });
  await openConversation(page, dm);
  await composer(page).fill("字".repeat(4002));
  await page.getByTestId("composer-count").filter({ hasText: "超出 2 个字" }).waitFor();
  await page.getByTestId("composer-problem").filter({ hasText: "最多 4000 个字符" }).waitFor();
  await shot(page, "composer-too-long-zh");
});

test("sending while scrolled up brings the view down to the sent message", async () => {
  const { me, peer, dm } = await env.friends("scroll_a", "scroll_b");
  for (let i = 1; i <= 40; i++)
    await peer.client.request("chat.send", { conversationId: dm, clientMsgId: `s-${i}`, text: `older ${i}` });
  const page = await env.browserAs(me);
  await openConversation(page, dm);
  await timeline(page)
    .locator(".msg-text", { hasText: /^older 40$/ })
    .waitFor();
  await timeline(page).evaluate((t) => t.scrollTo({ top: 0 }));
  await expect.poll(() => fromBottom(page)).toBeGreaterThan(300);
  await composer(page).fill("my answer");
  await composer(page).press("Enter");
  await timeline(page)
    .locator(".msg-text", { hasText: /^my answer$/ })
    .waitFor();
  await expect.poll(() => fromBottom(page)).toBeLessThan(5);
});

test("opening a conversation with 130 unread marks read only what was on screen", { timeout: 90_000 }, async () => {
  const { me, peer, dm } = await env.friends("unread_a", "unread_b");
  for (let i = 1; i <= 130; i++)
    await peer.client.request("chat.send", { conversationId: dm, clientMsgId: `u-${i}`, text: `unread ${i}` });
  const page = await env.browserAs(me);
  await page.locator(`[data-testid="conv-${dm}"]`).getByTestId("unread-badge").waitFor();
  await openConversation(page, dm);
  await page.getByTestId("unread-divider").waitFor();
  // The first unread is on screen, right under the divider; the newest is far below.
  await timeline(page)
    .locator(".msg-text", { hasText: /^unread 1$/ })
    .waitFor();
  await page.waitForTimeout(1000); // time enough for a wrong markRead
  const unreadNow = async () => {
    const { conversations } = await me.client.request("chat.conversations", {});
    return conversations.find((c) => c.conversationId === dm)?.read.unread ?? -1;
  };
  const left = await unreadNow();
  expect(left).toBeGreaterThan(100);
  expect(left).toBeLessThan(130); // what was on screen is read
  // Scrolled to the newest, everything is.
  await page.getByRole("button", { name: "New messages ↓" }).click();
  await expect.poll(unreadNow, { timeout: 10_000 }).toBe(0);
});

test(
  "a message written offline shows the time it was written, and is kept on the device until the server has it",
  { timeout: 90_000 },
  async () => {
    const { me, peer, dm } = await env.friends("offline_a", "offline_b");
    const page = await env.browserAs(me);
    const ctx = page.context();
    await openConversation(page, dm);

    await env.stopWeb();
    try {
      await offline(page, ctx, peer, dm);
    } finally {
      await env.startWeb(); // for the next test, if this one failed while it was down
    }
  },
);

async function offline(page: Page, ctx: BrowserContext, peer: Person, dm: string): Promise<void> {
  await page.locator(".conn[data-state=reconnecting]").waitFor();
  // A minute in the tunnel without waiting one: the browser's clock (the whole context's, so the tab
  // opened below keeps it) starts a minute back and jumps a minute ahead once the message is written,
  // back to the server's time. The app sees what a real minute shows it: a minute waited by its own
  // clock, and the server's stamp a minute after the writing time. Either alone shows no written
  // time (noteWritten in the SDK), so the jump is needed as well as the server's later stamp.
  await ctx.clock.install({ time: Date.now() - 61_000 });
  const writtenAt = await page.evaluate(() => Date.now());
  await composer(page).fill("written on the train");
  await composer(page).press("Enter");
  const pending = timeline(page).getByTestId("pending-message").filter({ hasText: "written on the train" });
  await pending.getByText("Sending…").waitFor();
  const label = (ts: number) => new Intl.DateTimeFormat("en-US", { hour: "numeric", minute: "2-digit" }).format(ts);
  await pending.getByText(`Written ${label(writtenAt)}`).waitFor();
  await shot(page, "offline-pending-written");
  await ctx.clock.fastForward(61_000);

  // The tab is closed before the connection returns: the message waits on the device...
  await page.close();
  await env.startWeb();
  const again = await ctx.newPage();
  env.browsers.watch(again);
  await again.goto(env.url);
  await upToDate(again);
  await openConversation(again, dm);
  // ...and is sent once (the same clientMsgId), showing the time it was written next to the server's.
  const bubble = timeline(again).getByTestId("message").filter({ hasText: "written on the train" });
  await bubble.waitFor();
  await expect.poll(() => timeline(again).getByTestId("pending-message").count()).toBe(0);
  const history = await peer.client.request("chat.history", { conversationId: dm, limit: 50 });
  // The only message of this DM: a text entry, or (the web app encrypting) one encrypted application message.
  const stored = history.entries.filter(
    (e) => (e.kind === "text" && e.text === "written on the train") || e.kind === "mls.app",
  );
  expect(stored).toHaveLength(1);
  const written = await bubble.getByTestId("message-written").textContent();
  expect([writtenAt - 1000, writtenAt, writtenAt + 1000].map((t) => `Written ${label(t)}`)).toContain(written);
  expect(stored[0]!.ts - writtenAt).toBeGreaterThan(60_000);
  await shot(again, "offline-written");
  expect(env.browsers.pageErrors).toEqual([]);
}

test("a stale sign-in error does not stay above a new one", async () => {
  const { me } = await env.friends("stale_a", "stale_b");
  const { page } = await env.browsers.open();
  await page.goto(env.url);
  await page.locator("button.btn-primary").first().click();
  await signIn(page, me.name, "wrong password!");
  await page.getByTestId("auth-error").filter({ hasText: "Wrong username or password." }).waitFor();
  // Submitted again without a password: the form's own error, and not the old one above it.
  await page.getByLabel("Password", { exact: true }).fill("");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByText("Enter your password.").waitFor();
  expect(await page.getByTestId("auth-error").textContent()).toBe("");
});
