import { act, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { KEY_A, createHarness, renderWith } from "../test/fakes.js";
import { ConnectionBadge, GRACE_MS } from "./ConnectionBadge.js";

const badge = () => document.querySelector(".conn");
const honest = () => screen.getByTestId("connection").getAttribute("data-state");

describe("ConnectionBadge", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test("shows nothing while up to date; something wrong at once; a short step on the way not at all", () => {
    const h = createHarness({ pinned: KEY_A });
    renderWith(<ConnectionBadge />, h);
    expect(badge()?.textContent).toBe("Connection: Offline");
    act(() => h.client.setState("ready"));
    expect(badge()).toBeNull();
    expect(honest()).toBe("ready");
    // A reconnect shows at once; connecting after it too (the badge is already up).
    act(() => h.client.setState("reconnecting"));
    expect(badge()?.textContent).toBe("Connection: Reconnecting…");
    act(() => h.client.setState("connecting"));
    expect(badge()?.textContent).toBe("Connection: Connecting…");
    act(() => h.client.setState("ready"));
    expect(badge()).toBeNull();
    // Connecting again from "ready": nothing for a moment, then the badge.
    act(() => h.client.setState("connecting"));
    expect(badge()).toBeNull();
    expect(honest()).toBe("connecting");
    act(() => {
      vi.advanceTimersByTime(GRACE_MS - 100);
    });
    act(() => h.client.setState("ready"));
    act(() => {
      vi.advanceTimersByTime(GRACE_MS);
    });
    expect(badge()).toBeNull();
    act(() => h.client.setState("connecting"));
    act(() => {
      vi.advanceTimersByTime(GRACE_MS);
    });
    expect(badge()?.textContent).toBe("Connection: Connecting…");
  });

  test("a polite live region says when the connection is lost and when it is back, then goes quiet", () => {
    const h = createHarness({ pinned: KEY_A });
    renderWith(<ConnectionBadge />, h);
    const status = screen.getByRole("status");
    expect(status.getAttribute("aria-live")).toBe("polite");
    act(() => h.client.setState("ready"));
    expect(status.textContent).toBe("");
    act(() => h.client.setState("reconnecting"));
    expect(status.textContent).toBe("Connection lost");
    act(() => h.client.setState("connecting"));
    act(() => h.client.setState("reconnecting"));
    expect(status.textContent).toBe("Connection lost");
    act(() => h.client.setState("connecting"));
    act(() => h.client.setState("ready"));
    expect(status.textContent).toBe("Reconnected");
    act(() => {
      vi.advanceTimersByTime(60_000);
    });
    expect(status.textContent).toBe("");
  });

  test("offers to retry at once while reconnecting", async () => {
    vi.useRealTimers();
    const h = createHarness({ pinned: KEY_A });
    renderWith(<ConnectionBadge />, h);
    expect(screen.queryByRole("button", { name: "Retry now" })).toBeNull();
    act(() => h.client.setState("reconnecting"));
    await userEvent.setup().click(screen.getByRole("button", { name: "Retry now" }));
    expect(h.client.calls).toContain("reconnect");
    expect(screen.queryByRole("button", { name: "Retry now" })).toBeNull();
  });
});
