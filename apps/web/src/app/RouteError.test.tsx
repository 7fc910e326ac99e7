import { screen } from "@testing-library/react";
import { describe, expect, test, vi } from "vitest";
import { createHarness, renderWith } from "../test/fakes.js";
import { RouteError } from "./RouteError.js";

function Broken(): never {
  throw new Error("a view's bug, with its data: secret words");
}

describe("RouteError", () => {
  test("a view that throws is replaced by a notice in the user's language that says nothing of the error", () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    renderWith([{ path: "*", element: <Broken />, errorElement: <RouteError /> }], createHarness(), "zh-CN");
    const notice = screen.getByTestId("route-error");
    expect(notice.getAttribute("role")).toBe("alert");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("出了点问题");
    expect(document.activeElement).toBe(screen.getByRole("heading", { level: 1 }));
    expect(screen.getByRole("button", { name: "重新加载" })).toBeTruthy();
    expect(document.body.textContent).not.toContain("secret words");
    logged.mockRestore();
  });
});
