import { act, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import { KEY_A, createHarness, renderWith } from "../test/fakes.js";
import { ConnectionBadge } from "./ConnectionBadge.js";

describe("ConnectionBadge", () => {
  test("follows the client's state honestly, in a polite live region", () => {
    const h = createHarness({ pinned: KEY_A });
    renderWith(<ConnectionBadge />, h);
    const status = screen.getByRole("status");
    expect(status.getAttribute("aria-live")).toBe("polite");
    expect(status.textContent).toBe("Connection: Offline");
    for (const [state, text] of [
      ["connecting", "Connecting…"],
      ["connected", "Connected"],
      ["ready", "Up to date"],
      ["reconnecting", "Reconnecting…"],
    ] as const) {
      act(() => h.client.setState(state));
      expect(status.textContent).toBe(`Connection: ${text}`);
    }
  });

  test("offers to retry at once while reconnecting", async () => {
    const h = createHarness({ pinned: KEY_A });
    renderWith(<ConnectionBadge />, h);
    expect(screen.queryByRole("button", { name: "Retry now" })).toBeNull();
    act(() => h.client.setState("reconnecting"));
    await userEvent.setup().click(screen.getByRole("button", { name: "Retry now" }));
    expect(h.client.calls).toContain("reconnect");
    expect(screen.queryByRole("button", { name: "Retry now" })).toBeNull();
  });
});
