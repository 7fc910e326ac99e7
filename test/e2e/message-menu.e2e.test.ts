/**
 * A message's context menu in real browsers against the real stack, end-to-end encrypted: a right
 * click on a message copies its link, which opened on a fresh page load lands at the message; a
 * message is forwarded to a group and arrives there for the other member, marked "Forwarded"; then
 * the same by keyboard (Shift+F10, arrows, Enter); a file forwarded arrives whole and marked (its
 * bubble ends at the card: the time it shows on hover sits beside it, not on a line of its own); a link
 * to a conversation the user is not in says so. On a touch screen at phone width, a long press opens
 * the same menu. Screenshots of the open menu (English and Chinese, light and dark, desktop and
 * phone), of the forward picker, and of the forwarded messages as the receiver sees them.
 */
import { readFileSync } from "node:fs";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { groupOf } from "../support/chat.js";
import { focusedText, menuDownTo } from "./support/flows.js";
import { shootVariants } from "./support/variants.js";
import { ReviewStack, composer, openConversation, shot, timeline } from "./support/review.js";

const env = new ReviewStack();

beforeAll(() => env.start());
afterAll(() => env.stop());

const message = (page: Page, text: string) =>
  timeline(page)
    .getByTestId("message")
    .filter({ has: page.locator(".msg-text", { hasText: new RegExp(`^${text}$`) }) });

async function send(page: Page, text: string): Promise<void> {
  await composer(page).fill(text);
  await composer(page).press("Enter");
  await message(page, text).locator(".msg-text").waitFor();
}

const card = (page: Page, name: string) =>
  timeline(page)
    .getByTestId("attachment")
    .filter({ has: page.getByTestId("attachment-name").filter({ hasText: name }) });
const fileMessage = (page: Page, name: string) =>
  timeline(page)
    .getByTestId("message")
    .filter({ has: page.getByTestId("attachment-name").filter({ hasText: name }) });

/** Pixels between a file message's card and the bottom padding of its bubble (0: no empty line). */
const spaceUnderCard = (message: Locator) =>
  message.locator(".bubble").evaluate((bubble) => {
    const card = bubble.querySelector(".attachment")!.getBoundingClientRect();
    const style = getComputedStyle(bubble);
    const inner =
      bubble.getBoundingClientRect().bottom - parseFloat(style.borderBottomWidth) - parseFloat(style.paddingBottom);
    return inner - card.bottom;
  });

/** Whether `part` of the message lies within its bubble's box. */
async function insideBubble(message: Locator, part: Locator): Promise<boolean> {
  const [outer, inner] = await Promise.all([message.locator(".bubble").boundingBox(), part.boundingBox()]);
  if (!outer || !inner) return false;
  return (
    inner.x >= outer.x &&
    inner.y >= outer.y &&
    inner.x + inner.width <= outer.x + outer.width &&
    inner.y + inner.height <= outer.y + outer.height
  );
}
const focusedSeq = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute("data-seq") ?? null);
const clipboard = (page: Page) => page.evaluate(() => navigator.clipboard.readText());
const menu = (page: Page) => page.getByRole("menu", { name: "Message actions" });

/** Shift+F10 on the focused message; resolves once the menu has focus on its first item. */
async function openByKeyboard(page: Page): Promise<void> {
  await page.keyboard.press("Shift+F10");
  await menu(page).waitFor();
  await expect.poll(() => focusedText(page)).toBe("Reply");
}

test("right click: copy a message's link and land at it on a fresh load, forward to a group; then by keyboard", async () => {
  const { me: ann, peer: ben, dm } = await env.friends("mm_ann", "mm_ben");
  const groupId = await groupOf(ann, [ben], "Trip planning");
  const group = `group:${groupId}`;
  const annPage = await env.browserAs(ann);
  const benPage = await env.browserAs(ben);
  await annPage.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: env.url });
  await openConversation(annPage, dm);
  await openConversation(benPage, dm);

  await env.browsers.withFailureShots("message-menu", shot, async () => {
    await send(benPage, "Meet at the north gate");
    // The DM's first encrypted message waits for its group to be made and joined (responses.e2e).
    await message(annPage, "Meet at the north gate").locator(".msg-text").waitFor({ timeout: 40_000 });
    // Enough after it that the link has somewhere to scroll back to.
    for (let i = 1; i <= 12; i++) await send(benPage, `filler ${i}`);
    await message(annPage, "filler 12").locator(".msg-text").waitFor({ timeout: 20_000 });

    // Right click, Copy link: the clipboard holds the message's address, "Copied" is said.
    const target = message(annPage, "Meet at the north gate");
    const seq = await target.getAttribute("data-seq");
    await target.locator(".msg-text").click({ button: "right" });
    await menu(annPage).waitFor();
    await annPage.getByRole("menuitem", { name: "Copy link to message" }).click();
    await target.getByRole("status").filter({ hasText: "Copied" }).waitFor();
    const link = await clipboard(annPage);
    expect(link).toBe(`${env.url}/#/chat/${dm}/m/${seq}`);

    // A fresh load of the link: the conversation opens at the message, focused.
    await annPage.goto("about:blank");
    await annPage.goto(link);
    await expect.poll(() => focusedSeq(annPage), { timeout: 30_000 }).toBe(seq);
    expect(await annPage.evaluate(() => window.location.hash)).toBe(`#/chat/${dm}`);

    // Right click, Forward…, the group by name: it arrives there for Ben, encrypted.
    await message(annPage, "Meet at the north gate").locator(".msg-text").click({ button: "right" });
    await annPage.getByRole("menuitem", { name: "Forward…" }).click();
    const picker = annPage.getByRole("dialog", { name: "Forward to a conversation" });
    await picker.getByRole("combobox").pressSequentially("trip");
    await shot(annPage, "message-menu-forward-en");
    await annPage.keyboard.press("Enter");
    await picker.waitFor({ state: "detached" });
    await message(annPage, "Meet at the north gate")
      .getByRole("status")
      .filter({ hasText: "Forwarded to Trip planning" })
      .waitFor();
    await openConversation(benPage, group);
    await message(benPage, "Meet at the north gate").locator(".msg-text").waitFor({ timeout: 40_000 });
    expect(await message(benPage, "Meet at the north gate").getAttribute("data-e2e")).toBe("decrypted");
    // Marked as forwarded (content v2), in words that are part of the message's description.
    const mark = message(benPage, "Meet at the north gate").getByTestId("message-forwarded");
    expect(await mark.textContent()).toBe("Forwarded");
    const described = await message(benPage, "Meet at the north gate").evaluate(
      (m) => document.getElementById(m.getAttribute("aria-describedby") ?? "")?.textContent ?? "",
    );
    expect(described).toBe("ForwardedMeet at the north gate");
    // What Ben writes himself there is not.
    await send(benPage, "Got it");
    expect(await message(benPage, "Got it").getByTestId("message-forwarded").count()).toBe(0);

    // By keyboard: Ann's own message, Shift+F10, down to Copy link, Enter.
    // The pointer out of the way: a menu opening under it would highlight the item it rests on.
    await annPage.mouse.move(1, 1);
    await send(annPage, "Bring a map");
    const mine = message(annPage, "Bring a map");
    const mineSeq = await mine.getAttribute("data-seq");
    await mine.focus();
    await openByKeyboard(annPage);
    await menuDownTo(annPage, "Copy link to message");
    await annPage.keyboard.press("Enter");
    await menu(annPage).waitFor({ state: "detached" });
    await expect.poll(() => focusedSeq(annPage)).toBe(mineSeq);
    expect(await clipboard(annPage)).toBe(`${env.url}/#/chat/${dm}/m/${mineSeq}`);

    // Shift+F10, down to Forward…, the group, Enter: focus comes back to the message.
    await openByKeyboard(annPage);
    await menuDownTo(annPage, "Forward…");
    await annPage.keyboard.press("Enter");
    await picker.waitFor();
    await annPage.keyboard.type("trip");
    await annPage.keyboard.press("Enter");
    await picker.waitFor({ state: "detached" });
    await expect.poll(() => focusedSeq(annPage)).toBe(mineSeq);
    await message(benPage, "Bring a map").locator(".msg-text").waitFor({ timeout: 20_000 });
    expect(await message(benPage, "Bring a map").getByTestId("message-forwarded").count()).toBe(1);

    // Escape closes the menu back on the message.
    await openByKeyboard(annPage);
    await annPage.keyboard.press("Escape");
    await menu(annPage).waitFor({ state: "detached" });
    await expect.poll(() => focusedSeq(annPage)).toBe(mineSeq);

    // A file forwarded: sealed again for the group, Ben downloads the same bytes there.
    const route = Buffer.from("North gate, then the river path.\n".repeat(200));
    await annPage
      .getByTestId("attach-input")
      .setInputFiles([{ name: "route.txt", mimeType: "text/plain", buffer: route }]);
    await card(annPage, "route.txt").waitFor({ timeout: 30_000 });
    await card(annPage, "route.txt").getByTestId("attachment-name").click({ button: "right" });
    await annPage.getByRole("menuitem", { name: "Forward…" }).click();
    await picker.getByRole("combobox").pressSequentially("trip");
    await annPage.keyboard.press("Enter");
    await card(benPage, "route.txt").waitFor({ timeout: 30_000 });
    expect(await fileMessage(benPage, "route.txt").getByTestId("message-forwarded").textContent()).toBe("Forwarded");
    const [download] = await Promise.all([
      benPage.waitForEvent("download"),
      card(benPage, "route.txt").getByTestId("attachment-download").click(),
    ]);
    expect(readFileSync((await download.path())!).equals(route)).toBe(true);

    // A link to a conversation Ann is not in: the list, saying so.
    await annPage.evaluate(() => (window.location.hash = "#/chat/group:999999/m/1"));
    const unavailable = annPage.getByTestId("link-unavailable");
    await unavailable.waitFor({ timeout: 20_000 });
    expect(await unavailable.textContent()).toBe("That link is to a conversation you cannot see.");
    expect(await annPage.evaluate(() => window.location.hash)).toBe("#/");
  });
  expect(env.browsers.pageErrors).toEqual([]);

  await shootVariants(annPage, "message-menu", async () => {
    await openConversation(annPage, dm);
    const m = message(annPage, "Bring a map");
    await m.locator(".msg-text").waitFor({ timeout: 20_000 });
    await m.locator(".msg-text").click({ button: "right" });
    await annPage.getByRole("menu").waitFor();
  });
  // The forwarded messages as Ben sees them in the group, after a reload (from the read records).
  await shootVariants(benPage, "message-forwarded", async () => {
    await openConversation(benPage, group);
    await message(benPage, "Meet at the north gate").getByTestId("message-forwarded").waitFor({ timeout: 20_000 });
    await card(benPage, "route.txt").waitFor({ timeout: 20_000 });
  });
  // The file, without a caption, follows Ann's forwarded text in her group of messages: its time,
  // hidden until hover, sits beside the card, not on an empty line under it; hover shows it there.
  const forwardedFile = fileMessage(benPage, "route.txt");
  expect(await forwardedFile.getAttribute("class")).not.toMatch(/\bmsg-first\b/);
  for (const width of [1280, 390]) {
    await benPage.setViewportSize({ width, height: 800 });
    await benPage.mouse.move(1, 1);
    expect(await spaceUnderCard(forwardedFile)).toBeCloseTo(0, 0);
    await forwardedFile.locator(".bubble").hover();
    const stamp = forwardedFile.locator(".msg-stamp");
    await expect.poll(() => stamp.evaluate((el) => getComputedStyle(el).opacity)).toBe("1");
    expect(await insideBubble(forwardedFile, stamp)).toBe(true);
  }
  await benPage.setViewportSize({ width: 1280, height: 800 });
  // The open menu at phone width (shootVariants' resize closes it), where no edit or delete icon shows.
  await annPage.setViewportSize({ width: 390, height: 780 });
  for (const scheme of ["light", "dark"] as const) {
    await annPage.emulateMedia({ colorScheme: scheme });
    await message(annPage, "Bring a map").locator(".msg-text").click({ button: "right" });
    await menu(annPage).waitFor();
    expect(await message(annPage, "Bring a map").getByRole("button", { name: "Edit" }).isVisible()).toBe(false);
    await shot(annPage, `message-menu-phone-${scheme}`);
    await annPage.keyboard.press("Escape");
    await menu(annPage).waitFor({ state: "detached" });
  }
  expect(env.browsers.pageErrors).toEqual([]);
}, 240_000);

/**
 * A finger on `target` for `holdMs`, through Chromium's own touch input (CDP), so the pointer,
 * touch and click events are the ones a phone's browser sends (the page emulates a touch screen).
 */
async function touch(page: Page, target: Locator, holdMs: number): Promise<void> {
  const box = await target.boundingBox();
  if (!box) throw new Error("the target is not on screen");
  const point = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [point] });
  await page.waitForTimeout(holdMs);
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  await cdp.detach();
}

test("on a touch screen a long press opens the message's menu, and Reply from it quotes the message", async () => {
  const { me: ann, peer: ben, dm } = await env.friends("lp_ann", "lp_ben");
  const annPage = await env.browserAs(ann);
  const benPage = await env.browserAs(ben);
  const cdp = await annPage.context().newCDPSession(annPage);
  await cdp.send("Emulation.setTouchEmulationEnabled", { enabled: true, maxTouchPoints: 5 });
  await annPage.setViewportSize({ width: 390, height: 780 });
  await openConversation(annPage, dm);
  await openConversation(benPage, dm);

  await env.browsers.withFailureShots("message-menu-touch", shot, async () => {
    await send(benPage, "Is the north gate open");
    const target = message(annPage, "Is the north gate open");
    await target.locator(".msg-text").waitFor({ timeout: 40_000 });
    // Held past Radix's 700 ms, then lifted: the menu stays open for a tap on an item.
    await touch(annPage, target.locator(".msg-text"), 1_000);
    await menu(annPage).waitFor();
    await annPage.waitForTimeout(500);
    expect(await menu(annPage).isVisible()).toBe(true);
    await shot(annPage, "message-menu-long-press");
    await touch(annPage, annPage.getByRole("menuitem", { name: "Reply" }), 50);
    await menu(annPage).waitFor({ state: "detached" });
    await annPage.locator(".composer-reply-to", { hasText: "Replying to lp_ben" }).waitFor();
    await composer(annPage).fill("Yes, until six");
    await composer(annPage).press("Enter");
    await message(benPage, "Yes, until six").locator(".msg-text").waitFor({ timeout: 20_000 });
    expect(await message(benPage, "Yes, until six").textContent()).toContain("Is the north gate open");
  });
  expect(env.browsers.pageErrors).toEqual([]);
}, 180_000);
