/**
 * The timeline by keyboard (outside review, item 16) in a real browser against the real stack: one
 * Tab stop for the whole timeline (arrow keys between messages), Tab on to the composer, a focused
 * message's actions behind the menu key, Up in the empty composer to edit one's last message, and
 * typing after a stray Tab lands in the composer instead of pressing a message's buttons.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Person } from "../social-helpers.js";
import { menuDownTo } from "./support/flows.js";
import { ReviewStack, composer, openConversation, shot, timeline } from "./support/review.js";

const env = new ReviewStack();

beforeAll(() => env.start());
afterAll(() => env.stop());

const active = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return {
      testid: el?.getAttribute("data-testid") ?? null,
      seq: el?.getAttribute("data-seq") ?? null,
      id: el?.id ?? "",
    };
  });
const fromBottom = (page: Page) => timeline(page).evaluate((t) => t.scrollHeight - t.scrollTop - t.clientHeight);

/** A long DM: `count` messages, most of them the browser user's own (each with Edit and Delete). */
async function longDm(count: number): Promise<{ me: Person; peer: Person; dm: string; page: Page }> {
  const f = await env.friends("kb_me", "kb_peer");
  for (let i = 1; i <= count; i++) {
    const from = i % 5 === 0 ? f.peer : f.me;
    await from.client.request("chat.send", { conversationId: f.dm, clientMsgId: `kb-${i}`, text: `message ${i}` });
  }
  const page = await env.browserAs(f.me);
  await openConversation(page, f.dm);
  await timeline(page)
    .locator(".msg-text", { hasText: `message ${count}` })
    .waitFor();
  return { ...f, page };
}

test("Tab goes from the conversation's title through one timeline stop to the composer, and focusing a message does not scroll to the top", async () => {
  const { page } = await longDm(60);
  await page.locator("#conversation-title").focus();
  let presses = 0;
  while ((await active(page)).testid !== "composer" && presses < 20) {
    await page.keyboard.press("Tab");
    presses++;
    if ((await active(page)).testid === "message") expect(await fromBottom(page)).toBeLessThan(5);
  }
  // The header's conversation options and encryption details, (Load older), the timeline, the composer.
  expect(presses).toBeLessThanOrEqual(5);

  // Shift+Tab back: the newest message; the arrow keys walk the timeline.
  await page.keyboard.press("Shift+Tab");
  const last = await active(page);
  expect(last.testid).toBe("message");
  expect(await fromBottom(page)).toBeLessThan(5);
  // It is the peer's (message 60): someone else's message has no Edit or Delete in its menu.
  await page.keyboard.press("Shift+F10");
  const menu = page.getByRole("menu");
  await menu.waitFor();
  expect(await menu.getByRole("menuitem").allTextContents()).toEqual(["Copy text", "Copy link to message", "Forward…"]);
  await page.keyboard.press("Escape");
  await menu.waitFor({ state: "detached" });
  await expect.poll(async () => (await active(page)).seq).toBe(last.seq);
  await page.keyboard.press("ArrowUp");
  expect(Number((await active(page)).seq)).toBe(Number(last.seq) - 1);
  await page.keyboard.press("ArrowDown");
  expect((await active(page)).seq).toBe(last.seq);
  // The position in the timeline is remembered: Tab away and back returns to the same message.
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("ArrowUp");
  const remembered = (await active(page)).seq;
  await page.keyboard.press("Tab");
  expect((await active(page)).testid).toBe("composer");
  await page.keyboard.press("Shift+Tab");
  expect((await active(page)).seq).toBe(remembered);
  await shot(page, "keyboard-focused-message");
  expect(env.browsers.pageErrors).toEqual([]);
});

test("typing after a stray Shift+Tab goes into the composer: nothing is edited or deleted", async () => {
  const { page } = await longDm(8);
  await composer(page).focus();
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.type("see you soon");
  await page.keyboard.press("Enter");
  await timeline(page)
    .locator(".msg-text", { hasText: /^see you soon$/ })
    .waitFor();
  expect(await timeline(page).getByText("edited").count()).toBe(0);
  expect(await timeline(page).getByText("This message was deleted.").count()).toBe(0);
  for (let i = 1; i <= 8; i++)
    expect(
      await timeline(page)
        .locator(".msg-text", { hasText: new RegExp(`^message ${i}$`) })
        .count(),
    ).toBe(1);
});

test("the menu key opens a focused message's actions: Edit saves in place, Delete asks first, focus comes back", async () => {
  const { page } = await longDm(4);
  await page.locator("#conversation-title").focus();
  await page.keyboard.press("Tab"); // the timeline: its newest message, message 4 (mine)...
  // ...after the header's conversation options and encryption details (when the app encrypts).
  if ((await active(page)).testid === "conversation-menu") await page.keyboard.press("Tab");
  if ((await active(page)).testid === "e2e-lock") await page.keyboard.press("Tab");
  expect((await active(page)).testid).toBe("message");
  await page.keyboard.press("Shift+F10");
  const menu = page.getByRole("menu");
  await menu.waitFor();
  expect(await menu.getByRole("menuitem").allTextContents()).toEqual([
    "Copy text",
    "Copy link to message",
    "Forward…",
    "Edit",
    "Delete",
  ]);
  await shot(page, "keyboard-message-menu");
  await page.keyboard.press("Escape");
  expect(await menu.count()).toBe(0);
  await expect.poll(async () => (await active(page)).testid).toBe("message");

  await page.keyboard.press("ContextMenu");
  await menu.waitFor();
  await menuDownTo(page, "Edit");
  await page.keyboard.press("Enter");
  const edit = page.getByLabel("Edit your message");
  expect(await edit.inputValue()).toBe("message 4");
  await edit.fill("message four");
  await edit.press("Enter");
  await timeline(page).locator(".msg", { hasText: "message four" }).getByText("edited").waitFor();
  await expect.poll(async () => (await active(page)).testid).toBe("message");

  await page.keyboard.press("Shift+F10");
  await menu.waitFor();
  await menuDownTo(page, "Delete");
  await page.keyboard.press("Enter");
  await page.getByText("Delete this message for everyone?").waitFor();
  // Cancel has focus (the safe choice); Tab to Delete, and Enter.
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await timeline(page).getByText("This message was deleted.").waitFor();
});

test("Up in the empty composer edits one's last message; Escape goes back to the composer", async () => {
  const { page, peer, dm } = await longDm(3);
  // The peer's message is the newest: Up still finds the user's own last one (message 3).
  await peer.client.request("chat.send", { conversationId: dm, clientMsgId: "kb-peer-last", text: "from the peer" });
  await timeline(page).locator(".msg-text", { hasText: "from the peer" }).waitFor();
  await composer(page).focus();
  await page.keyboard.press("ArrowUp");
  const edit = page.getByLabel("Edit your message");
  expect(await edit.inputValue()).toBe("message 3");
  // The editor takes focus in an effect, after it is on screen: a person sees the caret there
  // before pressing Escape, and so must the test (on a loaded machine the two are apart).
  await expect.poll(() => edit.evaluate((el) => el === document.activeElement)).toBe(true);
  await page.keyboard.press("Escape");
  await expect.poll(async () => (await active(page)).testid).toBe("composer");
  // Not in a composer with text: there Up moves the caret.
  await edit.waitFor({ state: "detached" });
  await composer(page).fill("line one\nline two");
  await page.keyboard.press("ArrowUp");
  await page.waitForTimeout(200);
  expect(await edit.count()).toBe(0);
  await composer(page).fill("");
  await page.keyboard.press("ArrowUp");
  await edit.fill("message three");
  await edit.press("Enter");
  await timeline(page).locator(".msg", { hasText: "message three" }).getByText("edited").waitFor();
  await expect.poll(async () => (await active(page)).testid).toBe("composer");
  expect(env.browsers.pageErrors).toEqual([]);
});

test("the actions menu and the keyboard hint speak Chinese; dark, on a phone", async () => {
  const f = await env.friends("kb_zh_me", "kb_zh_peer");
  await f.me.client.request("chat.send", { conversationId: f.dm, clientMsgId: "kb-zh-1", text: "你好" });
  const page = await env.browserAs(f.me, { lang: "zh-CN" });
  await page.setViewportSize({ width: 390, height: 780 });
  await page.emulateMedia({ colorScheme: "dark" });
  await openConversation(page, f.dm);
  await timeline(page).locator(".msg-text", { hasText: "你好" }).waitFor();
  await composer(page).focus();
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Shift+F10");
  await page.getByRole("menu").waitFor();
  expect(await page.getByRole("menu").getByRole("menuitem").allTextContents()).toEqual([
    "复制文字",
    "复制消息链接",
    "转发…",
    "编辑",
    "删除",
  ]);
  expect(await page.locator("#timeline-keys").textContent()).toContain("Shift+F10");
  await shot(page, "keyboard-message-menu-phone-dark-zh");
});
