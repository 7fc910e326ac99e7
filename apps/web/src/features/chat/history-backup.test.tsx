// The history backup's UI on the device that asks (the new one) and in Settings, over a fake
// HistoryBackupApi (backup-test-support.ts) that the test moves from state to state; the SDK's
// HistoryBackup is tested against the services. The rest of the chat is the real ChatStore over
// the fake client at the SDK boundary.
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, test } from "vitest";
import { HistoryBackupSettings } from "./HistoryBackupSettings.js";
import { ChatScreen } from "./ChatScreen.js";
import { type FakeHistoryBackup, listDevices, withBackup } from "./backup-test-support.js";
import { chatHarness, renderChat, settle } from "./test-support.js";

beforeEach(() => sessionStorage.clear());

async function settingsWith(status: FakeHistoryBackup["status"]) {
  const h = await chatHarness();
  const backup = withBackup(h);
  backup.status = status;
  await renderChat(<HistoryBackupSettings />, h);
  return { h, backup, user: userEvent.setup() };
}

describe("Settings: the recovery passphrase", () => {
  test("after a rotation (version 2, no passphrase) it says why the passphrase is gone", async () => {
    await settingsWith({ kind: "ready", version: 2, passphrase: false });
    expect(screen.getByText(/The backup key was replaced when a device was signed out/)).toBeTruthy();
    expect(screen.getByRole("button", { name: "Set passphrase" })).toBeTruthy();
  });

  test("too short and mismatched are refused in the form; a good one is set and said so", async () => {
    const { backup, user } = await settingsWith({ kind: "ready", version: 1, passphrase: false });
    expect(screen.getByTestId("backup-status").textContent).toBe(
      "This device holds the backup key: your earlier messages can be read here.",
    );
    await user.click(screen.getByRole("button", { name: "Set passphrase" }));
    const field = screen.getByLabelText("Recovery passphrase");
    expect(document.activeElement).toBe(field);
    expect(screen.getByText(/cannot be recovered: not by us, not by anyone/)).toBeTruthy();

    await user.type(field, "eleven char");
    expect(screen.getByText(/At least 12 characters \(11 so far\)/)).toBeTruthy();
    await user.type(screen.getByLabelText("Confirm recovery passphrase"), "eleven char");
    await user.click(screen.getByRole("button", { name: "Set passphrase" }));
    expect(screen.getByText("Use at least 12 characters.")).toBeTruthy();
    expect(document.activeElement).toBe(field);

    await user.type(field, "s!");
    expect(screen.getByText(/\(13 so far\)/)).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Set passphrase" }));
    expect(screen.getByText("The passphrases do not match.")).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText("Confirm recovery passphrase"));
    expect(backup.calls).toEqual([]);

    // Show/hide: the passphrase can be read back before it is saved.
    await user.click(screen.getByRole("button", { name: "Show Recovery passphrase" }));
    expect(field.getAttribute("type")).toBe("text");

    await user.type(screen.getByLabelText("Confirm recovery passphrase"), "s!");
    await user.click(screen.getByRole("button", { name: "Set passphrase" }));
    await settle();
    expect(backup.calls).toEqual(["setPassphrase:eleven chars!"]);
    expect(screen.getByTestId("backup-done").textContent).toBe("Recovery passphrase saved.");
    expect(screen.queryByLabelText("Recovery passphrase")).toBeNull();
    expect(screen.getByText(/^Set\. It unlocks your history/)).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Change" }));
  });

  test("a passphrase the SDK finds too common is refused with a sentence; Remove asks first", async () => {
    const { backup, user } = await settingsWith({ kind: "ready", version: 1, passphrase: true });
    await user.click(screen.getByRole("button", { name: "Change" }));
    await user.type(screen.getByLabelText("Recovery passphrase"), "password1234");
    await user.type(screen.getByLabelText("Confirm recovery passphrase"), "password1234");
    await user.click(screen.getByRole("button", { name: "Change passphrase" }));
    expect((await screen.findByTestId("backup-form-error")).textContent).toMatch(/too easy to guess/);
    await user.click(screen.getByRole("button", { name: "Cancel" }));

    await user.click(screen.getByRole("button", { name: "Remove" }));
    expect(screen.getByText(/can then only be unlocked by one of your signed-in devices/)).toBeTruthy();
    expect(backup.calls).toEqual(["setPassphrase:password1234"]);
    await user.click(screen.getByRole("button", { name: "Remove passphrase" }));
    await settle();
    expect(backup.calls).toEqual(["setPassphrase:password1234", "removePassphrase"]);
    expect(screen.getByTestId("backup-done").textContent).toBe("Recovery passphrase removed.");
    expect(screen.getByRole("button", { name: "Set passphrase" })).toBeTruthy();
  });

  test("locked: the ways to unlock instead of the passphrase row, the passphrase only when one is set", async () => {
    const { backup } = await settingsWith({ kind: "locked", passphrase: false });
    expect(screen.getByTestId("backup-status").textContent).toMatch(/^Your history is locked on this device/);
    expect(screen.getByRole("button", { name: "Approve from another device" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Unlock with passphrase" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Set passphrase" })).toBeNull();
    backup.set({ status: { kind: "locked", passphrase: true } });
    expect(screen.getByRole("button", { name: "Unlock with passphrase" })).toBeTruthy();
  });
});

async function chatWith(status: FakeHistoryBackup["status"]) {
  const h = await chatHarness();
  listDevices(h, [
    { deviceId: "here", name: "Chromium on Linux" },
    { deviceId: "phone", name: "Safari on iPhone" },
  ]);
  const backup = withBackup(h);
  backup.status = status;
  const view = await renderChat(<ChatScreen conversationId={undefined} />, h);
  return { h, backup, view, user: userEvent.setup() };
}

const banner = () => screen.queryByTestId("backup-banner");
const shownBanner = () => screen.getByTestId("backup-banner");

describe("the locked-history banner", () => {
  test("shows only while locked; the passphrase action only when one is set; dismissed for the session", async () => {
    const { backup, view, user } = await chatWith({ kind: "loading" });
    expect(banner()).toBeNull();
    backup.set({ status: { kind: "ready", version: 1, passphrase: false } });
    expect(banner()).toBeNull();
    backup.set({ status: { kind: "locked", passphrase: false } });
    expect(shownBanner().textContent).toMatch(/Messages sent before you signed in here are locked on this device\./);
    expect(within(shownBanner()).queryByRole("button", { name: "Enter recovery passphrase" })).toBeNull();
    backup.set({ status: { kind: "locked", passphrase: true } });
    expect(within(shownBanner()).getByRole("button", { name: "Enter recovery passphrase" })).toBeTruthy();

    await user.click(within(shownBanner()).getByRole("button", { name: "Dismiss" }));
    expect(banner()).toBeNull();
    view.unmount();
    const again = await chatWith({ kind: "locked", passphrase: true });
    expect(banner()).toBeNull();
    again.view.unmount();
  });

  test("approve: waiting, the code to compare with the other device's name, approved; Cancel stops asking", async () => {
    const { backup, user } = await chatWith({ kind: "locked", passphrase: false });
    const approve = within(shownBanner()).getByRole("button", { name: "Approve from another device" });
    await user.click(approve);
    expect(backup.calls).toEqual(["requestApproval"]);
    const dialog = screen.getByRole("dialog", { name: "Approve this device" });
    const state = within(dialog).getByTestId("backup-approve-state");
    expect(state.getAttribute("aria-live")).toBe("polite");
    expect(state.textContent).toMatch(/^Open Sealroom on a device where you are signed in/);
    expect(dialog.contains(document.activeElement)).toBe(true);

    backup.set({ outgoing: { requestId: "r1", state: "comparing", code: "123 456", deviceId: "phone" } });
    await settle();
    expect(within(dialog).getByTestId("backup-code").textContent).toBe("123 456");
    expect(within(dialog).getByRole("img", { name: "Code: 1 2 3, 4 5 6" })).toBeTruthy();
    expect(state.textContent).toMatch(/Safari on iPhone answered\./);
    expect(state.textContent).toMatch(/Check that your other device shows the same code, then confirm there\./);

    backup.set({
      status: { kind: "ready", version: 1, passphrase: false },
      outgoing: { requestId: "r1", state: "approved", deviceId: "phone" },
    });
    // The banner is gone with "locked"; the dialog stays to say it worked.
    expect(banner()).toBeNull();
    expect(state.textContent).toBe("History unlocked. Your earlier messages can be read on this device now.");
    await user.click(within(dialog).getByRole("button", { name: "Done" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(backup.calls).toEqual(["requestApproval"]);
  });

  test("approve: declined and failed offer another try; Cancel and Escape stop the ask", async () => {
    const { backup, user } = await chatWith({ kind: "locked", passphrase: false });
    await user.click(screen.getByRole("button", { name: "Approve from another device" }));
    backup.set({ outgoing: { requestId: "r1", state: "declined", deviceId: "gone" } });
    const dialog = screen.getByRole("dialog", { name: "Approve this device" });
    // An id the device list does not know names itself.
    expect(dialog.textContent).toMatch(/gone declined\. Nothing was unlocked\./);
    await user.click(within(dialog).getByRole("button", { name: "Try again" }));
    expect(dialog.textContent).toMatch(/Open Sealroom/);
    backup.set({ outgoing: { requestId: "r2", state: "failed" } });
    expect(dialog.textContent).toMatch(/did not check out, so nothing was unlocked/);
    await user.click(within(dialog).getByRole("button", { name: "Try again" }));
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Approve from another device" }));

    await user.click(screen.getByRole("button", { name: "Approve from another device" }));
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(backup.calls).toEqual([
      "requestApproval",
      "requestApproval",
      "requestApproval",
      "cancelApproval",
      "requestApproval",
      "cancelApproval",
    ]);
  });

  test("passphrase: a wrong one is said so; busy while it is checked; the right one unlocks", async () => {
    const { backup, user } = await chatWith({ kind: "locked", passphrase: true });
    await user.click(screen.getByRole("button", { name: "Enter recovery passphrase" }));
    const dialog = screen.getByRole("dialog", { name: "Enter recovery passphrase" });
    const field = within(dialog).getByLabelText("Recovery passphrase");
    expect(document.activeElement).toBe(field);
    await user.click(within(dialog).getByRole("button", { name: "Unlock" }));
    expect(within(dialog).getByText("Type your recovery passphrase.")).toBeTruthy();

    let answer: (ok: boolean) => void = () => undefined;
    backup.unlockImpl = () => new Promise((resolve) => (answer = resolve));
    await user.type(field, "wrong horse{Enter}");
    expect(within(dialog).getByRole("button", { name: "Unlocking…" })).toHaveProperty("disabled", true);
    expect(within(dialog).getByText("Checking the passphrase…")).toBeTruthy();
    await settle();
    answer(false);
    await settle();
    expect(within(dialog).getByText("That is not your recovery passphrase. Check it and try again.")).toBeTruthy();
    expect(document.activeElement).toBe(field);

    backup.unlockImpl = async (p) => p === "correct horse battery";
    await user.clear(field);
    await user.type(field, "correct horse battery{Enter}");
    await settle();
    expect(backup.calls).toEqual(["unlock:wrong horse", "unlock:correct horse battery"]);
    expect(within(dialog).getByRole("status").textContent).toMatch(/^History unlocked/);
    expect(banner()).toBeNull();
    await user.click(within(dialog).getByRole("button", { name: "Done" }));
    expect(screen.queryByRole("dialog")).toBeNull();
  });
});
