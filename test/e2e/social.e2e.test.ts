/**
 * Friends and groups in a real browser (Debian's chromium driven by playwright-core) against the
 * real stack, two browser profiles as two people: find each other, ask and accept, see presence
 * change, create a group, invite, join, a refused action explained in a sentence, and a kick seen
 * by both. Saves screenshots of the friends, groups and group screens (light, dark, phone width)
 * under test-results/screenshots/social-*.png.
 */
import path from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { SOCIAL_STACK } from "../social-helpers.js";
import { browserStack, shots } from "./support/browsers.js";
import { registerInBrowser, shootThemes } from "./support/flows.js";

const PASSWORD = "a long enough passphrase";

const env = browserStack(SOCIAL_STACK);
const browsers = env.browsers;
const pageErrors = browsers.pageErrors;

const browser = async (): Promise<Page> => (await browsers.open()).page;

/** Light and dark at laptop size, and light at phone width. */
const shoot = (page: Page, name: string) =>
  shootThemes(page, (suffix) => path.join(shots, `social-${name}${suffix}.png`));

const register = (page: Page, username: string) => registerInBrowser(page, env.stack.httpUrl, username, PASSWORD);

const nav = (page: Page, name: "Friends" | "Groups" | "Settings") =>
  page.getByRole("navigation").getByRole("link", { name });
const done = (page: Page, text: string) => page.getByTestId("social-done").getByText(text).waitFor();

describe("friends and groups in chromium", () => {
  const ann = `ann_${process.pid}`;
  const ben = `ben_${process.pid}`;

  test("two people befriend each other, see presence, and run a group: invite, join, a refused leave, a kick", async () => {
    const [a, b] = await Promise.all([browser(), browser()]);
    await Promise.all([register(a, ann), register(b, ben)]);

    // Ann finds Ben by a prefix of his name and asks.
    await nav(a, "Friends").click();
    await a.getByRole("heading", { level: 1, name: "Friends" }).waitFor();
    await a.getByLabel("Search by username").fill(ben.slice(0, 6));
    await a.getByRole("button", { name: `Send ${ben} a friend request` }).click();
    await done(a, `Friend request sent to ${ben}.`);

    // Ben's nav shows a pending request; he accepts it.
    await nav(b, "Friends").filter({ hasText: "1" }).waitFor();
    expect(await nav(b, "Friends").getAttribute("href")).toBe("#/friends");
    await nav(b, "Friends").click();
    await b.getByRole("button", { name: `Accept ${ann}'s request` }).waitFor();
    await b.mouse.move(0, 0);
    await b.screenshot({
      path: path.join(shots, "social-friends-request.png"),
      fullPage: true,
      animations: "disabled",
    });
    await b.getByRole("button", { name: `Accept ${ann}'s request` }).click();
    await done(b, `You and ${ann} are now friends.`);

    // Ann sees Ben as a friend, online; when he signs out, offline with a last-seen time.
    const benRow = a.getByTestId("friend").filter({ hasText: ben });
    await benRow.getByText("Online").waitFor();
    await a.getByLabel("Search by username").fill("");
    await shoot(a, "friends");
    await nav(b, "Settings").click();
    await b.getByRole("button", { name: "Log out", exact: true }).click();
    await b.getByText("You signed out.").waitFor();
    await benRow.getByText("Last seen just now").waitFor();
    await b.getByLabel("Username", { exact: true }).fill(ben);
    await b.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await b.getByRole("button", { name: "Sign in", exact: true }).click();
    await benRow.getByText("Online").waitFor();

    // Ann creates a group and invites Ben from the checklist; its conversation opens with the details beside it.
    await nav(a, "Groups").click();
    await a.getByLabel("Group name").fill("Weekend trip");
    await a.getByRole("checkbox", { name: ben }).check();
    await a.getByRole("button", { name: "Create and invite 1" }).click();
    await a.getByRole("heading", { level: 1, name: "Weekend trip" }).waitFor();
    await a.getByRole("complementary", { name: "Group details" }).waitFor();
    expect(a.url()).toMatch(/#\/chat\/group:\d+\/details$/);

    // Ben sees the invitation (and a badge) and joins.
    await nav(b, "Groups").filter({ hasText: "1" }).waitFor();
    await nav(b, "Groups").click();
    await b.getByTestId("invitation").filter({ hasText: "Weekend trip" }).waitFor();
    await shoot(b, "groups");
    await b.getByRole("button", { name: "Join Weekend trip" }).click();
    await b.getByRole("heading", { level: 1, name: "Weekend trip" }).waitFor();

    // Ann's open page gains Ben live.
    const members = a.getByRole("list", { name: "Members" });
    await members.getByText(ben).waitFor();
    await shoot(a, "group");

    // A refused action reads as a sentence: the owner cannot leave.
    await a.getByRole("button", { name: "Leave group" }).click();
    await a
      .getByTestId("social-error")
      .getByText("The owner cannot leave the group. Make another member the owner first, then leave.")
      .waitFor();

    // Ann removes Ben, confirming in a dialog; Ben is told where he stands.
    // Escape dismisses the question without doing anything; the second time she confirms.
    const kick = a.getByRole("button", { name: `Remove ${ben} from the group` });
    await kick.click();
    const dialog = a.getByRole("dialog", { name: `Remove ${ben}?` });
    await dialog.waitFor();
    await a.screenshot({ path: path.join(shots, "social-confirm.png"), animations: "disabled" });
    await a.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    // Radix gives focus back a tick after the dialog is gone.
    await expect.poll(() => kick.evaluate((el) => el === document.activeElement)).toBe(true);
    await members.getByText(ben).waitFor();
    await kick.click();
    await dialog.getByRole("button", { name: "Remove" }).click();
    await done(a, `${ben} was removed from the group.`);
    await members.getByText(ben).waitFor({ state: "detached" });
    await b.getByText("You were removed from this group.").waitFor();
    await nav(b, "Groups").click();
    await b.getByText("You are not in any group yet.", { exact: false }).waitFor();

    await nav(a, "Groups").click();
    await a.getByTestId("group-link").filter({ hasText: "Weekend trip" }).waitFor();
    await a.mouse.move(0, 0);
    await a.screenshot({ path: path.join(shots, "social-groups-owner.png"), fullPage: true, animations: "disabled" });

    // The same screens in Simplified Chinese, after a reload (the session resumes).
    await a.evaluate(() => localStorage.setItem("sealroom.lang", "zh-CN"));
    await a.goto(`${env.stack.httpUrl}/#/friends`);
    await a.reload();
    await a.getByRole("heading", { level: 1, name: "好友" }).waitFor();
    await a.getByTestId("friend").filter({ hasText: ben }).getByText("在线").waitFor();
    await a.mouse.move(0, 0);
    await a.screenshot({ path: path.join(shots, "social-friends-zh.png"), fullPage: true, animations: "disabled" });

    expect(pageErrors).toEqual([]);
  }, 90_000);
});
