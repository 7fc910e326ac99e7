/**
 * The outside review's social findings in a real browser (Debian's chromium driven by playwright-core)
 * against the real stack: the person in the browser is one side, SDK clients play the others.
 * Screenshots under test-results/screenshots/review-*.png.
 */
import path from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { groupConversationId, SocialClient, type SealroomClient } from "@sealroom/sdk/node";
import { SOCIAL_STACK, signUp, type Person } from "../social-helpers.js";
import { browserStack, shots } from "./support/browsers.js";
import { shootSchemes, shootVariants } from "./support/variants.js";

const PASSWORD = "a long enough passphrase";

const env = browserStack(SOCIAL_STACK);
const browsers = env.browsers;

let n = 0;
const uniq = (base: string) => `${base}${process.pid % 1000}_${++n}`;
const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(shots, `review-${name}.png`), animations: "disabled" });

/** Registers `username` in a fresh browser; returns the page and an SDK client signed in as the same user. */
async function person(
  username: string,
): Promise<{ page: Page; sdk: SealroomClient; social: SocialClient; id: number }> {
  const { page } = await browsers.open();
  await page.goto(env.stack.httpUrl);
  await page.getByRole("button", { name: "The fingerprints match, continue" }).click();
  await page.getByRole("tab", { name: "Create account" }).click();
  await page.getByLabel("Username", { exact: true }).fill(username);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Confirm password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Create account", exact: true }).click();
  await page.getByTestId("username").filter({ hasText: username }).waitFor();
  const sdk = env.stack.client();
  await sdk.connect();
  const user = await sdk.login(username, PASSWORD);
  return { page, sdk, social: new SocialClient(sdk), id: user.id };
}

async function befriend(a: Person, b: { social: SocialClient; id: number }): Promise<void> {
  const r = await a.social.requestFriend(b.id);
  if (r.status === "pending") await b.social.acceptRequest(r.request.id);
}

const conv = (page: Page, name: string) => page.locator("a.conv", { hasText: name }).first();
const timeline = (page: Page) => page.getByTestId("timeline");

describe("review: a removed member's view (item 15)", () => {
  test("a kicked member keeps the history and is told who removed them", async () => {
    const ned = await person(uniq("ned"));
    const owner = await signUp(env.stack, "owner");
    await befriend(owner, ned);
    const detail = await owner.social.createGroup("Book club", [ned.id]);
    const groupId = detail.group.id;
    const invitation = (await ned.social.overview()).invitations.find((i) => i.group.id === groupId)!;
    await ned.social.acceptInvitation(invitation.id);
    const conversationId = groupConversationId(groupId);
    await owner.client.request("chat.send", { conversationId, clientMsgId: "rv-1", text: "before the kick" });

    const page = ned.page;
    await conv(page, "Book club").click();
    await timeline(page).getByText("before the kick").waitFor();

    await owner.social.kick(groupId, ned.id);
    await owner.client.request("chat.send", { conversationId, clientMsgId: "rv-2", text: "after the kick" });
    const notice = page.getByTestId("removed-notice");
    await notice.getByText(`${owner.name} removed you from this group.`).waitFor();
    expect(await page.getByTestId("composer").count()).toBe(0);
    expect(await page.locator("#conversation-title").textContent()).toBe("Book club");
    await shot(page, "kicked-live");

    // After a reload the conversation is still listed, readable up to the kick, and says why.
    await page.reload();
    await conv(page, "Book club").click();
    await timeline(page).getByText("before the kick").waitFor();
    await notice.getByText(`${owner.name} removed you from this group.`).waitFor();
    expect(await timeline(page).getByText("after the kick").count()).toBe(0);
    expect(await page.getByTestId("composer").count()).toBe(0);
    await shot(page, "kicked-reload");
  }, 60_000);

  test("after a reload a kicked member still sees who wrote each message", async () => {
    const ned = await person(uniq("nedr"));
    const owner = await signUp(env.stack, "owner");
    const pia = await signUp(env.stack, "pia");
    await befriend(owner, ned);
    await befriend(owner, { social: pia.social, id: pia.user.id });
    const detail = await owner.social.createGroup("Names club", [ned.id, pia.user.id]);
    const groupId = detail.group.id;
    for (const m of [ned.social, pia.social]) {
      const invitation = (await m.overview()).invitations.find((i) => i.group.id === groupId);
      if (!invitation) throw new Error("no invitation");
      await m.acceptInvitation(invitation.id);
    }
    const conversationId = groupConversationId(groupId);
    // Pia is not ned's friend: after the kick only the chat pages can name her.
    await pia.client.request("chat.send", { conversationId, clientMsgId: "rv-n1", text: "pia was here" });
    await owner.social.kick(groupId, ned.id);

    const page = ned.page;
    await page.reload();
    await conv(page, "Names club").click();
    await timeline(page).getByText("pia was here").waitFor();
    await timeline(page).locator(".msg-sender", { hasText: pia.name }).waitFor({ timeout: 5000 });
    expect(await timeline(page).getByText("Someone", { exact: true }).count()).toBe(0);
    await shot(page, "kicked-reload-names");
    await shootVariants(page, "kicked", async () => {
      await conv(page, "Names club").click();
      await timeline(page).locator(".msg-sender", { hasText: pia.name }).waitFor();
    });
  }, 60_000);
});

describe("review: presence and composers after a social change (item 14)", () => {
  test("an unfriending and a block update presence and the composer live on both sides", async () => {
    const carol = await person(uniq("carol"));
    const alice = await signUp(env.stack, "alice");
    const bob = await signUp(env.stack, "bob");
    await befriend(alice, carol);
    await befriend(bob, carol);
    const page = carol.page;
    const dmAlice = `dm:${Math.min(alice.user.id, carol.id)}:${Math.max(alice.user.id, carol.id)}`;
    const dmBob = `dm:${Math.min(bob.user.id, carol.id)}:${Math.max(bob.user.id, carol.id)}`;
    await alice.client.request("chat.send", { conversationId: dmAlice, clientMsgId: "p-1", text: "hi carol" });
    await bob.client.request("chat.send", { conversationId: dmBob, clientMsgId: "p-2", text: "hey carol" });

    // Alice unfriends carol while carol has the DM open and sees her online.
    await conv(page, alice.name).click();
    await page.locator(".conversation-sub", { hasText: "Online" }).waitFor();
    await alice.social.removeFriend(carol.id);
    await page.getByTestId("dm-closed").getByText(`You and ${alice.name} are not friends any more.`).waitFor();
    expect(await page.locator(".conversation-sub", { hasText: "Online" }).count()).toBe(0);
    expect(await page.getByTestId("composer").count()).toBe(0);
    expect(await page.getByTestId(`conv-${dmAlice}`).locator(".presence-dot").count()).toBe(0);
    await shot(page, "unfriended-dm");

    // Carol blocks bob (from another device): her sidebar drops his presence dot at once.
    await page.getByTestId(`conv-${dmBob}`).locator(".presence-dot[data-online=true]").waitFor();
    await carol.social.block(bob.user.id);
    await expect.poll(() => page.getByTestId(`conv-${dmBob}`).locator(".presence-dot").count()).toBe(0);
    await conv(page, bob.name).click();
    await page.getByTestId("dm-closed").getByText(`You blocked ${bob.name}.`).waitFor();
    await shot(page, "blocked-dm");
    await shootVariants(page, "unfriended-dm", async () => {
      await conv(page, alice.name).click();
      await page.getByTestId("dm-closed").waitFor();
    });
  }, 60_000);

  test("the blocked user stops seeing the blocker online without a reload", async () => {
    const dora = await person(uniq("dora"));
    const eve = await signUp(env.stack, "eve");
    await befriend(eve, dora);
    const dm = `dm:${Math.min(eve.user.id, dora.id)}:${Math.max(eve.user.id, dora.id)}`;
    await eve.client.request("chat.send", { conversationId: dm, clientMsgId: "p-3", text: "hello dora" });
    const page = dora.page;
    await conv(page, eve.name).click();
    await page.locator(".conversation-sub", { hasText: "Online" }).waitFor();
    await eve.social.block(dora.id);
    // Told only what an unfriending tells: no presence, no composer.
    await page.getByTestId("dm-closed").getByText(`You and ${eve.name} are not friends any more.`).waitFor();
    expect(await page.locator(".conversation-sub", { hasText: "Online" }).count()).toBe(0);
  }, 60_000);
});

describe("review: the friends and group screens (item 17)", () => {
  test("block a request without accepting it, a silent decline, timed self-clearing notices", async () => {
    const fay = await person(uniq("fay"));
    const gus = await signUp(env.stack, "gus");
    const hal = await signUp(env.stack, "hal");
    const iva = await signUp(env.stack, "iva");
    await gus.social.requestFriend(fay.id);
    const halsRequest = await hal.social.requestFriend(fay.id);
    const page = fay.page;
    await page.getByRole("navigation").getByRole("link", { name: "Friends" }).click();

    // Gus's request is blocked straight away: no friendship first.
    await page.getByRole("button", { name: `Block ${gus.name}` }).click();
    await page
      .getByRole("dialog", { name: `Block ${gus.name}?` })
      .getByRole("button", { name: "Block" })
      .click();
    await page.getByTestId("social-done").getByText(`You blocked ${gus.name}.`).waitFor();
    expect(await page.getByRole("button", { name: `Accept ${gus.name}'s request` }).count()).toBe(0);

    // Hal's request is declined; hal is not told: to him it still looks pending.
    await page.getByRole("button", { name: `Decline ${hal.name}'s request` }).click();
    await page.getByTestId("social-done").getByText(`You declined ${hal.name}'s request.`).waitFor();
    const hals = await hal.social.overview();
    expect(hals.outgoing.map((r) => r.id)).toEqual([halsRequest.status === "pending" ? halsRequest.request.id : -1]);
    expect(hals.notices).toEqual([]);

    // Iva accepts fay's request: the notice says when, and is gone after the next reload.
    const mine = await fay.social.requestFriend(iva.user.id);
    if (mine.status !== "pending") throw new Error("expected pending");
    await iva.social.acceptRequest(mine.request.id);
    const notice = page.getByTestId("notice").filter({ hasText: `${iva.name} accepted your friend request.` });
    await notice.getByText("just now").waitFor();
    await shot(page, "friends-notice");
    await shootSchemes(page, "friends-notice-en");
    await expect.poll(async () => (await fay.social.overview()).notices.length, { timeout: 10_000 }).toBe(0);
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Friends" }).waitFor();
    await page.getByRole("list", { name: "Your friends" }).getByText(iva.name).waitFor();
    expect(await page.getByTestId("notice").count()).toBe(0);
  }, 60_000);

  test("the Friends page notice in Chinese", async () => {
    const mei = await person(uniq("mei"));
    const ott = await signUp(env.stack, "ott");
    const page = mei.page;
    await page.evaluate(() => localStorage.setItem("sealroom.lang", "zh-CN"));
    await page.reload();
    await page.evaluate(() => (window.location.hash = "#/friends"));
    await page.getByRole("heading", { level: 1, name: "好友" }).waitFor();
    const mine = await mei.social.requestFriend(ott.user.id);
    if (mine.status !== "pending") throw new Error("expected pending");
    await ott.social.acceptRequest(mine.request.id);
    await page.getByTestId("notice").filter({ hasText: ott.name }).waitFor();
    await shootSchemes(page, "friends-notice-zh-CN");
    await page.evaluate(() => localStorage.setItem("sealroom.lang", "en"));
  }, 60_000);

  test("a sole owner is not offered a failing Leave; disbanding shows one banner", async () => {
    const jo = await person(uniq("jo"));
    const { group } = await jo.social.createGroup("Solo");
    const page = jo.page;
    await page.evaluate((id) => (window.location.hash = `#/group/${id}`), group.id);
    const leave = page.getByRole("button", { name: "Leave group" });
    await leave.waitFor();
    expect(await leave.isDisabled()).toBe(true);
    await page
      .getByText("You are the only member, so there is nobody to hand the group to. Disband it instead.")
      .waitFor();
    await page.getByRole("button", { name: "Disband group" }).click();
    await page.getByRole("dialog", { name: "Disband Solo?" }).getByRole("button", { name: "Disband group" }).click();
    const details = page.getByTestId("group-details");
    await details.getByText("This group was disbanded.", { exact: false }).waitFor();
    await shot(page, "disbanded-group");
    // In the details panel itself (the conversation beside it says so under its timeline).
    expect(await details.getByText(/disbanded/).count()).toBe(1);
  }, 60_000);
});

describe("review: invitations can be withdrawn (item 8)", () => {
  test("the owner withdraws a pending invitation from the group's details; the invitee loses it", async () => {
    const kim = await person(uniq("kim"));
    const lou = await signUp(env.stack, "lou");
    await befriend(lou, kim);
    const { group } = await kim.social.createGroup("Choir", [lou.user.id]);
    expect((await lou.social.overview()).invitations.map((i) => i.group.id)).toEqual([group.id]);
    const page = kim.page;
    await page.evaluate((id) => (window.location.hash = `#/group/${id}`), group.id);
    await shootVariants(page, "group-withdraw", () => page.getByTestId("pending-invite").waitFor());
    await page.getByRole("button", { name: `Withdraw the invitation to ${lou.name}` }).click();
    await page.getByTestId("social-done").getByText(`The invitation to ${lou.name} was withdrawn.`).waitFor();
    expect(await page.getByTestId("pending-invite").count()).toBe(0);
    await expect.poll(async () => (await lou.social.overview()).invitations.length).toBe(0);
    await shot(page, "invitation-withdrawn");
  }, 60_000);
});
