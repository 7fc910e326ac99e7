/**
 * History on a new device in real browsers against the real stack (docs/E2E.md section 12): a
 * user's laptop chats with a friend (messages both ways, one edited), then the user signs in on a
 * new browser, which shows the earlier messages locked and the banner that says why. Approved from
 * the laptop (both show the same six-digit code, the laptop confirms), the new browser reads the
 * whole history, the edit applied; in Chinese, the laptop's "They differ" unlocks nothing. With a
 * recovery passphrase set in the laptop's Settings, another new browser unlocks the history with
 * it (a wrong one is refused); both steps driven by the keyboard alone. Screenshots of the banner,
 * both code dialogs, the result, the Settings section and the unlock dialog (English and Chinese,
 * light and dark, desktop and phone).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Person } from "../social-helpers.js";
import { shootSchemes, shootVariants } from "./support/variants.js";
import { focusedText } from "./support/flows.js";
import { ReviewStack, composer, openConversation, shot, timeline, upToDate } from "./support/review.js";

const env = new ReviewStack();

beforeAll(() => env.start());
afterAll(() => env.stop());

const PASSPHRASE = "quiet harbour lantern 42";
const banner = (page: Page) => page.getByTestId("backup-banner");
const locked = (page: Page) => timeline(page).locator(".msg-unreadable");
const code = (page: Page, dialog: string) => page.getByTestId(dialog).getByTestId("backup-code");
const exactly = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
const bubble = (page: Page, text: string) => timeline(page).locator(".msg-text", { hasText: exactly(text) });

async function send(page: Page, text: string): Promise<void> {
  await composer(page).fill(text);
  await composer(page).press("Enter");
  await bubble(page, text).waitFor({ timeout: 20_000 });
}

/**
 * `me` on a laptop and the friend in their own browser: three messages and an edit, all read on
 * both sides and in the laptop's archive (so a new device has something to unlock). Returns the
 * texts as they read in the end.
 */
async function chatWithHistory(me: Person, peer: Person, dm: string): Promise<{ laptop: Page; texts: string[] }> {
  const laptop = await env.browserAs(me);
  const friend = await env.browserAs(peer);
  await openConversation(laptop, dm);
  await openConversation(friend, dm);
  await send(laptop, "Lunch on Friday?");
  await bubble(friend, "Lunch on Friday?").waitFor({ timeout: 20_000 });
  await send(friend, "Yes, the usual place");
  await bubble(laptop, "Yes, the usual place").waitFor({ timeout: 20_000 });
  await send(laptop, "See you at noon");
  // Up in the empty composer edits one's last sent message: once the server has it (the friend
  // reads it), that is this one, not the one before.
  await bubble(friend, "See you at noon").waitFor({ timeout: 20_000 });
  await composer(laptop).press("ArrowUp");
  const edit = laptop.getByLabel("Edit your message");
  await edit.fill("See you at one");
  await edit.press("Enter");
  await timeline(friend)
    .locator(".msg", { hasText: "See you at one" })
    .getByText("edited")
    .waitFor({ timeout: 20_000 });
  expect(await bubble(friend, "Lunch on Friday?").count()).toBe(1);
  // Three messages and the edit, sealed under the backup key by the laptop.
  await expect
    .poll(() => env.stack.db.archiveEntry.count({ where: { userId: me.user.id } }), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(4);
  return { laptop, texts: ["Lunch on Friday?", "Yes, the usual place", "See you at one"] };
}

/**
 * A new browser of `me`: the DM's earlier messages locked, the banner shown. LOCKED counts the
 * three messages and the edit: an edit is an entry of its own in the encrypted log, and what it
 * changes is known only once it can be read, so until then it shows as one more locked message.
 */
const LOCKED = 4;
async function lockedBrowser(me: Person, dm: string): Promise<Page> {
  const page = await env.browserAs(me);
  await openConversation(page, dm);
  await banner(page).waitFor({ timeout: 30_000 });
  await expect.poll(() => locked(page).count(), { timeout: 30_000 }).toBe(LOCKED);
  return page;
}

async function expectReadable(page: Page, texts: string[]): Promise<void> {
  for (const text of texts) await bubble(page, text).waitFor({ timeout: 30_000 });
  expect(await locked(page).count()).toBe(0);
  expect(await bubble(page, "See you at noon").count()).toBe(0);
  await timeline(page).locator(".msg", { hasText: "See you at one" }).getByText("edited").waitFor();
}

test("a new browser reads the whole history once the laptop approves it: both show the same code", async () => {
  const { me, peer, dm } = await env.friends("hba_a", "hba_b");
  const { laptop, texts } = await chatWithHistory(me, peer, dm);
  let phone!: Page;

  await env.browsers.withFailureShots("history-locked", shot, async () => {
    phone = await lockedBrowser(me, dm);
    expect(await banner(phone).textContent()).toContain(
      "Messages sent before you signed in here are locked on this device.",
    );
    expect(await locked(phone).first().textContent()).toBe(
      "Sent before this device could read it. Approve this device to read your history.",
    );
    // No passphrase was set: approval is the only way offered.
    expect(await banner(phone).getByRole("button", { name: "Enter recovery passphrase" }).count()).toBe(0);
  });
  expect(env.browsers.pageErrors).toEqual([]);

  await shootVariants(phone, "history-locked", async () => {
    await upToDate(phone);
    await openConversation(phone, dm);
    await banner(phone).waitFor({ timeout: 20_000 });
    await expect.poll(() => locked(phone).count(), { timeout: 20_000 }).toBe(LOCKED);
  });

  const approve = phone.getByRole("dialog", { name: "Approve this device" });
  const incoming = laptop.getByRole("alertdialog", { name: "Message history request" });
  await env.browsers.withFailureShots("history-approval", shot, async () => {
    await banner(phone).getByRole("button", { name: "Approve from another device" }).click();
    await approve.waitFor();
    await incoming.waitFor({ timeout: 30_000 });
    expect(await incoming.getByTestId("backup-code").count()).toBe(0); // no code before comparing
    await shootSchemes(laptop, "history-incoming-asked-en");

    await incoming.getByRole("button", { name: "Compare codes" }).click();
    await code(laptop, "backup-incoming").waitFor({ timeout: 30_000 });
    await code(phone, "backup-approve").waitFor({ timeout: 30_000 });
    const laptopCode = await code(laptop, "backup-incoming").textContent();
    const phoneCode = await code(phone, "backup-approve").textContent();
    expect(phoneCode).toMatch(/^\d{3} \d{3}$/);
    expect(laptopCode).toBe(phoneCode);
    // "The codes match" is not where a stray Enter lands: focus is on the code.
    await expect
      .poll(() => laptop.evaluate(() => document.activeElement?.getAttribute("data-testid")))
      .toBe("backup-code");
  });
  expect(env.browsers.pageErrors).toEqual([]);
  await shootSchemes(phone, "history-approve-code-en");
  await shootSchemes(laptop, "history-incoming-code-en");

  await env.browsers.withFailureShots("history-approved", shot, async () => {
    await incoming.getByRole("button", { name: "The codes match" }).click();
    await approve.getByText("History unlocked. Your earlier messages can be read on this device now.").waitFor({
      timeout: 30_000,
    });
    await incoming.getByText(/can read your message history now\./).waitFor({ timeout: 30_000 });
    await expect.poll(() => banner(phone).count()).toBe(0);
    await expectReadable(phone, texts);
  });
  expect(env.browsers.pageErrors).toEqual([]);
  await shootSchemes(phone, "history-approved-en");

  await env.browsers.withFailureShots("history-approved-done", shot, async () => {
    await approve.getByRole("button", { name: "Done" }).click();
    await incoming.getByRole("button", { name: "Dismiss" }).click();
    await expect.poll(() => approve.count()).toBe(0);
    await expect.poll(() => incoming.count()).toBe(0);
    // The key is kept: after a reload the history still reads.
    await phone.reload();
    await upToDate(phone);
    await openConversation(phone, dm);
    await expectReadable(phone, texts);
  });
  expect(env.browsers.pageErrors).toEqual([]);
  await shootVariants(phone, "history-approved-timeline", async () => {
    await upToDate(phone);
    await openConversation(phone, dm);
    await bubble(phone, "Lunch on Friday?").waitFor({ timeout: 20_000 });
  });

  // In Chinese, the other answer: the laptop says the codes differ, and nothing is unlocked.
  await laptop.evaluate(() => localStorage.setItem("sealroom.lang", "zh-CN"));
  await laptop.reload();
  await upToDate(laptop);
  let tablet!: Page;
  const zhApprove = () => tablet.getByTestId("backup-approve");
  const zhIncoming = laptop.getByTestId("backup-incoming");
  await env.browsers.withFailureShots("history-differ", shot, async () => {
    tablet = await env.browserAs(me, { lang: "zh-CN" });
    await openConversation(tablet, dm);
    await banner(tablet).getByRole("button", { name: "从另一台设备批准" }).click({ timeout: 30_000 });
    await zhIncoming.getByRole("button", { name: "比对验证码" }).click({ timeout: 30_000 });
    await code(laptop, "backup-incoming").waitFor({ timeout: 30_000 });
    await code(tablet, "backup-approve").waitFor({ timeout: 30_000 });
    expect(await code(laptop, "backup-incoming").textContent()).toBe(
      await code(tablet, "backup-approve").textContent(),
    );
  });
  expect(env.browsers.pageErrors).toEqual([]);
  await shootSchemes(tablet, "history-approve-code-zh-CN");
  await shootSchemes(laptop, "history-incoming-code-zh-CN");
  await env.browsers.withFailureShots("history-differ-declined", shot, async () => {
    await zhIncoming.getByRole("button", { name: "不一致" }).click();
    await zhApprove()
      .getByText(/已拒绝。没有解锁任何内容。/)
      .waitFor({ timeout: 30_000 });
    await zhIncoming.getByText(/没有获得你的历史/).waitFor({ timeout: 30_000 });
    expect(await locked(tablet).count()).toBe(LOCKED);
    expect(await banner(tablet).count()).toBe(1);
  });
  expect(env.browsers.pageErrors).toEqual([]);
  await shootSchemes(tablet, "history-declined-zh-CN");
}, 300_000);

/** Settings, by its route (the link's name depends on the language), scrolled to the backup. */
async function openBackupSettings(page: Page): Promise<void> {
  await page.evaluate(() => (window.location.hash = "#/settings"));
  await page.getByTestId("history-backup").waitFor();
  // Centred: at its top the app's header would cover the section's title.
  await page.getByTestId("history-backup").evaluate((el) => el.scrollIntoView({ block: "center" }));
}

/** Tab (at most `limit` times) until what has focus reads `label`. */
async function tabTo(page: Page, label: string, limit = 40): Promise<void> {
  for (let i = 0; i < limit && (await focusedText(page))?.trim() !== label; i++) await page.keyboard.press("Tab");
  expect((await focusedText(page))?.trim()).toBe(label);
}

test("the recovery passphrase set on the laptop unlocks a new browser's history; a wrong one is refused (keyboard only)", async () => {
  const { me, peer, dm } = await env.friends("hbp_a", "hbp_b");
  const { laptop, texts } = await chatWithHistory(me, peer, dm);
  const status = laptop.getByTestId("backup-status");

  await env.browsers.withFailureShots("history-passphrase-set", shot, async () => {
    await openBackupSettings(laptop);
    await expect.poll(() => status.getAttribute("data-status"), { timeout: 20_000 }).toBe("ready");
    await laptop.getByTestId("history-backup").getByRole("heading").focus();
    await tabTo(laptop, "Set passphrase");
    await laptop.keyboard.press("Enter");
    // The form takes focus in its first field.
    const first = laptop.getByLabel("Recovery passphrase", { exact: true });
    await expect.poll(() => first.evaluate((el) => el === document.activeElement)).toBe(true);
    await laptop.keyboard.type("too short");
    await laptop.keyboard.press("Enter");
    await laptop.getByText("Use at least 12 characters.").waitFor();
    await laptop.locator("form.backup-form").evaluate((el) => el.scrollIntoView({ block: "center" }));
    await shootSchemes(laptop, "history-passphrase-form-en");
    await first.fill(""); // what a person does with Ctrl+A and typing again
    await laptop.keyboard.type(PASSPHRASE);
    await laptop.keyboard.press("Tab"); // the show/hide toggle
    await laptop.keyboard.press("Tab");
    await laptop.keyboard.type(PASSPHRASE);
    await laptop.keyboard.press("Enter");
    await laptop.getByTestId("backup-done").getByText("Recovery passphrase saved.").waitFor({ timeout: 30_000 });
  });
  expect(env.browsers.pageErrors).toEqual([]);
  await shootVariants(laptop, "history-settings", async () => {
    await upToDate(laptop);
    await openBackupSettings(laptop);
    await laptop
      .getByRole("button", { name: "Remove" })
      .or(laptop.getByRole("button", { name: "移除" }))
      .waitFor();
  });

  let tablet!: Page;
  const unlock = () => tablet.getByRole("dialog", { name: "Enter recovery passphrase" });
  await env.browsers.withFailureShots("history-passphrase-unlock", shot, async () => {
    tablet = await lockedBrowser(me, dm);
    await tablet.locator("#main").focus();
    await tabTo(tablet, "Enter recovery passphrase");
    await tablet.keyboard.press("Enter");
    await unlock().waitFor();
    const field = unlock().getByLabel("Recovery passphrase", { exact: true });
    await expect.poll(() => field.evaluate((el) => el === document.activeElement)).toBe(true);
    await tablet.keyboard.type("not my recovery passphrase");
    await tablet.keyboard.press("Enter");
    await unlock()
      .getByText("That is not your recovery passphrase. Check it and try again.")
      .waitFor({ timeout: 30_000 });
    // Refused: the field has focus again, its text selected to type over.
    await expect.poll(() => field.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await banner(tablet).count()).toBe(1);
  });
  expect(env.browsers.pageErrors).toEqual([]);
  await shootSchemes(tablet, "history-unlock-wrong-en");

  await env.browsers.withFailureShots("history-passphrase-unlocked", shot, async () => {
    await tablet.keyboard.type(PASSPHRASE);
    await tablet.keyboard.press("Enter");
    await unlock()
      .getByText("History unlocked. Your earlier messages can be read on this device now.")
      .waitFor({ timeout: 30_000 });
    await expectReadable(tablet, texts);
    // Focus is on Done: Enter closes the dialog.
    await expect.poll(() => focusedText(tablet)).toBe("Done");
    await tablet.keyboard.press("Enter");
    await expect.poll(() => unlock().count()).toBe(0);
    expect(await banner(tablet).count()).toBe(0);
  });
  expect(env.browsers.pageErrors).toEqual([]);

  // The unlock dialog in every variant: a locked browser still there to open it in.
  const another = await lockedBrowser(me, dm);
  await shootVariants(another, "history-unlock", async () => {
    await upToDate(another);
    await openConversation(another, dm);
    await banner(another).getByRole("button").nth(1).click({ timeout: 20_000 });
    await another.getByTestId("backup-unlock").waitFor();
  });
  expect(env.browsers.pageErrors).toEqual([]);
}, 300_000);
