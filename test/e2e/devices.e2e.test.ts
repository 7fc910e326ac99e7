/**
 * One's own devices in real browsers against the real stack: a user signed in on a laptop and a
 * phone sees both in Settings (this one marked, each with its fingerprint); the phone's list shows
 * a rename made on the laptop at once; the laptop signs the phone out, which drops to the sign-in
 * screen with the reason, and its device is gone from the key directory. Screenshots of the list
 * (English and Chinese, light and dark, desktop and phone). A new sign-in is announced on the
 * other browser until the user says it was them.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { shootVariants } from "./support/variants.js";
import { ReviewStack, shot, upToDate } from "./support/review.js";

const env = new ReviewStack();

beforeAll(() => env.start());
afterAll(() => env.stop());

const rows = (page: Page) => page.getByTestId("device-row");
const thisRow = (page: Page) => rows(page).filter({ has: page.locator(".device-tag") });
const otherRow = (page: Page) => rows(page).filter({ hasNot: page.locator(".device-tag") });

/** Settings, by its route (the link's name depends on the language). */
async function openSettings(page: Page): Promise<void> {
  await page.evaluate(() => (window.location.hash = "#/settings"));
  await page.getByTestId("own-devices").waitFor();
}

test("both devices listed; a rename shows on the other at once; signing the phone out ends its session", async () => {
  const { me } = await env.friends("dev_a", "dev_b");
  const laptop = await env.browserAs(me);
  const phone = await env.browserAs(me);

  await env.browsers.withFailureShots("devices", shot, async () => {
    await openSettings(laptop);
    await openSettings(phone);
    await expect.poll(() => rows(laptop).count(), { timeout: 20_000 }).toBe(2);
    await expect.poll(() => thisRow(laptop).count(), { timeout: 20_000 }).toBe(1);
    expect(
      await thisRow(laptop)
        .getByRole("button", { name: /^Sign out/ })
        .count(),
    ).toBe(0);
    // The laptop's fingerprint of the phone is the one the phone shows for itself.
    const phoneOwn = await phone.getByTestId("device-fingerprint").getAttribute("aria-label");
    const phoneSeen = await otherRow(laptop).locator(".fingerprint-groups").getAttribute("aria-label");
    expect(phoneSeen?.split(": ")[1]).toBe(phoneOwn?.split(": ")[1]);

    await otherRow(laptop)
      .getByRole("button", { name: /^Rename/ })
      .click();
    const input = laptop.getByRole("textbox", { name: "Device name" });
    await input.fill("Old phone");
    await input.press("Enter");
    await otherRow(laptop).getByText("Old phone").waitFor();
    // The phone's list follows the directory's event.
    await thisRow(phone).getByText("Old phone").waitFor({ timeout: 20_000 });
  });
  expect(env.browsers.pageErrors).toEqual([]);

  await shootVariants(laptop, "devices", async () => {
    await upToDate(laptop);
    await openSettings(laptop);
    await rows(laptop).nth(1).waitFor({ timeout: 20_000 });
    await laptop.getByTestId("own-devices").evaluate((el) => el.scrollIntoView({ block: "start" }));
  });

  await env.browsers.withFailureShots("devices-signout", shot, async () => {
    await openSettings(laptop);
    await otherRow(laptop).getByRole("button", { name: "Sign out Old phone" }).click();
    await otherRow(laptop)
      .getByText(/It is removed from every conversation/)
      .waitFor();
    await otherRow(laptop).getByRole("button", { name: "Sign out Old phone" }).click();
    await phone.getByText(/Your session ended because you signed out elsewhere/).waitFor({ timeout: 20_000 });
    await expect.poll(() => rows(laptop).count(), { timeout: 20_000 }).toBe(1);
    // The laptop held the history backup's key: signing the phone out rotated it.
    const notice = laptop.getByTestId("devices-notice");
    await notice.getByText(/has a new key, which that device does not have/).waitFor({ timeout: 20_000 });
  });
  const key = await env.stack.db.backupKey.findUnique({ where: { userId: me.user.id } });
  expect(key?.version).toBe(2);
  const devices = await env.stack.db.device.findMany({ where: { userId: me.user.id } });
  expect(devices.map((d) => d.name)).not.toContain("Old phone");
  expect(devices).toHaveLength(1);
  expect(env.browsers.pageErrors).toEqual([]);
}, 180_000);

test("a new sign-in is announced on the user's other browser, with the way to review it, until 'It was me'", async () => {
  const { me } = await env.friends("sig_a", "sig_b");
  const laptop = await env.browserAs(me);
  const key = `sealroom.devices.seen.${me.user.id}`;
  // The laptop has looked at its list (its own device only) before the phone signs in.
  await expect.poll(() => laptop.evaluate((k) => localStorage.getItem(k), key), { timeout: 20_000 }).not.toBeNull();
  const phone = await env.browserAs(me);
  const notice = laptop.getByRole("status", { name: "New sign-in to your account" });

  await env.browsers.withFailureShots("signin-notice", shot, async () => {
    await notice.waitFor({ timeout: 20_000 });
    await notice.getByRole("link", { name: "Review devices" }).waitFor();
    // The phone itself is told of nothing: it is the new one.
    expect(await phone.getByRole("status", { name: /new sign-in/i }).count()).toBe(0);
  });
  await shootVariants(laptop, "signin-notice", async () => {
    await upToDate(laptop);
    await laptop.locator(".signin-notice").waitFor({ timeout: 20_000 });
  });
  await env.browsers.withFailureShots("signin-notice-dismiss", shot, async () => {
    await laptop.evaluate(() => (window.location.hash = "#/"));
    await notice.getByRole("button", { name: "It was me" }).click();
    await expect.poll(() => notice.count()).toBe(0);
    await laptop.reload();
    await upToDate(laptop);
    expect(await laptop.locator(".signin-notice").count()).toBe(0);
  });
  expect(env.browsers.pageErrors).toEqual([]);
}, 180_000);
