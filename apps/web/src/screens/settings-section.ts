/**
 * Opening Settings at one of its sections (the account menu's "Profile"): the section rides in the
 * history entry's state, and Settings focuses its heading instead of the page title, so keyboard
 * and screen-reader users land where they asked to go (again when asked again from Settings).
 */
import { useCallback, useEffect } from "react";
import { useLocation, useNavigate } from "react-router";
import { SETTINGS } from "../lib/routes.js";

export type SettingsSection = "profile";

const SECTION = "sealroom.settingsSection";

const headingOf = (section: SettingsSection) => document.getElementById(`${section}-heading`);

export function sectionOf(state: unknown): SettingsSection | undefined {
  return typeof state === "object" && state !== null && SECTION in state && state[SECTION] === "profile"
    ? "profile"
    : undefined;
}

export function useOpenSettingsAt(): (section: SettingsSection) => void {
  const navigate = useNavigate();
  return useCallback((section) => void navigate(SETTINGS, { state: { [SECTION]: section } }), [navigate]);
}

/** In Settings, after its title took focus: focuses the section the entry asks for, if any. */
export function useFocusSection(): void {
  const { state, key } = useLocation();
  const section = sectionOf(state);
  useEffect(() => {
    if (section) headingOf(section)?.focus();
  }, [section, key]);
}
