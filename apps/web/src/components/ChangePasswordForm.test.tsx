import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import { KEY_A, createHarness, renderWith } from "../test/fakes.js";
import { ChangePasswordForm } from "./ChangePasswordForm.js";

async function change(language: "en" | "zh-CN", labels: [string, string, string], submit: string): Promise<string> {
  const h = createHarness({ pinned: KEY_A });
  renderWith(<ChangePasswordForm username="alice" />, h, language);
  const user = userEvent.setup();
  await user.type(screen.getByLabelText(labels[0]), "old passphrase");
  await user.type(screen.getByLabelText(labels[1]), "a new passphrase");
  await user.type(screen.getByLabelText(labels[2]), "a new passphrase");
  await user.click(screen.getByRole("button", { name: submit }));
  expect(h.client.calls).toContain("changePassword");
  return (await screen.findByTestId("change-password-done")).textContent ?? "";
}

describe("ChangePasswordForm", () => {
  test("says the other devices and this browser's other tabs were signed out", async () => {
    const done = await change("en", ["Current password", "New password", "Confirm new password"], "Change password");
    expect(done).toBe("Password changed. Your other devices and your other tabs in this browser were signed out.");
  });

  test("says it in Chinese too", async () => {
    const done = await change("zh-CN", ["当前密码", "新密码", "确认新密码"], "修改密码");
    expect(done).toContain("其他标签页");
  });
});
