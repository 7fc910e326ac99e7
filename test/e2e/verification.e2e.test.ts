/**
 * Verifying a contact in real browsers against the real stack (docs/E2E.md section 4,
 * "Verification"): two users see the same safety number in the DM's encryption details, one marks
 * the other verified; the other then signs in on a second browser (a new device in the key
 * directory), and the first sees the "devices changed" warning, the timeline's notice of the new
 * device (none before it: the first list seen is no change, nor on the other side for his own
 * devices) and is asked before sending. Screenshots of the panel, the timeline notice and the
 * confirmation (English and Chinese, light and dark, desktop and phone). In a group of three: the
 * member list's safety number is the DM's (one mark per pair of users), the encryption details
 * count verified members, and a verified member's new device is told in the group's timeline by
 * name and makes sending ask first.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { groupConversationId } from "@sealroom/sdk/node";
import { befriend, signUp } from "../social-helpers.js";
import { shootVariants } from "./support/variants.js";
import { ReviewStack, composer, openConversation, shot, timeline } from "./support/review.js";

const env = new ReviewStack();

beforeAll(() => env.start());
afterAll(() => env.stop());

const safetyNumber = (page: Page) => page.getByTestId("safety-number");

/** Opens the conversation's encryption details and waits for the safety number. */
async function openDetails(page: Page, dm: string): Promise<void> {
  await openConversation(page, dm);
  await page.getByTestId("e2e-lock").click();
  await safetyNumber(page).waitFor({ timeout: 20_000 });
}

const digits = (page: Page) => safetyNumber(page).evaluate((el) => el.textContent ?? "");

test("both see the same safety number; a new device of a verified contact is flagged and sending asks first", async () => {
  const { me, peer, dm } = await env.friends("ver_a", "ver_b");
  const ann = await env.browserAs(me);
  const ben = await env.browserAs(peer);
  let verified = "";

  await env.browsers.withFailureShots("verification", shot, async () => {
    await openDetails(ann, dm);
    await openDetails(ben, dm);
    // Both lists settle once each device has registered; then both screens agree.
    await expect.poll(async () => (await digits(ann)) === (await digits(ben)), { timeout: 20_000 }).toBe(true);
    expect(await digits(ann)).toMatch(/^\d{60}$/);
    expect(await ann.getByTestId("safety-qr").count()).toBe(1);

    await ann.getByRole("button", { name: "Mark as verified" }).click();
    expect(await ann.getByTestId("verified").textContent()).toBe(`You verified ${peer.name}`);
    verified = await digits(ann);
    // Both devices' lists were first seen here: that is no change, so the timeline has no notice.
    expect(await timeline(ann).getByTestId("device-change").count()).toBe(0);
  });
  expect(env.browsers.pageErrors).toEqual([]);

  await shootVariants(ann, "verification", async () => {
    await openDetails(ann, dm);
    await ann.getByTestId("verified").scrollIntoViewIfNeeded();
  });

  await env.browsers.withFailureShots("verification-changed", shot, async () => {
    await openConversation(ann, dm);
    // Ben signs in on a second browser: a new device of his in the directory.
    const benPhone = await env.browserAs(peer);
    const notice = ann.getByTestId("verify-changed");
    await notice.waitFor({ timeout: 30_000 });
    expect(await notice.textContent()).toContain(`${peer.name}'s devices changed since you verified them`);
    // The timeline says so where it happened, as text, with the way to the safety number.
    const change = timeline(ann).getByTestId("device-change");
    await change.waitFor({ timeout: 20_000 });
    expect(await change.textContent()).toContain(
      `${peer.name}'s devices changed (a new device). Safety number changed. You had verified ${peer.name}`,
    );

    await composer(ann).fill("Is this still you?");
    await composer(ann).press("Enter");
    const dialog = ann.getByRole("dialog", { name: `${peer.name}'s devices changed` });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Review" }).click();
    await safetyNumber(ann).waitFor();
    expect(await digits(ann)).not.toBe(verified);
    expect(await ann.getByTestId("e2e-panel").getByTestId("verify-changed").count()).toBe(1);

    await composer(ann).press("Enter");
    await dialog.getByRole("button", { name: "Send anyway" }).click();
    for (const page of [ben, benPhone]) {
      await openConversation(page, dm);
      await timeline(page).getByText("Is this still you?").waitFor({ timeout: 30_000 });
      // Ben's own new device is NewSignInNotice's; Ann's devices did not change.
      expect(await timeline(page).getByTestId("device-change").count()).toBe(0);
    }
  });
  expect(env.browsers.pageErrors).toEqual([]);

  // The notice is kept on Ann's device: it is there again after each reload for the language.
  await shootVariants(ann, "device-change-notice", async () => {
    await openConversation(ann, dm);
    const change = timeline(ann).getByTestId("device-change");
    await change.waitFor({ timeout: 20_000 });
    await change.scrollIntoViewIfNeeded();
  });
  expect(env.browsers.pageErrors).toEqual([]);

  await shootVariants(ann, "verification-changed", async () => {
    await openConversation(ann, dm);
    await ann.getByTestId("verify-changed").waitFor({ timeout: 20_000 });
    await composer(ann).fill("Are you sure?");
    await composer(ann).press("Enter");
    await ann.getByRole("dialog").waitFor();
  });
  expect(env.browsers.pageErrors).toEqual([]);
}, 240_000);

test("in a group: each member's safety number from the member list, the count, and a member's new device", async () => {
  const { me, peer, dm } = await env.friends("vg_a", "vg_b");
  const cat = await signUp(env.stack, "vg_c");
  await befriend(me, cat);
  const { group } = await me.social.createGroup("Verify club", [peer.user.id, cat.user.id]);
  for (const member of [peer, cat]) {
    const invitation = (await member.social.overview()).invitations.find((i) => i.group.id === group.id);
    if (!invitation) throw new Error("no invitation");
    await member.social.acceptInvitation(invitation.id);
  }
  const conversationId = groupConversationId(group.id);
  const ann = await env.browserAs(me);
  const ben = await env.browserAs(peer);
  await env.browserAs(cat); // a device of cat's in the directory
  const member = (page: Page, name: string) => page.getByTestId("member").filter({ hasText: name });
  const openGroupDetails = async () => {
    await ann.evaluate((id) => (window.location.hash = `#/group/${id}`), group.id);
    await member(ann, peer.name).getByTestId("verify-status").waitFor({ timeout: 20_000 });
  };

  await env.browsers.withFailureShots("group-verification", shot, async () => {
    await openGroupDetails();
    expect(await member(ann, peer.name).getByTestId("verify-status").textContent()).toBe("Not verified");
    await ann.getByRole("button", { name: `Safety number with ${peer.name}` }).click();
    const panel = ann.getByRole("region", { name: `Safety number with ${peer.name}` });
    await panel.getByTestId("safety-number").waitFor({ timeout: 20_000 });
    // The number in the group is the pair's: Ben sees the same one in his DM with Ann.
    await openDetails(ben, dm);
    await expect.poll(async () => (await digits(ann)) === (await digits(ben)), { timeout: 20_000 }).toBe(true);
    await panel.getByRole("button", { name: "Mark as verified" }).click();
    await expect.poll(() => member(ann, peer.name).getByTestId("verify-status").textContent()).toBe("Verified");
    expect(await ann.getByTestId("verified-count").textContent()).toBe("1 of 2 members verified");

    // The conversation's encryption details say the same, and the DM knows the mark too.
    await openConversation(ann, conversationId);
    await ann.getByTestId("e2e-lock").click();
    await expect
      .poll(() => ann.getByTestId("e2e-panel").getByTestId("verified-count").textContent(), { timeout: 20_000 })
      .toBe("1 of 2 members verified");
    await openDetails(ann, dm);
    expect(await ann.getByTestId("verified").textContent()).toBe(`You verified ${peer.name}`);
  });
  expect(env.browsers.pageErrors).toEqual([]);

  await shootVariants(ann, "group-encryption-details", async () => {
    await openConversation(ann, conversationId);
    await ann.getByTestId("e2e-lock").click();
    await ann.getByTestId("e2e-panel").getByTestId("verify-status").first().waitFor({ timeout: 20_000 });
  });
  expect(env.browsers.pageErrors).toEqual([]);

  await shootVariants(ann, "group-verification", async () => {
    await openGroupDetails();
    await ann.locator(`[data-verify-user="${peer.user.id}"]`).click();
    await ann.getByTestId("member-verification").getByTestId("safety-number").waitFor({ timeout: 20_000 });
  });
  expect(env.browsers.pageErrors).toEqual([]);

  await env.browsers.withFailureShots("group-verification-changed", shot, async () => {
    await openConversation(ann, conversationId);
    // Ben signs in on a second browser: the group's timeline names him, and sending asks first.
    const benPhone = await env.browserAs(peer);
    const flag = ann.getByTestId("verify-changed");
    await flag.waitFor({ timeout: 30_000 });
    expect(await flag.textContent()).toContain(`Devices changed since you verified them: ${peer.name}.`);
    const change = timeline(ann).getByTestId("device-change");
    await change.waitFor({ timeout: 20_000 });
    expect(await change.count()).toBe(1); // cat's and Ann's own devices did not change
    expect(await change.textContent()).toContain(`${peer.name}'s devices changed (a new device).`);

    await composer(ann).fill("Everyone still here?");
    await composer(ann).press("Enter");
    const dialog = ann.getByRole("dialog", { name: "Devices changed in this group" });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Send anyway" }).click();
    await openConversation(benPhone, conversationId);
    await timeline(benPhone).getByText("Everyone still here?").waitFor({ timeout: 30_000 });
  });
  expect(env.browsers.pageErrors).toEqual([]);

  await shootVariants(ann, "group-device-change", async () => {
    await openConversation(ann, conversationId);
    await ann.getByTestId("verify-changed").waitFor({ timeout: 20_000 });
    await timeline(ann).getByTestId("device-change").scrollIntoViewIfNeeded();
  });
  expect(env.browsers.pageErrors).toEqual([]);
}, 300_000);
