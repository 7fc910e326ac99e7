/**
 * Profile pictures in a real browser (Debian's chromium driven by playwright-core) against the real
 * stack: Ann picks a PNG in Settings, zooms with the keyboard, and the browser crops and encodes it
 * (256x256 WebP) before it is sent; Ben, her friend and fellow group member, sees it live in his
 * conversation list and beside her group message. Screenshots (test-results/screenshots/variant-
 * avatar-*): Settings and Ben's conversation in English and Chinese, light and dark, 1280 and 390
 * px; the crop controls in English. Then a group picture: Ann, the owner, sets one in the group's admin
 * area; Ben sees it live in his conversation list and the conversation's header (variant-group-
 * avatar-*: Ann's admin area and Ben's conversation, in every variant), and its removal.
 */
import { deflateSync, crc32 } from "node:zlib";
import type { Page } from "playwright-core";
import { expect, test } from "vitest";
import { SOCIAL_STACK } from "../social-helpers.js";
import { browserStack } from "./support/browsers.js";
import { befriendInBrowsers, navLink, registerInBrowser, upToDate } from "./support/flows.js";
import { shootSchemes, shootVariants } from "./support/variants.js";

const PASSWORD = "a long enough passphrase";

const env = browserStack(SOCIAL_STACK);
const browsers = env.browsers;

/** A real PNG (RGB, 8 bits): a wide landscape, so the square crop and the zoom matter. */
function landscapePng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      // Sky to sand, with an orange sun in the middle: the centred crop keeps the sun.
      const sun = (x - width / 2) ** 2 + (y - height / 2) ** 2 < (height / 4) ** 2;
      const px = row + 1 + x * 3;
      rows[px] = sun ? 250 : Math.round(80 + (120 * y) / height);
      rows[px + 1] = sun ? 140 : Math.round(150 + (60 * y) / height);
      rows[px + 2] = sun ? 40 : Math.round(230 - (130 * y) / height);
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const register = (page: Page, username: string) => registerInBrowser(page, env.stack.httpUrl, username, PASSWORD);
const conv = (page: Page, name: string) => page.locator("a.conv", { hasText: name }).first();
const composer = (page: Page) => page.getByTestId("composer");
/** A shown (decoded) picture whose alt text is `name`, inside `scope`. */
const picture = (scope: ReturnType<Page["locator"]>, name: string) =>
  scope.locator(`.avatar[data-picture] img.avatar-img[alt="${name}"]`);

test("Ann sets a picture in Settings; Ben sees it in his conversation list and beside her message", async () => {
  const pid = process.pid % 10_000;
  const ann = `ann_${pid}`;
  const ben = `ben_${pid}`;
  const [{ page: a }, { page: b }] = await Promise.all([browsers.open(), browsers.open()]);
  await Promise.all([register(a, ann), register(b, ben)]);
  await befriendInBrowsers(a, ann, b, ben);

  // A group with both, and a message from Ann in it (a group's messages show their sender's avatar).
  await navLink(a, "Groups").click();
  await a.getByLabel("Group name").fill("Sunsets");
  await a.getByRole("checkbox", { name: ben }).check();
  await a.getByRole("button", { name: "Create and invite 1" }).click();
  await a.getByRole("heading", { level: 1, name: "Sunsets" }).waitFor();
  await navLink(b, "Groups").click();
  await b.getByRole("button", { name: "Join Sunsets" }).click();
  await b.getByRole("heading", { level: 1, name: "Sunsets" }).waitFor();
  await navLink(a, "Conversations").click();
  await a.locator("a.conv-new", { hasText: ben }).click();
  await composer(a).fill("Hi Ben");
  await composer(a).press("Enter");
  await conv(a, "Sunsets").click();
  await composer(a).fill("Look at this one");
  await composer(a).press("Enter");
  await navLink(b, "Conversations").click();
  await conv(b, "Sunsets").click();
  await b.getByTestId("timeline").locator(".msg-text", { hasText: "Look at this one" }).waitFor();
  // No picture yet: her initial.
  expect(await b.locator("a.conv .avatar[data-picture]").count()).toBe(0);

  // Ann: Settings, a file that is not an image first (refused on the device), then a real one.
  await navLink(a, "Settings").click();
  const files = a.getByTestId("avatar-file");
  await files.setInputFiles({ name: "notes.png", mimeType: "image/png", buffer: Buffer.from("not an image") });
  await a.getByTestId("avatar-error").getByText("That file could not be read as an image.", { exact: false }).waitFor();
  await files.setInputFiles({ name: "sunset.png", mimeType: "image/png", buffer: landscapePng(900, 500) });
  await a.getByTestId("avatar-preview").waitFor();
  // A landscape's centred square can move sideways only, until it is zoomed in.
  const vertical = a.getByLabel("Vertical position");
  expect([await a.getByLabel("Horizontal position").isEnabled(), await vertical.isEnabled()]).toEqual([true, false]);
  // Keyboard: focus went to the zoom slider; two steps in, and the preview is made again.
  const zoom = a.getByLabel("Zoom");
  await expect.poll(() => zoom.evaluate((el) => el === document.activeElement)).toBe(true);
  await a.keyboard.press("ArrowRight");
  await a.keyboard.press("ArrowRight");
  await expect.poll(() => zoom.inputValue()).toBe("1.1");
  await expect.poll(() => vertical.isEnabled()).toBe(true);
  await shootSchemes(a, "avatar-crop-en");
  await expect.poll(() => zoom.evaluate((el) => el === document.activeElement)).toBe(true);
  await a.getByRole("button", { name: "Save picture" }).click();
  await a.getByTestId("avatar-done").getByText("Your picture was saved.").waitFor();
  await picture(a.getByTestId("account-menu"), ann).waitFor();

  // What the server got: the browser's own 256x256 WebP, within the limit.
  const stored = await env.stack.db.avatar.findFirstOrThrow({ where: { user: { username: ann } } });
  expect(stored.mime).toBe("image/webp");
  expect(stored.data.length).toBeLessThanOrEqual(46_080);
  expect(Buffer.from(stored.data).subarray(8, 12).toString("ascii")).toBe("WEBP");

  // Ben: live, in the conversation list (their DM) and beside her group message, at 256 px.
  await b.locator("a.conv:not(.conv-new)", { hasText: ann }).waitFor();
  const dm = b.locator("a.conv:not(.conv-new)", { hasText: ann });
  await picture(dm, ann).waitFor();
  const inTimeline = picture(b.getByTestId("timeline"), ann).first();
  await inTimeline.waitFor();
  expect(await inTimeline.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([
    256, 256,
  ]);

  // Each reload keeps the route: Ann stays in Settings, Ben in the group.
  await shootVariants(a, "avatar-settings", async () => {
    await upToDate(a);
    await picture(a.getByTestId("avatar-picker"), ann).waitFor();
  });
  await shootVariants(b, "avatar-conversation", async () => {
    await upToDate(b);
    await picture(b.getByTestId("timeline"), ann).first().waitFor();
  });

  // Removed: Ben's list falls back to her initial, live.
  await a.getByRole("button", { name: "Remove picture" }).click();
  await a.getByTestId("avatar-done").getByText("Your picture was removed.").waitFor();
  await expect.poll(() => b.locator(".avatar[data-picture]").count()).toBe(0);
  expect(browsers.pageErrors).toEqual([]);
}, 180_000);

test("Ann sets her group's picture in its admin area; Ben sees it live in his list and the conversation's header", async () => {
  const pid = process.pid % 10_000;
  const ann = `gann_${pid}`;
  const ben = `gben_${pid}`;
  const [{ page: a }, { page: b }] = await Promise.all([browsers.open(), browsers.open()]);
  await Promise.all([register(a, ann), register(b, ben)]);
  await befriendInBrowsers(a, ann, b, ben);

  await navLink(a, "Groups").click();
  await a.getByLabel("Group name").fill("Dunes");
  await a.getByRole("checkbox", { name: ben }).check();
  await a.getByRole("button", { name: "Create and invite 1" }).click();
  await a.getByRole("heading", { level: 1, name: "Dunes" }).waitFor();
  await navLink(b, "Groups").click();
  await b.getByRole("button", { name: "Join Dunes" }).click();
  await b.getByRole("heading", { level: 1, name: "Dunes" }).waitFor();
  await navLink(b, "Conversations").click();
  await conv(b, "Dunes").click();
  const header = b.locator("header.conversation-header");
  await header.getByRole("heading", { name: "Dunes" }).waitFor();
  expect(await b.locator(".avatar[data-picture]").count()).toBe(0);

  // Ann, in the group's admin area (she is on its page since creating it): a picture for the group.
  const picker = a.getByRole("group", { name: "Group picture" });
  await picker.getByTestId("avatar-file").setInputFiles({
    name: "dunes.png",
    mimeType: "image/png",
    buffer: landscapePng(640, 480),
  });
  await picker.getByTestId("avatar-preview").waitFor();
  await picker.getByRole("button", { name: "Save picture" }).click();
  await picker.getByTestId("avatar-done").getByText("The group picture was saved.").waitFor();
  await picture(picker, "Dunes").waitFor();

  const group = await env.stack.db.group.findFirstOrThrow({ where: { name: "Dunes" } });
  const stored = await env.stack.db.groupAvatar.findUniqueOrThrow({ where: { groupId: group.id } });
  expect([stored.mime, stored.version]).toEqual(["image/webp", group.avatar]);
  expect(stored.data.length).toBeLessThanOrEqual(46_080);

  // Ben: live, in his conversation list and the open conversation's header; the timeline says who.
  await picture(conv(b, "Dunes"), "Dunes").waitFor();
  const inHeader = picture(header, "Dunes");
  await inHeader.waitFor();
  expect(await inHeader.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([256, 256]);
  await b.getByTestId("timeline").getByText(`${ann} changed the group picture`).waitFor();

  await shootVariants(a, "group-avatar-admin", async () => {
    await upToDate(a);
    const shown = a.getByRole("group", { name: /Group picture|群头像/ });
    await picture(shown, "Dunes").waitFor();
    // The picker is below the rename and topic forms: in view for the screenshots.
    await shown.scrollIntoViewIfNeeded();
  });
  await shootVariants(b, "group-avatar-conversation", async () => {
    await upToDate(b);
    await picture(b.locator("header.conversation-header"), "Dunes").waitFor();
  });

  // Removed: Ben's list and header fall back to the initial, live.
  await picker.getByRole("button", { name: "Remove picture" }).click();
  await picker.getByTestId("avatar-done").getByText("The group picture was removed.").waitFor();
  await expect.poll(() => b.locator(".avatar[data-picture]").count()).toBe(0);
  expect(browsers.pageErrors).toEqual([]);
}, 180_000);
