/**
 * Profiles in a real browser (Debian's chromium driven by playwright-core) against the real stack:
 * Ann sets a display name and an "about" line in Settings; Ben, her friend and fellow group member,
 * sees the name live in his conversation list, over her group messages and in the member list (with
 * her @username and the about line). Ann sets the group's topic; Ben's open conversation shows it.
 * Saves screenshots under test-results/screenshots/profile-*.png (light, dark, phone width, and the
 * settings in Chinese).
 */
import path from "node:path";
import type { Page } from "playwright-core";
import { expect, test } from "vitest";
import { SOCIAL_STACK } from "../social-helpers.js";
import { browserStack, shots } from "./support/browsers.js";
import { registerInBrowser, shootThemes } from "./support/flows.js";

const PASSWORD = "a long enough passphrase";

const env = browserStack(SOCIAL_STACK);
const browsers = env.browsers;
const pageErrors = browsers.pageErrors;

/** Light and dark at laptop size, and light at phone width. */
const shoot = (page: Page, name: string) =>
  shootThemes(page, (suffix) => path.join(shots, `profile-${name}${suffix}.png`));

const register = (page: Page, username: string) => registerInBrowser(page, env.stack.httpUrl, username, PASSWORD);

const nav = (page: Page, name: "Conversations" | "Friends" | "Groups" | "Settings") =>
  page.getByRole("navigation").getByRole("link", { name });
const conv = (page: Page, name: string) => page.locator("a.conv", { hasText: name }).first();
const composer = (page: Page) => page.getByTestId("composer");
const timeline = (page: Page) => page.getByTestId("timeline");

test("a display name set by one user reaches the other's conversation list, messages and member list", async () => {
  const pid = process.pid % 10_000;
  const ann = `ann_${pid}`;
  const ben = `ben_${pid}`;
  const shown = "Ann Ångström";
  const [{ page: a }, { page: b }] = await Promise.all([browsers.open(), browsers.open()]);
  await Promise.all([register(a, ann), register(b, ben)]);

  // Friends, then a group with both in it.
  await nav(a, "Friends").click();
  await a.getByLabel("Search by username").fill(ben);
  await a.getByRole("button", { name: `Send ${ben} a friend request` }).click();
  await nav(b, "Friends").click();
  await b.getByRole("button", { name: `Accept ${ann}'s request` }).click();
  await b.getByTestId("social-done").getByText(`You and ${ann} are now friends.`).waitFor();
  await nav(a, "Groups").click();
  await a.getByLabel("Group name").fill("Climbing");
  await a.getByRole("checkbox", { name: ben }).check();
  await a.getByRole("button", { name: "Create and invite 1" }).click();
  await a.getByRole("heading", { level: 1, name: "Climbing" }).waitFor();
  await nav(b, "Groups").click();
  await b.getByRole("button", { name: "Join Climbing" }).click();
  await b.getByRole("heading", { level: 1, name: "Climbing" }).waitFor();

  // Ann writes to Ben directly and in the group, before she has a display name.
  await nav(a, "Conversations").click();
  await a.locator("a.conv-new", { hasText: ben }).click();
  await composer(a).fill("Hi Ben");
  await composer(a).press("Enter");
  await conv(a, "Climbing").click();
  await composer(a).fill("Friday at six?");
  await composer(a).press("Enter");
  await nav(b, "Conversations").click();
  await conv(b, ann).waitFor();

  // Ann sets her profile in Settings; a display name that breaks the rules is refused first.
  await nav(a, "Settings").click();
  const displayName = a.getByLabel("Display name");
  await displayName.fill("x".repeat(65));
  await a.getByRole("button", { name: "Save profile" }).click();
  await a.getByText("Display names are at most 64 characters, without control or invisible characters.").waitFor();
  await displayName.fill(`  ${shown}  `);
  await a.getByLabel("About").fill("Climbs on weekends");
  await a.getByRole("button", { name: "Save profile" }).click();
  await a.getByTestId("profile-done").getByText("Your profile was saved.").waitFor();
  await a.getByTestId("account-name").getByText(shown).waitFor();
  await a.getByTestId("username").getByText(shown).waitFor(); // the header's chip too
  await shoot(a, "settings");

  // Ben's conversation list renames the DM live, without a reload.
  await conv(b, shown).waitFor();
  expect(await b.locator("a.conv .conv-name").allTextContents()).toContain(shown);
  expect(await b.locator("a.conv .conv-name").allTextContents()).not.toContain(ann);

  // In the group, her message carries the display name.
  await conv(b, "Climbing").click();
  await timeline(b).locator(".msg-text", { hasText: "Friday at six?" }).waitFor();
  await timeline(b).locator(".msg-sender", { hasText: shown }).waitFor();

  // Ann sets the group's topic; Ben's open conversation shows it live.
  await nav(a, "Groups").click();
  await a.getByTestId("group-link").filter({ hasText: "Climbing" }).click();
  await a.getByLabel("Topic").fill("Bouldering, Fridays 18:00");
  await a.getByRole("button", { name: "Save topic" }).click();
  await a.getByTestId("social-done").getByText("The topic was saved.").waitFor();
  await b.getByTestId("conversation-topic").getByText("Bouldering, Fridays 18:00").waitFor();
  await shoot(b, "conversation");

  // The member list tells the two names apart: the display name, @username and the about line.
  await nav(b, "Groups").click();
  await b.getByTestId("group-link").filter({ hasText: "Climbing" }).click();
  const annRow = b.getByTestId("member").filter({ hasText: shown });
  await annRow.getByTestId("person-handle").getByText(ann).waitFor();
  await annRow.getByTestId("person-about").getByText("Climbs on weekends").waitFor();
  await b.getByTestId("group-topic").getByText("Bouldering, Fridays 18:00").waitFor();
  await shoot(b, "members");

  // Friend search finds her by username and shows both names.
  await nav(b, "Friends").click();
  await b.getByLabel("Search by username").fill(ann);
  const result = b.getByTestId("search-result").filter({ hasText: shown });
  await result.getByTestId("person-handle").getByText(ann).waitFor();
  await result.getByText("Already your friend").waitFor();

  // The settings in Simplified Chinese, after a reload (the session resumes).
  await a.evaluate(() => localStorage.setItem("sealroom.lang", "zh-CN"));
  await a.goto(`${env.stack.httpUrl}/#/settings`);
  await a.reload();
  await a.getByRole("heading", { level: 2, name: "个人资料" }).waitFor();
  // The form fills once the overview has arrived after the resume.
  await expect.poll(() => a.getByLabel("显示名称").inputValue()).toBe(shown);
  await a.mouse.move(0, 0);
  await a.screenshot({ path: path.join(shots, "profile-settings-zh.png"), fullPage: true, animations: "disabled" });

  expect(pageErrors).toEqual([]);
}, 120_000);
