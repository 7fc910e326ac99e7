/**
 * The quick switcher (issue #16, "Ctrl/Cmd+K jumps to any conversation") in a real browser against
 * the real stack, by keyboard only: from the composer of one DM, Ctrl+K opens the dialog with focus
 * in its field, part of a friend's display name typed without its accents narrows the list to her,
 * Enter opens her conversation (its title takes focus); Escape closes it again and gives focus back
 * to the composer. Screenshots of the open switcher (English and Chinese, light and dark, desktop
 * and phone).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { dmConversationId } from "@sealroom/sdk/node";
import { befriend, signUp } from "../social-helpers.js";
import { shootVariants } from "./support/variants.js";
import { ReviewStack, composer, openConversation, shot, upToDate } from "./support/review.js";

const env = new ReviewStack();

beforeAll(() => env.start());
afterAll(() => env.stop());

const dialog = (page: Page) => page.getByRole("dialog", { name: /Jump to a conversation|跳转到对话/ });
const field = (page: Page) => page.getByTestId("quick-switcher-input");
const options = (page: Page) => dialog(page).getByRole("option");
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return {
      id: el?.id ?? "",
      testid: el?.getAttribute("data-testid") ?? null,
      role: el?.getAttribute("role") ?? null,
    };
  });

test("Ctrl+K from the composer, a few letters of a name, Enter: the user lands in that conversation; Escape gives focus back", async () => {
  const { me: ann, peer: ben, dm } = await env.friends("qs_ann", "qs_ben");
  const cat = await signUp(env.stack, "qs_cat");
  await befriend(ann, cat);
  await cat.social.updateProfile({ displayName: "Catherine Ñúñez" });
  const withCat = dmConversationId(ann.user.id, cat.user.id);
  await cat.client.request("chat.send", { conversationId: withCat, clientMsgId: "qs-1", text: "Lunch?" });
  await ben.client.request("chat.send", { conversationId: dm, clientMsgId: "qs-2", text: "Morning" });
  const { group } = await ann.social.createGroup("读书会 Book club");

  const page = await env.browserAs(ann);
  await env.browsers.withFailureShots("quick-switcher", shot, async () => {
    await openConversation(page, dm);
    await composer(page).focus();
    await page.keyboard.press("Control+K");
    await dialog(page).waitFor();
    expect(await focused(page)).toMatchObject({ testid: "quick-switcher-input", role: "combobox" });
    // Every conversation (and the group without messages yet), by name and kind.
    const labels = await options(page).evaluateAll((os) => os.map((o) => o.getAttribute("aria-label")));
    expect(labels).toEqual(
      expect.arrayContaining([
        `${ben.name}, Direct message, Open now`,
        `Catherine Ñúñez, @${cat.name}, Direct message`,
        "读书会 Book club, Group",
      ]),
    );

    // Part of the name, without its accents: only Catherine is left, and she is the active option.
    await field(page).pressSequentially("nunez");
    await expect.poll(() => options(page).count()).toBe(1);
    const active = await field(page).getAttribute("aria-activedescendant");
    expect(await options(page).first().getAttribute("id")).toBe(active);
    await page.keyboard.press("Enter");
    await page.waitForFunction((id) => window.location.hash === `#/chat/${id}`, withCat);
    await dialog(page).waitFor({ state: "detached" });
    await page.locator("#conversation-title", { hasText: "Catherine Ñúñez" }).waitFor();
    await expect.poll(async () => (await focused(page)).id).toBe("conversation-title");

    // The group by a Chinese substring, then Escape: closed, focus back in the composer.
    await composer(page).focus();
    await page.keyboard.press("Control+K");
    await field(page).pressSequentially("书会");
    await expect.poll(() => options(page).allTextContents()).toEqual([expect.stringContaining("读书会 Book club")]);
    await page.keyboard.press("Escape");
    await dialog(page).waitFor({ state: "detached" });
    expect(await focused(page)).toMatchObject({ testid: "composer" });

    // The same from the button beside the list's search box (pointer and touch), then to the group.
    await page.getByTestId("quick-switcher-open").click();
    await field(page).pressSequentially("book");
    await page.keyboard.press("Enter");
    await page.waitForFunction((id) => window.location.hash === `#/chat/group:${id}`, group.id);

    await openConversation(page, dm);
    await shootVariants(page, "quick-switcher", async () => {
      await upToDate(page);
      await composer(page).focus();
      await page.keyboard.press("Control+K");
      await dialog(page).waitFor();
      await options(page).filter({ hasText: "Catherine Ñúñez" }).waitFor();
    });
  });
  expect(env.browsers.pageErrors).toEqual([]);
}, 120_000);
