/**
 * The web client's account flows in a real browser (Debian's chromium driven by playwright-core)
 * against the real stack: first contact with the server key, register, resume on reload, log out,
 * a wrong password, sign in, change the password (which signs the other browser out), and the
 * key-changed stop. Saves screenshots of each main screen under test-results/screenshots/.
 */
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startStack, type Stack } from "../support/stack.js";
import { Browsers, requireBrowserAndApp, shots, webDir } from "./support/browsers.js";
import { upToDate } from "./support/flows.js";
import { shootVariants } from "./support/variants.js";

const FLOW_TIMEOUT = 120_000;

let stack: Stack;
let serverFingerprint: string;
const browsers = new Browsers();
const pageErrors = browsers.pageErrors;
/** Resolves to 127.0.0.1 but is not a secure context: plain http on a name other than localhost. */
const INSECURE_HOST = "sealroom.test";

beforeAll(async () => {
  requireBrowserAndApp();
  stack = await startStack({ webDir });
  const key = (await (await fetch(`${stack.httpUrl}/server-key`)).json()) as { fingerprint: string };
  serverFingerprint = key.fingerprint;
});

afterAll(async () => {
  await browsers.closeAll();
  await stack?.stop();
});

/** A fresh browser: no pin, no ticket, English, light theme, laptop-sized. */
async function freshBrowser(args: string[] = []): Promise<Page> {
  return (await browsers.open({ args })).page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

/** The fingerprint as displayed: 16 groups in a grid, read back with the colons. */
async function shownFingerprint(page: Page, testId: string): Promise<string> {
  const label = await page.getByTestId(testId).getAttribute("aria-label");
  return (label ?? "").split(": ").pop() ?? "";
}

async function passFirstContact(page: Page): Promise<void> {
  await page.goto(stack.httpUrl);
  await page.getByRole("heading", { level: 1, name: "First connection to this server" }).waitFor();
  expect(await shownFingerprint(page, "first-contact-fingerprint")).toBe(serverFingerprint);
  await page.getByRole("button", { name: "The fingerprints match, continue" }).click();
  await page.getByRole("heading", { level: 1, name: "Welcome back" }).waitFor();
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel("Username", { exact: true }).fill(username);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** Signed in, whatever the view: the header names the user and the connection is up to date. */
async function expectSignedIn(page: Page, username: string): Promise<void> {
  try {
    await page.getByTestId("username").filter({ hasText: username }).waitFor();
    await upToDate(page);
  } catch (err) {
    await shot(page, `failure-${Date.now()}`); // what the page showed instead
    throw err;
  }
}

async function expectHome(page: Page, username: string): Promise<void> {
  await expectSignedIn(page, username);
  await page.getByRole("heading", { level: 1, name: "Conversations" }).waitFor();
}

const ticketOf = (page: Page) => page.evaluate(() => localStorage.getItem("sealroom.ticket"));

describe("web client in chromium", () => {
  const username = `小明_${process.pid}`;
  const password = "  correct horse battery staple  ";
  const newPassword = "a new passphrase, with spaces";
  let a: Page;
  let b: Page;

  test(
    "first contact, register, resume on reload, log out, wrong password, sign in, change password",
    async () => {
      a = await freshBrowser();

      // First visit: the fingerprint is shown, and it is the gateway's.
      await a.goto(stack.httpUrl);
      await a.getByRole("heading", { level: 1, name: "First connection to this server" }).waitFor();
      expect(await shownFingerprint(a, "first-contact-fingerprint")).toBe(serverFingerprint);
      await shot(a, "fingerprint");
      await a.getByRole("button", { name: "The fingerprints match, continue" }).click();
      await a.getByRole("heading", { level: 1, name: "Welcome back" }).waitFor();
      await shot(a, "sign-in");

      // Register (a Chinese username, a passphrase with surrounding spaces).
      await a.getByRole("tab", { name: "Create account" }).click();
      await a.getByLabel("Username", { exact: true }).fill(username);
      await a.getByLabel("Password", { exact: true }).fill(password);
      await a.getByLabel("Confirm password", { exact: true }).fill(password);
      await a.getByRole("button", { name: "Create account", exact: true }).click();
      await expectHome(a, username);
      await shot(a, "home");
      const firstTicket = await ticketOf(a);
      expect(firstTicket).toBeTruthy();

      // Reload: still signed in, through the (single-use, so now rotated) ticket.
      await a.reload();
      await expectHome(a, username);
      expect(await ticketOf(a)).not.toBe(firstTicket);

      // Settings shows the pinned fingerprint.
      await a.getByRole("navigation").getByRole("link", { name: "Settings" }).click();
      await a.getByRole("heading", { level: 1, name: "Settings" }).waitFor();
      expect(await shownFingerprint(a, "settings-fingerprint")).toBe(serverFingerprint);
      await shot(a, "settings");

      // The avatar opens the account menu by keyboard; Escape gives focus back to it.
      const accountMenu = a.getByTestId("account-menu");
      const openAccountMenu = async () => {
        await accountMenu.focus();
        await a.keyboard.press("Enter");
        await a.getByRole("menu").getByRole("menuitem").first().waitFor();
      };
      await openAccountMenu();
      expect(await a.getByRole("menuitem").allTextContents()).toEqual(["Profile", "Settings", "Sign out"]);
      await a.keyboard.press("Escape");
      await a.getByRole("menu").waitFor({ state: "detached" });
      expect(await accountMenu.evaluate((el) => el === document.activeElement)).toBe(true);
      await openAccountMenu();
      await shootVariants(a, "account-menu", async () => {
        await expectSignedIn(a, username);
        await openAccountMenu();
      });

      // Sign out from it (End, Enter): back to the form, the ticket is gone. Radix moves focus a
      // task after the key, so Enter waits for it to land on Sign out.
      await a.keyboard.press("End");
      await expect.poll(() => a.evaluate(() => document.activeElement?.textContent)).toBe("Sign out");
      await a.keyboard.press("Enter");
      await a.getByText("You signed out.").waitFor();
      expect(await ticketOf(a)).toBeNull();

      // A wrong password gets a sentence, not a code.
      await signIn(a, username, "not the password");
      const alert = a.getByTestId("auth-error");
      await alert.getByText("Wrong username or password.").waitFor();
      await shot(a, "sign-in-wrong-password");
      expect(await a.getByLabel("Password", { exact: true }).inputValue()).toBe("");

      // The right one works.
      await signIn(a, username, password);
      await expectHome(a, username);

      // A second browser: opened over plain http on a non-local name, WebCrypto does not exist and
      // the page says how to fix that.
      b = await freshBrowser([`--host-resolver-rules=MAP ${INSECURE_HOST} 127.0.0.1`]);
      await b.goto(stack.httpUrl.replace("127.0.0.1", INSECURE_HOST));
      await b.getByRole("heading", { level: 1, name: "This page needs a secure connection" }).waitFor();
      await shot(b, "insecure-context");

      // ...signed in as the same user at the right address...
      await passFirstContact(b);
      await signIn(b, username, password);
      await expectHome(b, username);

      // ...is signed out when the password changes in the first.
      await a.getByRole("navigation").getByRole("link", { name: "Settings" }).click();
      // The help says what happens: the user's other devices and tabs go, this tab stays.
      await a.getByText(/your other tabs in this browser\. This tab stays signed in\./).waitFor();
      await a.getByLabel("Current password", { exact: true }).fill(password);
      await a.getByLabel("New password", { exact: true }).fill(newPassword);
      await a.getByLabel("Confirm new password", { exact: true }).fill(newPassword);
      await a.getByRole("button", { name: "Change password" }).click();
      await a
        .getByText("Password changed. Your other devices and your other tabs in this browser were signed out.")
        .waitFor();
      await a.emulateMedia({ colorScheme: "dark" });
      await shot(a, "settings-dark");
      await a.emulateMedia({ colorScheme: "light" });
      await b.getByText(/Your session ended/).waitFor();
      expect(await ticketOf(b)).toBeNull();

      // The first browser kept its session: a reload resumes with the ticket it got for the change,
      // on the view it was showing.
      await a.reload();
      await expectSignedIn(a, username);
      await a.getByRole("heading", { level: 1, name: "Settings" }).waitFor();

      // Old password refused, new one accepted.
      await signIn(b, username, password);
      await b.getByTestId("auth-error").getByText("Wrong username or password.").waitFor();
      await signIn(b, username, newPassword);
      await expectHome(b, username);

      // Phone width: the layout holds and the state stays visible.
      await a.setViewportSize({ width: 390, height: 780 });
      await a.getByRole("navigation").getByRole("link", { name: "Conversations" }).click();
      await expectHome(a, username);
      await shot(a, "home-phone");
      await a.setViewportSize({ width: 1280, height: 800 });
      expect(pageErrors).toEqual([]);
    },
    FLOW_TIMEOUT,
  );

  test(
    "a changed server key stops everything until the user verifies the new one",
    async () => {
      expect(b, "needs the first test's signed-in second browser").toBeDefined();
      // Simulate a different server key: pin some other key for this host, as if it had changed.
      const host = new URL(stack.httpUrl).host;
      const pinned = await b.evaluate((h) => localStorage.getItem(`sealroom.pin.${h}`), host);
      expect(pinned).toBe(serverFingerprint.replaceAll(":", ""));
      const otherKey = "0123456789abcdef".repeat(4);
      await b.evaluate(([h, k]) => localStorage.setItem(`sealroom.pin.${h}`, k!), [host, otherKey] as const);
      await b.reload();

      await b.getByRole("heading", { level: 1, name: "The server's key has changed" }).waitFor();
      expect(await shownFingerprint(b, "key-expected")).toBe(otherKey.match(/.{4}/g)!.join(":"));
      expect(await shownFingerprint(b, "key-actual")).toBe(serverFingerprint);
      expect(await b.locator('input[type="password"]').count()).toBe(0);
      expect(await b.getByRole("button", { name: /sign in/i }).count()).toBe(0);
      await shot(b, "key-changed");

      // The override is deliberately awkward: open it, type the start of the new fingerprint.
      await b.getByText("I verified the new key with the operator").click();
      const trust = b.getByRole("button", { name: "Trust the new key and reconnect" });
      expect(await trust.isDisabled()).toBe(true);
      await b.getByLabel("First 8 characters of the new fingerprint").fill(serverFingerprint.slice(0, 9));
      await trust.click();

      // The verified key is pinned and the saved session resumes.
      await expectHome(b, username);
      expect(await b.evaluate((h) => localStorage.getItem(`sealroom.pin.${h}`), host)).toBe(
        serverFingerprint.replaceAll(":", ""),
      );
      expect(pageErrors).toEqual([]);
    },
    FLOW_TIMEOUT,
  );
});
