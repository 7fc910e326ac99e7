/**
 * Formatting and emoji in real browsers against the real stack: one user writes a message with
 * Markdown, a shortcode and an emoji picked by keyboard; the other sees it formatted, live. On a
 * machine without an emoji font (Debian's chromium without fonts-noto-color-emoji) the emoji are
 * drawn with the app's own font. Screenshots of the conversation with the picker open (English and
 * Chinese, light and dark, desktop and phone).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { shootVariants } from "./support/variants.js";
import { ReviewStack, composer, openConversation, shot, timeline } from "./support/review.js";

const env = new ReviewStack();

beforeAll(() => env.start());
afterAll(() => env.stop());

/** Whether the page has loaded the app's emoji font (a browser does so only for a glyph it needs). */
const emojiFontLoaded = (page: Page) =>
  page.evaluate(() => {
    let loaded = false;
    document.fonts.forEach((f) => {
      if (f.family.includes("Sealroom Emoji") && f.status === "loaded") loaded = true;
    });
    return loaded;
  });

test("a formatted message with a shortcode and a picked emoji shows formatted for the receiver, live", async () => {
  const { me, peer, dm } = await env.friends("fmt_a", "fmt_b");
  const writer = await env.browserAs(me);
  const reader = await env.browserAs(peer);
  await openConversation(writer, dm);
  await openConversation(reader, dm);

  const box = composer(writer);
  await box.click();
  await box.pressSequentially("**bold** _soft_ ~~old~~ `x = 1` :tad");
  // The shortcodes are a chunk of their own: the suggestions show they are there.
  await writer
    .getByRole("listbox")
    .getByRole("option", { name: /:tada:/ })
    .waitFor();
  await box.pressSequentially("a:");
  expect(await box.inputValue()).toBe("**bold** _soft_ ~~old~~ `x = 1` 🎉");
  await box.press("Shift+Enter");
  await box.pressSequentially("> a quote :thu");
  // The suggestions: Enter takes the first one.
  await writer
    .getByRole("listbox")
    .getByRole("option", { name: /:thumbsup:/ })
    .waitFor();
  // Down and back up: the message box keeps focus and the caret and points at the active option.
  await box.press("ArrowDown");
  await box.press("ArrowUp");
  const first = writer.getByRole("listbox").getByRole("option").first();
  await expect.poll(() => box.getAttribute("aria-activedescendant")).toBe(await first.getAttribute("id"));
  expect(await first.getAttribute("aria-selected")).toBe("true");
  expect(await box.evaluate((el) => el === document.activeElement)).toBe(true);
  await shot(writer, "formatting-shortcode-suggestions");
  await box.press("Enter");
  expect(await box.inputValue()).toBe("**bold** _soft_ ~~old~~ `x = 1` 🎉\n> a quote 👍 ");

  // The picker, by keyboard only: Tab to its button (past "Attach files"), Enter, search, an arrow
  // into the results, Enter.
  await box.press("Tab");
  expect(await writer.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Attach files");
  await writer.keyboard.press("Tab");
  expect(await writer.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Emoji");
  await writer.keyboard.press("Enter");
  const picker = writer.getByRole("dialog", { name: "Emoji picker" });
  const search = picker.getByLabel("Type to search for an emoji");
  await search.waitFor();
  await expect.poll(() => search.evaluate((el) => el === document.activeElement), { timeout: 10_000 }).toBe(true);
  await writer.keyboard.type("rocket");
  await picker.getByRole("gridcell").first().waitFor();
  await writer.keyboard.press("ArrowDown");
  await shot(writer, "formatting-picker-search");
  await writer.keyboard.press("Enter");
  // The first match of "rocket" (the astronaut and the rocket, in the data's order) is put in.
  await expect.poll(() => box.inputValue(), { timeout: 10_000 }).toMatch(/^\*\*bold\*\* .*\n> a quote 👍 \S*🚀$/u);
  const picked = (await box.inputValue()).split("👍 ")[1]!;
  expect(await picker.count()).toBe(0);
  await box.press("Enter");

  // The reader sees it formatted, markers gone, the emoji as sent.
  const message = timeline(reader).getByTestId("message").filter({ hasText: "bold" }).last();
  await message.locator("strong", { hasText: "bold" }).waitFor({ timeout: 15_000 });
  expect(await message.locator("em").textContent()).toBe("soft");
  expect(await message.locator("del").textContent()).toBe("old");
  expect(await message.locator("code").textContent()).toBe("x = 1");
  expect(await message.locator("blockquote").textContent()).toBe(`a quote 👍 ${picked}`);
  expect(await message.locator(".msg-text").textContent()).not.toContain("**");
  expect(await message.textContent()).toContain("🎉");
  // No emoji font on this machine: the app's own draws the emoji.
  await expect.poll(() => emojiFontLoaded(reader), { timeout: 15_000 }).toBe(true);
  // The list's preview reads as words, without the markers.
  const preview = reader.locator("a.conv .conv-preview").first();
  await expect.poll(() => preview.textContent(), { timeout: 10_000 }).toContain("bold soft old x = 1 🎉 a quote");
  await shot(reader, "formatting-received");

  expect(env.browsers.pageErrors).toEqual([]);

  // The screenshots a reviewer looks at: the conversation, with the picker open over it.
  await shootVariants(writer, "formatting-picker", async () => {
    await writer.getByTestId("composer").waitFor();
    await timeline(writer).locator("strong", { hasText: "bold" }).waitFor();
    await writer.locator(".composer-emoji").click();
    await writer.getByTestId("emoji-picker").locator("[data-epr-part=emoji]").first().waitFor();
  });
  expect(env.browsers.pageErrors).toEqual([]);
}, 180_000);
