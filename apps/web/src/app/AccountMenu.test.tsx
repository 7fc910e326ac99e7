import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, test } from "vitest";
import { KEY_A, createHarness, renderWith } from "../test/fakes.js";
import { AccountMenu } from "./AccountMenu.js";

const names = () => screen.getAllByRole("menuitem").map((item) => item.textContent);

describe("AccountMenu", () => {
  afterEach(() => (window.location.hash = ""));

  test("a menu button: Down opens it on Profile, arrows wrap, Escape closes back on the button", async () => {
    const user = userEvent.setup();
    renderWith(<AccountMenu username="alice" shown="Alice" hasProfile />, createHarness({ pinned: KEY_A }));
    const button = screen.getByRole("button", { name: "Account menu, signed in as Alice" });
    expect(button.getAttribute("aria-haspopup")).toBe("menu");
    expect(button.getAttribute("aria-expanded")).toBe("false");
    button.focus();
    await user.keyboard("{ArrowDown}");
    expect(button.getAttribute("aria-expanded")).toBe("true");
    expect(screen.getByRole("menu", { name: "Account menu, signed in as Alice" })).toBeTruthy();
    expect(names()).toEqual(["Profile", "Settings", "Sign out"]);
    expect(document.activeElement?.textContent).toBe("Profile");
    await user.keyboard("{ArrowUp}");
    expect(document.activeElement?.textContent).toBe("Sign out");
    await user.keyboard("{ArrowDown}{ArrowDown}");
    expect(document.activeElement?.textContent).toBe("Settings");
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("menu")).toBeNull();
    expect(document.activeElement).toBe(button);
  });

  test("Settings goes to the settings page; without profiles there is no Profile item", async () => {
    const user = userEvent.setup();
    renderWith(<AccountMenu username="alice" shown="alice" hasProfile={false} />, createHarness({ pinned: KEY_A }));
    await user.click(screen.getByRole("button", { name: "Account menu, signed in as alice" }));
    expect(names()).toEqual(["Settings", "Sign out"]);
    await user.keyboard("{Enter}");
    expect(window.location.hash).toBe("#/settings");
    expect(screen.queryByRole("menu")).toBeNull();
  });

  test("Sign out signs this session out", async () => {
    const user = userEvent.setup();
    const h = createHarness({ pinned: KEY_A });
    renderWith(<AccountMenu username="alice" shown="alice" hasProfile />, h);
    screen.getByRole("button", { name: "Account menu, signed in as alice" }).focus();
    await user.keyboard("{Enter}");
    await user.keyboard("{End}{Enter}");
    await waitFor(() => expect(h.client.calls).toContain("logout:this"));
  });
});
