import { act, render } from "@testing-library/react";
import { useEffect, type ReactNode } from "react";
import { Link } from "react-router";
import { describe, expect, test } from "vitest";
import { inRouter } from "../test/router.js";
import { useFocusSection, useOpenSettingsAt } from "./settings-section.js";

/** Settings reduced to what the section focus needs: a title focused on mount, then the section's heading. */
function Settings() {
  useEffect(() => document.getElementById("settings-title")?.focus(), []);
  useFocusSection();
  return (
    <>
      <h1 id="settings-title" tabIndex={-1}>
        Settings
      </h1>
      <h2 id="profile-heading" tabIndex={-1}>
        Profile
      </h2>
    </>
  );
}

let open: ((section: "profile") => void) | undefined;
function Frame({ children }: { children?: ReactNode }) {
  open = useOpenSettingsAt();
  return (
    <>
      <Link to="/settings">Settings link</Link>
      {children}
    </>
  );
}

function renderApp() {
  render(
    inRouter([
      { path: "/", element: <Frame /> },
      {
        path: "/settings",
        element: (
          <Frame>
            <Settings />
          </Frame>
        ),
      },
    ]),
  );
}

describe("opening Settings at a section", () => {
  test("from elsewhere: Settings opens with the section's heading focused, not its title", async () => {
    renderApp();
    await act(async () => open?.("profile"));
    expect(window.location.hash).toBe("#/settings");
    expect(document.activeElement?.id).toBe("profile-heading");
  });

  test("plainly (a link): the title keeps focus; asked for the section while there, the heading gets it", async () => {
    window.location.hash = "#/settings";
    renderApp();
    expect(document.activeElement?.id).toBe("settings-title");
    await act(async () => open?.("profile"));
    expect(document.activeElement?.id).toBe("profile-heading");
    expect(window.location.hash).toBe("#/settings");
  });
});
