/** Steps the chromium suites share: signing up through the app's screens, and themed screenshots. */
import type { Page } from "playwright-core";

/**
 * Creates `username`'s account through the sign-up screen at `url` (accepting the server key's
 * fingerprint first) and waits until the app shows them signed in.
 */
export async function registerInBrowser(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByRole("button", { name: "The fingerprints match, continue" }).click();
  await page.getByRole("tab", { name: "Create account" }).click();
  await page.getByLabel("Username", { exact: true }).fill(username);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Confirm password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Create account", exact: true }).click();
  await page.getByTestId("username").filter({ hasText: username }).waitFor();
}

/**
 * Light and dark at laptop size, and light at phone width: `file(suffix)` names each ("", "-dark",
 * "-phone"). No hover left over from the last click; transitions finished (a theme switch fades).
 */
export async function shootThemes(page: Page, file: (suffix: string) => string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.screenshot({ path: file(""), fullPage: true, animations: "disabled" });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: file("-dark"), fullPage: true, animations: "disabled" });
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: file("-phone"), fullPage: true, animations: "disabled" });
  await page.setViewportSize({ width: 1280, height: 800 });
}

/**
 * Signed in and the chat store caught up. The header shows no badge then, so this waits for the
 * state the connection badge's wrapper always carries (present, not visible: it is empty).
 */
export async function upToDate(page: Page): Promise<void> {
  await page.locator(".conn-wrap[data-state=ready]").waitFor({ state: "attached" });
}

/** A link of the app's main navigation ("Conversations", "Friends", "Groups", "Settings"). */
export const navLink = (page: Page, name: string) => page.getByRole("navigation").getByRole("link", { name });

/**
 * `a` (signed in as `aName`) sends `bName` a friend request from the friends screen and `b` accepts
 * it there; both end on the conversations screen.
 */
export async function befriendInBrowsers(a: Page, aName: string, b: Page, bName: string): Promise<void> {
  await navLink(a, "Friends").click();
  await a.getByLabel("Search by username").fill(bName);
  await a.getByRole("button", { name: `Send ${bName} a friend request` }).click();
  await navLink(b, "Friends").click();
  await b.getByRole("button", { name: `Accept ${aName}'s request` }).click();
  await navLink(a, "Conversations").click();
  await navLink(b, "Conversations").click();
}

/** The text of what has focus. */
export const focusedText = (page: Page) => page.evaluate(() => document.activeElement?.textContent ?? null);

/**
 * In an open menu, Down to the item `label`, one key at a time: Radix moves focus a task after each
 * arrow, so an arrow or Enter sent before that acts on the item before (no person types that fast).
 */
export async function menuDownTo(page: Page, label: string): Promise<void> {
  for (let i = 0; i < 12 && (await focusedText(page)) !== label; i++) {
    const before = await focusedText(page);
    await page.keyboard.press("ArrowDown");
    for (let t = 0; t < 50 && (await focusedText(page)) === before; t++) await page.waitForTimeout(20);
  }
  if ((await focusedText(page)) !== label) throw new Error(`menu item ${label} not reached`);
}
