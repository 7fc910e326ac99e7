// The history backup's UI on a device that holds the key (another device asks it), the locked
// placeholder of a message this device cannot read, and the Chinese text; over the fake
// HistoryBackupApi of backup-test-support.ts.
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, test } from "vitest";
import { ChatScreen } from "./ChatScreen.js";
import { ConversationView } from "./ConversationView.js";
import { HistoryBackupSettings } from "./HistoryBackupSettings.js";
import { IncomingApprovals } from "./IncomingApprovals.js";
import { listDevices, withBackup } from "./backup-test-support.js";
import { BOB, DM_BOB, ME, chatHarness, dmSummary, encrypted, renderChat, settle, text } from "./test-support.js";

beforeEach(() => sessionStorage.clear());

async function oldDevice() {
  const h = await chatHarness();
  listDevices(h, [
    { deviceId: "here", name: "Chromium on Linux" },
    { deviceId: "new", name: "Firefox on Android" },
  ]);
  const backup = withBackup(h);
  await renderChat(<IncomingApprovals />, h);
  return { h, backup, user: userEvent.setup() };
}

const incomingDialog = () => screen.getByRole("alertdialog", { name: "Message history request" });

describe("another device asks for the history", () => {
  test("compare codes, then confirm: the match is never the focused button", async () => {
    const { backup, user } = await oldDevice();
    expect(screen.queryByRole("alertdialog")).toBeNull();
    backup.set({ incoming: [{ requestId: "q1", deviceId: "new", state: "asked" }] });
    await settle();
    const dialog = incomingDialog();
    expect(dialog.textContent).toMatch(/A new sign-in, Firefox on Android, asks for your message history\./);
    const compare = within(dialog).getByRole("button", { name: "Compare codes" });
    expect(document.activeElement).toBe(compare);
    await user.click(compare);
    expect(backup.calls).toEqual(["compare:q1"]);
    expect(dialog.textContent).toMatch(/Connecting to Firefox on Android…/);
    expect(dialog.contains(document.activeElement)).toBe(true);

    backup.set({ incoming: [{ requestId: "q1", deviceId: "new", state: "comparing", code: "314 159" }] });
    expect(within(dialog).getByTestId("backup-code").textContent).toBe("314 159");
    expect(dialog.textContent).toMatch(/Does Firefox on Android show this code\?/);
    const match = within(dialog).getByRole("button", { name: "The codes match" });
    // Focus rests on the code: Enter presses nothing until the user picks an answer.
    expect(document.activeElement).toBe(within(dialog).getByTestId("backup-code"));
    expect(match.getAttribute("type")).toBe("button");
    expect(dialog.querySelector("[type=submit]")).toBeNull();
    await user.keyboard("{Enter}");
    expect(backup.calls).toEqual(["compare:q1"]);

    await user.click(match);
    await settle();
    expect(backup.calls).toEqual(["compare:q1", "confirm:q1"]);
    expect(dialog.textContent).toMatch(/Firefox on Android can read your message history now\./);
    await user.click(within(dialog).getByRole("button", { name: "Dismiss" }));
    expect(backup.calls).toEqual(["compare:q1", "confirm:q1", "dismiss:q1"]);
    expect(screen.queryByRole("alertdialog")).toBeNull();
  });

  test("not me, they differ and Escape decline; an open request comes before a finished one", async () => {
    const { backup, user } = await oldDevice();
    backup.set({
      incoming: [
        { requestId: "done", deviceId: "new", state: "approved" },
        { requestId: "q2", deviceId: "unknown-id", state: "asked" },
      ],
    });
    await settle();
    expect(incomingDialog().textContent).toMatch(/A new sign-in, unknown-id, asks/);
    await user.click(screen.getByRole("button", { name: "Not me, ignore" }));
    expect(backup.calls).toEqual(["decline:q2"]);
    // Declined: says what to do if it was not the user, until dismissed; then the finished one.
    expect(incomingDialog().textContent).toMatch(/unknown-id did not get your history\. If you did not sign in there/);
    await user.keyboard("{Escape}");
    expect(backup.calls).toEqual(["decline:q2", "dismiss:q2"]);
    expect(incomingDialog().textContent).toMatch(/Firefox on Android can read your message history now/);
    await user.keyboard("{Escape}");

    backup.set({ incoming: [{ requestId: "q3", deviceId: "new", state: "comparing", code: "271 828" }] });
    await user.click(screen.getByRole("button", { name: "They differ" }));
    backup.set({ incoming: [{ requestId: "q4", deviceId: "new", state: "comparing", code: "161 803" }] });
    await user.keyboard("{Escape}");
    expect(backup.calls.slice(3)).toEqual(["decline:q3", "decline:q4"]);

    backup.set({ incoming: [{ requestId: "q5", deviceId: "new", state: "failed" }] });
    expect(incomingDialog().textContent).toMatch(/did not prove it is the device that asked, so nothing was sent/);
  });
});

describe("a message this device could not read", () => {
  test("says how to read it while the history is locked, and what it said before otherwise", async () => {
    const last = encrypted(text(2, ME.id, ""), "unavailable");
    const entries = [encrypted(text(1, BOB.id, ""), "unavailable"), last];
    const h = await chatHarness((c) => {
      c.commands["chat.conversations"] = () => ({ conversations: [dmSummary(BOB, 2, last.ts, 0, last)] });
      c.commands["chat.history"] = () => ({ conversationId: DM_BOB, entries, lastSeq: 2, visibleFromSeq: 0 });
    });
    const backup = withBackup(h);
    backup.status = { kind: "locked", passphrase: false };
    await renderChat(<ConversationView conversationId={DM_BOB} />, h);
    await settle();
    const locked = "Sent before this device could read it. Approve this device to read your history.";
    expect(screen.getAllByText(locked)).toHaveLength(2);
    expect(screen.getByTestId("backup-banner")).toBeTruthy();
    backup.set({ status: { kind: "ready", version: 1, passphrase: false } });
    expect(screen.queryByText(locked)).toBeNull();
    expect(screen.getAllByText("Encrypted message, not available on this device.")).toHaveLength(2);
  });
});

describe("in Chinese", () => {
  test("Settings, the banner and a request read in Chinese", async () => {
    const h = await chatHarness();
    listDevices(h, [{ deviceId: "new", name: "Firefox on Android" }]);
    const backup = withBackup(h);
    backup.status = { kind: "locked", passphrase: true };
    await renderChat(
      <>
        <HistoryBackupSettings />
        <ChatScreen conversationId={undefined} />
        <IncomingApprovals />
      </>,
      h,
      "zh-CN",
    );
    expect(screen.getByText("消息历史备份")).toBeTruthy();
    expect(screen.getByTestId("backup-status").textContent).toMatch(/^你的历史在此设备上已锁定/);
    const banner = screen.getByTestId("backup-banner");
    expect(banner.textContent).toMatch(/在你于此登录之前发送的消息在此设备上已锁定。/);
    expect(within(banner).getByRole("button", { name: "输入恢复口令" })).toBeTruthy();
    expect(within(banner).getByRole("button", { name: "从另一台设备批准" })).toBeTruthy();

    backup.set({ incoming: [{ requestId: "q1", deviceId: "new", state: "comparing", code: "123 456" }] });
    await settle();
    const dialog = screen.getByRole("alertdialog", { name: "消息历史请求" });
    expect(dialog.textContent).toMatch(/Firefox on Android 显示的是这个验证码吗？/);
    expect(within(dialog).getByRole("button", { name: "验证码一致" })).toBeTruthy();
    expect(within(dialog).getByRole("img", { name: "验证码：1 2 3, 4 5 6" })).toBeTruthy();
  });
});
