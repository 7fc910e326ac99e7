import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test, vi } from "vitest";
import { HOST, KEY_A, KEY_B, createHarness, renderWith } from "../test/fakes.js";
import { KeyChangedScreen, confirmsKey } from "./KeyChangedScreen.js";

const fp = (hex: string) => hex.match(/.{4}/g)!.join(":");

function setup(onTrust = vi.fn(async () => undefined), language: "en" | "zh-CN" = "en") {
  const h = createHarness({ pinned: KEY_A });
  renderWith(<KeyChangedScreen host={HOST} expected={KEY_A} actual={KEY_B} onTrust={onTrust} />, h, language);
  return { onTrust, user: userEvent.setup() };
}

describe("KeyChangedScreen", () => {
  test("a loud heading, focused, naming the host", () => {
    setup();
    const heading = screen.getByRole("heading", { level: 1, name: "The server's key has changed" });
    expect(document.activeElement).toBe(heading);
    expect(screen.getByText(new RegExp(`presented by ${HOST}`))).toBeTruthy();
  });

  test("shows both fingerprints in full", () => {
    setup();
    expect(screen.getByTestId("key-expected").textContent).toBe(fp(KEY_A).replaceAll(":", ""));
    expect(screen.getByTestId("key-actual").textContent).toBe(fp(KEY_B).replaceAll(":", ""));
    expect(screen.getByTestId("key-expected").getAttribute("aria-label")).toContain(fp(KEY_A));
    expect(screen.getByTestId("key-actual").getAttribute("aria-label")).toContain(fp(KEY_B));
  });

  test("offers no way to sign in: no username or password field", () => {
    const { container } = renderWithout();
    expect(container.querySelector('input[type="password"]')).toBeNull();
    expect(container.querySelector('input[autocomplete="username"]')).toBeNull();
    expect(screen.queryByRole("button", { name: /sign in/i })).toBeNull();
  });

  test("accepting the new key takes typing the start of its fingerprint", async () => {
    const { onTrust, user } = setup();
    await user.click(screen.getByText("I verified the new key with the operator"));
    const input = screen.getByLabelText("First 8 characters of the new fingerprint");
    const trust = screen.getByRole("button", { name: "Trust the new key and reconnect" });
    expect((trust as HTMLButtonElement).disabled).toBe(true);

    await user.type(input, KEY_A.slice(0, 8)); // the OLD key's start does not count
    expect((trust as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText("That does not match the new fingerprint.")).toBeTruthy();

    await user.clear(input);
    await user.type(input, KEY_B.slice(0, 4).toUpperCase() + ":" + KEY_B.slice(4, 8));
    expect((trust as HTMLButtonElement).disabled).toBe(false);
    await user.click(trust);
    await waitFor(() => expect(onTrust).toHaveBeenCalledTimes(1));
  });

  test("works from the keyboard alone", async () => {
    const { onTrust, user } = setup();
    // Tab to the disclosure (past the language switch), open it, type, submit with Enter.
    let guard = 0;
    while (
      !(document.activeElement instanceof HTMLElement && document.activeElement.tagName === "SUMMARY") &&
      guard++ < 10
    )
      await user.tab();
    await user.keyboard("{Enter}");
    await user.tab();
    await user.keyboard(KEY_B.slice(0, 8));
    await user.keyboard("{Enter}");
    await waitFor(() => expect(onTrust).toHaveBeenCalledTimes(1));
  });

  test("is translated", () => {
    setup(undefined, "zh-CN");
    expect(screen.getByRole("heading", { level: 1, name: "服务器密钥已变更" })).toBeTruthy();
  });

  test("confirmsKey ignores case, colons and spaces, and wants exactly 8 characters", () => {
    expect(confirmsKey("C0FF EE00", KEY_B)).toBe(true);
    expect(confirmsKey("c0ff:ee00", KEY_B)).toBe(true);
    expect(confirmsKey("c0ffee0", KEY_B)).toBe(false);
    expect(confirmsKey("c0ffee001", KEY_B)).toBe(false);
  });
});

function renderWithout() {
  const h = createHarness({ pinned: KEY_A });
  return renderWith(
    <KeyChangedScreen host={HOST} expected={KEY_A} actual={KEY_B} onTrust={async () => undefined} />,
    h,
  );
}
