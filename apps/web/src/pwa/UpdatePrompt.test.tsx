import { act, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import { ResumingScreen } from "../screens/ResumingScreen.js";
import { KEY_A, createHarness, renderWith } from "../test/fakes.js";
import { AppUpdate } from "./app-update.js";
import { UpdatePrompt } from "./UpdatePrompt.js";

describe("UpdatePrompt", () => {
  test("says nothing until a new version waits; then Reload hands over to it once", async () => {
    const update = new AppUpdate();
    let applied = 0;
    update.setApply(async () => {
      applied += 1;
    });
    renderWith(<UpdatePrompt update={update} />, createHarness({ pinned: KEY_A }));
    expect(screen.queryByText("A new version of Sealroom is ready.")).toBeNull();
    act(() => update.markOfflineReady());
    expect(screen.queryByRole("button", { name: "Reload" })).toBeNull();
    act(() => update.markReady());
    expect(screen.getByRole("status").textContent).toContain("A new version of Sealroom is ready.");
    await userEvent.setup().click(screen.getByRole("button", { name: "Reload" }));
    expect(applied).toBe(1);
  });

  test("Later hides it; the waiting version is still used on the next start", async () => {
    const update = new AppUpdate();
    renderWith(<UpdatePrompt update={update} />, createHarness({ pinned: KEY_A }), "zh-CN");
    act(() => update.markReady());
    await userEvent.setup().click(screen.getByRole("button", { name: "稍后" }));
    expect(screen.queryByRole("button", { name: "重新加载" })).toBeNull();
    expect(update.getSnapshot()).toEqual({ ready: false, offlineReady: false });
  });
});

describe("ResumingScreen without a network", () => {
  test("says the device is offline while navigator.onLine is false, and stops saying it when it is back", () => {
    // An own property over Navigator.prototype's getter; deleting it restores the real one.
    let online = false;
    Object.defineProperty(navigator, "onLine", { configurable: true, get: () => online });
    try {
      renderWith(<ResumingScreen onSignInInstead={() => undefined} />, createHarness({ pinned: KEY_A }));
      const offline = "This device is offline. Sealroom reconnects when the network is back.";
      expect(screen.getByText(offline)).toBeTruthy();
      online = true;
      act(() => void globalThis.dispatchEvent(new Event("online")));
      expect(screen.queryByText(offline)).toBeNull();
    } finally {
      delete (navigator as { onLine?: boolean }).onLine;
    }
  });
});
