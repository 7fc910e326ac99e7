/** An icon button's tooltip: shown on keyboard focus, it describes the button; Escape hides it. */
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";
import { Tip } from "./Tip.js";

test("keyboard focus shows the tooltip as the button's description, and Escape hides it", async () => {
  const user = userEvent.setup();
  render(
    <Tip label="Reply">
      <button type="button" aria-label="Reply">
        ↩
      </button>
    </Tip>,
  );
  expect(screen.queryByRole("tooltip")).toBeNull();
  await user.tab();
  const tooltip = await screen.findByRole("tooltip");
  expect(tooltip.textContent).toBe("Reply");
  expect(screen.getByRole("button", { name: "Reply" }).getAttribute("aria-describedby")).toBe(tooltip.id);
  await user.keyboard("{Escape}");
  await waitFor(() => expect(screen.queryByRole("tooltip")).toBeNull());
});
