import { afterEach, describe, expect, test } from "vitest";
import { focusPendingSection, openSettingsAt } from "./settings-section.js";

function profileHeading(): HTMLElement {
  const heading = document.createElement("h2");
  heading.id = "profile-heading";
  heading.tabIndex = -1;
  document.body.append(heading);
  return heading;
}

describe("openSettingsAt", () => {
  afterEach(() => {
    document.body.replaceChildren();
    window.location.hash = "";
  });

  test("from elsewhere: goes to Settings, whose mount then focuses the section (once)", () => {
    openSettingsAt("profile");
    expect(window.location.hash).toBe("#/settings");
    const heading = profileHeading(); // Settings mounts
    focusPendingSection();
    expect(document.activeElement).toBe(heading);
    heading.blur();
    focusPendingSection(); // a later mount of Settings keeps its title's focus
    expect(document.activeElement).not.toBe(heading);
  });

  test("already on Settings: focuses the section at once", () => {
    window.location.hash = "#/settings";
    const heading = profileHeading();
    openSettingsAt("profile");
    expect(document.activeElement).toBe(heading);
  });
});
