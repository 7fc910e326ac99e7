/**
 * A group's details as a panel beside its conversation (issue #16), in Debian's chromium against the
 * real stack: Ann in the browser, the others through the SDK. Opened from the header's button, the
 * group's name and its avatar, by mouse and by keyboard; at 1280 px the conversation stays usable
 * beside it, at 900 px it is a drawer over the conversation that a press on the conversation closes,
 * at 390 px it takes the conversation's place and its button goes back. Escape and the close button
 * give focus back to what opened it, and closing goes back over the history entry opening made; the
 * link survives a reload; an old group/<id> link lands on it. Screenshots: test-results/screenshots/variant-group-details-* (English and Chinese,
 * light and dark, 1280 and 390 px) and group-details-*.png.
 */
import path from "node:path";
import type { Page } from "playwright-core";
import { expect, test } from "vitest";
import { groupConversationId, SocialClient } from "@sealroom/sdk/node";
import { SOCIAL_STACK, signUp } from "../social-helpers.js";
import { browserStack, shots } from "./support/browsers.js";
import { registerInBrowser, upToDate } from "./support/flows.js";
import { shootVariants } from "./support/variants.js";

const PASSWORD = "a long enough passphrase";

const env = browserStack(SOCIAL_STACK);
const browsers = env.browsers;

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(shots, `group-details-${name}.png`), animations: "disabled" });
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return el ? (el.getAttribute("data-testid") ?? el.getAttribute("aria-label") ?? el.textContent) : null;
  });

test("the details open beside the conversation by mouse and keyboard, at 1280 and 390 px", async () => {
  const pid = process.pid % 10_000;
  const annName = `ann_${pid}`;
  const { page } = await browsers.open();
  await registerInBrowser(page, env.stack.httpUrl, annName, PASSWORD);
  const sdk = env.stack.client();
  await sdk.connect();
  const annUser = await sdk.login(annName, PASSWORD);
  const ann = { social: new SocialClient(sdk), user: annUser };
  const [ben, cat, dan] = [
    await signUp(env.stack, "ben"),
    await signUp(env.stack, "cat"),
    await signUp(env.stack, "dan"),
  ];
  for (const friend of [ben, cat, dan]) {
    const r = await friend.social.requestFriend(ann.user.id);
    if (r.status === "pending") await ann.social.acceptRequest(r.request.id);
  }

  // Ann's group: Ben and Cat joined, Dan's invitation waits; a topic and a few messages.
  const { group } = await ann.social.createGroup("Lisbon trip", [ben.user.id, cat.user.id, dan.user.id]);
  for (const member of [ben, cat]) {
    const invitation = (await member.social.overview()).invitations.find((i) => i.group.id === group.id);
    if (!invitation) throw new Error("no invitation");
    await member.social.acceptInvitation(invitation.id);
  }
  await ann.social.setRole(group.id, ben.user.id, "admin");
  await ann.social.setTopic(group.id, "12-16 May · flights, hostel, day trips");
  const conversationId = groupConversationId(group.id);
  const say = (who: typeof ben, text: string, id: string) =>
    who.client.request("chat.send", { conversationId, clientMsgId: id, text });
  await say(ben, "Flights are booked, landing 10:40 ✈️", "gd-1");
  await say(cat, "I'll bring the guidebook. Sintra on Wednesday?", "gd-2");

  const timeline = page.getByTestId("timeline");
  const panel = page.getByRole("complementary", { name: "Group details" });
  const button = page.getByRole("button", { name: "Group details", exact: true });
  const composer = page.getByTestId("composer");

  await browsers.withFailureShots("group-details", shot, async () => {
    await page.locator("a.conv", { hasText: "Lisbon trip" }).first().click();
    await timeline.getByText("Sintra on Wednesday?").waitFor();

    // 1280 px, the header's button: the panel opens beside the conversation, focus on its heading.
    await button.click();
    await panel.waitFor();
    expect(page.url()).toMatch(/#\/chat\/group:\d+\/details$/);
    expect(await button.getAttribute("aria-expanded")).toBe("true");
    await expect.poll(() => focused(page)).toBe("Group details");
    await panel.getByTestId("member").filter({ hasText: ben.name }).waitFor();
    await panel.getByTestId("pending-invite").filter({ hasText: dan.name }).waitFor();
    expect(await panel.getByTestId("group-topic").textContent()).toContain("flights, hostel");
    // Everything the group page offered: members' actions, inviting, settings, leave and disband.
    await panel.getByRole("button", { name: `Remove ${cat.name} from the group` }).waitFor();
    await panel.getByRole("button", { name: `Withdraw the invitation to ${dan.name}` }).waitFor();
    await panel.getByLabel("Topic").waitFor();
    await panel.getByRole("button", { name: "Disband group" }).waitFor();

    // The conversation stays usable beside it: both side by side, and a message goes out.
    const [timelineBox, panelBox] = [await timeline.boundingBox(), await panel.boundingBox()];
    if (!timelineBox || !panelBox) throw new Error("not laid out");
    expect(timelineBox.width).toBeGreaterThan(400);
    expect(panelBox.x).toBeGreaterThanOrEqual(timelineBox.x + timelineBox.width - 1);
    await composer.click();
    await composer.fill("Hostel confirmed for four nights");
    await composer.press("Enter");
    await timeline.getByText("Hostel confirmed for four nights").waitFor();
    await timeline.getByText("Sintra on Wednesday?").click();
    expect(await panel.isVisible()).toBe(true);
    await page.mouse.move(0, 0);
    await shot(page, "desktop");

    // Escape closes it and gives focus back to the button.
    await panel.getByRole("heading", { name: "Group details" }).focus();
    await page.keyboard.press("Escape");
    await panel.waitFor({ state: "detached" });
    expect(page.url()).toMatch(/#\/chat\/group:\d+$/);
    expect(await button.getAttribute("aria-expanded")).toBe("false");
    expect(await focused(page)).toBe("details-button");
    // Closing went back over the entry opening made: Back leaves the conversation, not reopens the panel.
    await page.goBack();
    await expect.poll(() => page.url()).not.toMatch(/#\/chat\//);
    await page.goForward();
    await timeline.getByText("Sintra on Wednesday?").waitFor();
    expect(page.url()).toMatch(/#\/chat\/group:\d+$/);

    // Keyboard only: from the conversation's heading, Tab reaches the group's name; Enter opens.
    await page.locator("#conversation-title").focus();
    await page.keyboard.press("Tab");
    expect(await focused(page)).toBe("details-title");
    await page.keyboard.press("Enter");
    await panel.waitFor();
    await expect.poll(() => focused(page)).toBe("Group details");
    await page.keyboard.press("Tab");
    expect(await focused(page)).toBe("details-close");
    await shot(page, "keyboard");
    await page.keyboard.press("Enter");
    await panel.waitFor({ state: "detached" });
    expect(await focused(page)).toBe("details-title");

    // The avatar opens it too (the name's hit area covers it); the link survives a reload.
    const avatar = await page.locator(".conversation-id .avatar").boundingBox();
    if (!avatar) throw new Error("no avatar");
    await page.mouse.click(avatar.x + avatar.width / 2, avatar.y + avatar.height / 2);
    await panel.waitFor();
    await page.reload();
    await panel.getByTestId("member").filter({ hasText: cat.name }).waitFor();
    await expect.poll(() => focused(page)).toBe("Group details");
    await panel.getByRole("button", { name: "Close group details" }).click();
    await panel.waitFor({ state: "detached" });
    expect(await focused(page)).toBe("details-button");

    // 900 px: a drawer over the conversation's right side; the conversation's header stays in view.
    await page.setViewportSize({ width: 900, height: 800 });
    await button.click();
    await panel.waitFor();
    const [drawer, header] = [await panel.boundingBox(), await page.locator(".conversation-header").boundingBox()];
    if (!drawer || !header) throw new Error("not laid out");
    expect(drawer.x).toBeGreaterThan(header.x + 100);
    expect(drawer.x + drawer.width).toBeCloseTo(900, -1);
    await page.mouse.move(0, 0);
    await shot(page, "tablet");
    await page.keyboard.press("Escape");
    await panel.waitFor({ state: "detached" });
    expect(await focused(page)).toBe("details-button");
    // A drawer like other overlays: a press on the conversation it covers part of closes it.
    await button.click();
    await panel.waitFor();
    await panel.getByRole("heading", { name: "Group details" }).click();
    expect(await panel.isVisible()).toBe(true);
    // Its left part: the drawer covers the right one.
    await timeline.click({ position: { x: 40, y: 40 } });
    await panel.waitFor({ state: "detached" });
    expect(page.url()).toMatch(/#\/chat\/group:\d+$/);
    expect(await button.getAttribute("aria-expanded")).toBe("false");

    // 390 px: the panel takes the conversation's place; its button goes back to it.
    await page.setViewportSize({ width: 390, height: 780 });
    await button.click();
    await panel.waitFor();
    expect(await composer.isVisible()).toBe(false);
    const close = panel.getByRole("button", { name: "Close group details" });
    const closeBox = await close.boundingBox();
    expect(closeBox && closeBox.x < 100).toBe(true); // at the start, where a back button is
    await page.mouse.move(0, 0);
    await shot(page, "phone");
    await close.click();
    await panel.waitFor({ state: "detached" });
    expect(await composer.isVisible()).toBe(true);
    expect(await focused(page)).toBe("details-button");
    await page.setViewportSize({ width: 1280, height: 800 });

    // An old group/<id> link lands on the conversation with the panel open.
    await page.evaluate((id) => (window.location.hash = `#/group/${id}`), group.id);
    await panel.waitFor();
    expect(page.url()).toMatch(/#\/chat\/group:\d+\/details$/);
  });
  expect(browsers.pageErrors).toEqual([]);

  await shootVariants(page, "group-details", async () => {
    await upToDate(page);
    // By test id: the region's name is the language's.
    await page.getByTestId("group-details").getByTestId("member").filter({ hasText: cat.name }).waitFor();
    await timeline.getByText("Hostel confirmed for four nights").waitFor();
    await page.mouse.move(0, 0);
  });
  expect(browsers.pageErrors).toEqual([]);
}, 180_000);
