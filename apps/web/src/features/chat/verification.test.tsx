/**
 * A DM's verification in the encryption details panel: the safety number from both users' device
 * keys (the real engine registers this device's key; bob's keys are the directory's), the verified
 * mark kept on the device, and the warning plus confirm-before-send when bob's devices change.
 */
import { act, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { randomBytes } from "node:crypto";
import { beforeEach, describe, expect, test, vi } from "vitest";
import { ConversationView } from "./ConversationView.js";
import { safetyGroups, safetyNumber } from "./safety-number.js";
import { BOB, DM_BOB, ME, chatHarness, dmSummary, encrypted, renderChat, settle, text } from "./test-support.js";

const key = () => randomBytes(32).toString("base64url");
const device = (userId: number, signatureKey: string, deviceId: string) => ({
  deviceId,
  userId,
  signatureKey,
  name: "Browser",
  createdAt: 1,
  lastActiveAt: 2,
});

async function dmWithBob(bobKeys: string[]) {
  const h = await chatHarness(
    (c) => {
      const last = encrypted(text(1, BOB.id, "hi"), "decrypted");
      c.commands["chat.conversations"] = () => ({ conversations: [dmSummary(BOB, 1, last.ts, 0, last)] });
      c.commands["chat.history"] = () => ({ conversationId: DM_BOB, entries: [last], lastSeq: 1, visibleFromSeq: 0 });
    },
    { e2e: true },
  );
  const myKey = () => String(h.client.bodies("auth.keys.registerDevice")[0]?.signatureKey);
  // This device is in the directory from its registration on (the engine's first step).
  await vi.waitFor(() => expect(h.client.bodies("auth.keys.registerDevice")).toHaveLength(1), { timeout: 10_000 });
  h.client.commands["auth.keys.devices"] = (b) => ({
    devices:
      b.userId === ME.id ? [device(ME.id, myKey(), "device-1")] : bobKeys.map((k, i) => device(BOB.id, k, `bob-${i}`)),
  });
  return { h, myKey };
}

async function openPanel() {
  const user = userEvent.setup();
  await user.click(screen.getByRole("button", { name: "End-to-end encrypted: Encryption details" }));
  return { user, panel: screen.getByRole("region", { name: "End-to-end encrypted" }) };
}

beforeEach(() => localStorage.clear());

describe("verifying a contact", () => {
  test("the panel shows the pair's safety number as digits and a QR code, and keeps the verified mark", async () => {
    const bobKeys = [key(), key()];
    const { h, myKey } = await dmWithBob(bobKeys);
    await renderChat(<ConversationView conversationId={DM_BOB} />, h);
    await settle();
    const { user, panel } = await openPanel();
    const digits = await within(panel).findByTestId("safety-number", {}, { timeout: 10_000 });
    // What bob's device computes from its side (arguments swapped, keys in another order).
    const expected = await safetyNumber(
      { userId: BOB.id, signatureKeys: [...bobKeys].reverse() },
      { userId: ME.id, signatureKeys: [myKey()] },
    );
    expect([...digits.querySelectorAll(".safety-group")].map((g) => g.textContent)).toEqual(safetyGroups(expected));
    expect(digits.getAttribute("aria-label")).toBe(`Safety number: ${safetyGroups(expected).join(" ")}`);
    const qr = within(panel).getByRole("img", { name: "Safety number as a QR code" });
    expect(qr.querySelector("path")?.getAttribute("d")).toMatch(/^M\d+ \d+h1v1h-1z/);

    await user.click(within(panel).getByRole("button", { name: "Mark as verified" }));
    expect(within(panel).getByTestId("verified").textContent).toBe("You verified bob");
    expect(JSON.parse(localStorage.getItem(`sealroom.verified.${ME.id}.${BOB.id}`)!).keys).toHaveLength(2);

    await user.click(within(panel).getByRole("button", { name: "Remove verification" }));
    expect(within(panel).queryByTestId("verified")).toBeNull();
    expect(localStorage.getItem(`sealroom.verified.${ME.id}.${BOB.id}`)).toBeNull();
    within(panel).getByRole("button", { name: "Mark as verified" });
  });

  test("bob's devices changing after verification flags him and makes sending ask first", async () => {
    const bobKeys = [key()];
    const { h } = await dmWithBob(bobKeys);
    await renderChat(<ConversationView conversationId={DM_BOB} />, h);
    await settle();
    const { user, panel } = await openPanel();
    await user.click(await within(panel).findByRole("button", { name: "Mark as verified" }, { timeout: 10_000 }));
    const before = within(panel).getByTestId("safety-number").textContent;
    await user.keyboard("{Escape}");

    // Bob signs in on a new browser: the directory lists a second device and says so.
    bobKeys.push(key());
    h.event("auth.keys.devices.changed.v1", { userId: BOB.id });
    const notice = await screen.findByTestId("verify-changed", {}, { timeout: 10_000 });
    expect(notice.textContent).toContain("bob's devices changed since you verified them");

    const box = screen.getByRole("textbox", { name: "Message bob" });
    await user.type(box, "are you there?{Enter}");
    const dialog = screen.getByRole("dialog", { name: "bob's devices changed" });
    expect(within(dialog).getByText(/a device was added, removed or replaced/)).toBeTruthy();
    expect(screen.queryByText("are you there?", { selector: ".message *" })).toBeNull();

    // Review: nothing is sent, the panel opens on the new number with the warning.
    await user.click(within(dialog).getByRole("button", { name: "Review" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    const reopened = screen.getByRole("region", { name: "End-to-end encrypted" });
    expect(within(reopened).getByTestId("verify-changed")).toBeTruthy();
    expect(within(reopened).getByTestId("safety-number").textContent).not.toBe(before);
    expect((box as HTMLTextAreaElement).value).toBe("are you there?");

    // Send anyway: this message goes; the flag stays until verified again.
    box.focus();
    await user.keyboard("{Enter}");
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Send anyway" }));
    expect((box as HTMLTextAreaElement).value).toBe("");
    await screen.findByText("are you there?", {}, { timeout: 5_000 });
    expect(screen.getAllByTestId("verify-changed").length).toBeGreaterThan(0);

    // Verified again for the new devices: no warning, and sending no longer asks.
    await user.click(within(reopened).getByRole("button", { name: "Verify again" }));
    expect(screen.queryByTestId("verify-changed")).toBeNull();
    await user.type(box, "hello again{Enter}");
    expect(screen.queryByRole("dialog")).toBeNull();
    await act(() => Promise.resolve());
  });

  test("removing the verification dismisses the warning", async () => {
    const bobKeys = [key()];
    const { h } = await dmWithBob(bobKeys);
    await renderChat(<ConversationView conversationId={DM_BOB} />, h);
    await settle();
    const { user, panel } = await openPanel();
    await user.click(await within(panel).findByRole("button", { name: "Mark as verified" }, { timeout: 10_000 }));
    bobKeys[0] = key(); // bob's device replaced
    h.event("auth.keys.devices.changed.v1", { userId: BOB.id });
    await within(panel).findByTestId("verify-changed", {}, { timeout: 10_000 });
    await user.click(within(panel).getByRole("button", { name: "Remove verification" }));
    expect(screen.queryByTestId("verify-changed")).toBeNull();
    within(panel).getByRole("button", { name: "Mark as verified" });
    await user.type(screen.getByRole("textbox", { name: "Message bob" }), "hi{Enter}");
    expect(screen.queryByRole("dialog")).toBeNull();
  });
});

describe("the timeline notice when bob's devices change", () => {
  const bobDevice = (k: string, i: number) => ({ ...device(BOB.id, k, `bob-${i}`), createdAt: Date.now() });

  test("none for the first list seen or the user's own devices; one per change after, kept over a reload", async () => {
    const bobKeys = [key()];
    const { h } = await dmWithBob(bobKeys);
    const bobList = bobKeys.map(bobDevice);
    const answer = h.client.commands["auth.keys.devices"]!;
    h.client.commands["auth.keys.devices"] = (b) =>
      b.userId === BOB.id ? { devices: bobList } : (answer(b) as { devices: unknown[] });
    const first = await renderChat(<ConversationView conversationId={DM_BOB} />, h);
    await settle();
    await vi.waitFor(() => expect(localStorage.getItem(`sealroom.contactDevices.${ME.id}.${BOB.id}`)).not.toBeNull());
    expect(screen.queryByTestId("device-change")).toBeNull();

    // The user's own devices changing is NewSignInNotice's business, not this timeline's.
    h.event("auth.keys.devices.changed.v1", { userId: ME.id });
    await settle();
    expect(screen.queryByTestId("device-change")).toBeNull();

    // Bob signs in on a second browser.
    bobList.push(bobDevice(key(), 1));
    h.event("auth.keys.devices.changed.v1", { userId: BOB.id });
    const notice = await screen.findByTestId("device-change", {}, { timeout: 10_000 });
    expect(within(notice).getByText(/devices changed/).textContent).toBe(
      "bob's devices changed (a new device). Safety number changed.",
    );
    // It is a line of the timeline, after bob's message, read in order with it. Both are looked up
    // again until they agree: the timeline may still re-render the line it was first found in.
    await vi.waitFor(() => {
      const placed = within(screen.getByRole("log", { name: "Messages" })).getByTestId("device-change");
      expect(screen.getByText("hi").compareDocumentPosition(placed) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    });

    // Bob's first browser is signed out: a second notice, after the first.
    bobList.shift();
    h.event("auth.keys.devices.changed.v1", { userId: BOB.id });
    await vi.waitFor(() => expect(screen.getAllByTestId("device-change")).toHaveLength(2), { timeout: 10_000 });
    expect(screen.getAllByTestId("device-change").map((n) => n.dataset.kind)).toEqual(["added", "removed"]);

    // The button opens the encryption details at the safety number.
    const user = userEvent.setup();
    await user.click(
      within(screen.getAllByTestId("device-change")[1]!).getByRole("button", { name: "View safety number" }),
    );
    const panel = screen.getByRole("region", { name: "End-to-end encrypted" });
    await within(panel).findByTestId("safety-number", {}, { timeout: 10_000 });

    // A reload: the notices are the device's own record, not asked of anyone again.
    first.unmount();
    await renderChat(<ConversationView conversationId={DM_BOB} />, h);
    await settle();
    await vi.waitFor(() => expect(screen.getAllByTestId("device-change")).toHaveLength(2), { timeout: 10_000 });
  });

  test("for a verified contact the notice says so, alongside the changed flag", async () => {
    const bobKeys = [key()];
    const { h } = await dmWithBob(bobKeys);
    await renderChat(<ConversationView conversationId={DM_BOB} />, h);
    await settle();
    const { user, panel } = await openPanel();
    await user.click(await within(panel).findByRole("button", { name: "Mark as verified" }, { timeout: 10_000 }));
    await user.keyboard("{Escape}");
    bobKeys[0] = key(); // bob's device replaced
    h.event("auth.keys.devices.changed.v1", { userId: BOB.id });
    const notice = await screen.findByTestId("device-change", {}, { timeout: 10_000 });
    expect(notice.dataset.kind).toBe("replaced");
    expect(notice.textContent).toContain("You had verified bob: compare the safety number again.");
    expect(screen.getByTestId("verify-changed").textContent).toContain("bob's devices changed since you verified them");
  });
});
