/**
 * Opening Settings at one of its sections (the account menu's "Profile"): the section's heading gets
 * focus instead of the page title, so keyboard and screen-reader users land where they asked to go.
 */
import { hrefFor } from "../lib/hooks.js";

export type SettingsSection = "profile";

let pending: SettingsSection | undefined;

const headingOf = (section: SettingsSection) => document.getElementById(`${section}-heading`);

export function openSettingsAt(section: SettingsSection): void {
  if (window.location.hash === hrefFor("settings")) {
    headingOf(section)?.focus(); // already there: no remount will pick it up
    return;
  }
  pending = section;
  window.location.hash = hrefFor("settings");
}

/** Called once Settings has mounted (after it focused its title): focuses the section asked for, if any. */
export function focusPendingSection(): void {
  if (pending) headingOf(pending)?.focus();
  pending = undefined;
}
