/**
 * The header's ways into a group's details panel (its button, its name): each toggles the address,
 * and the one that opened the panel gets focus back when the panel closes (Escape, its close button,
 * the browser's Back), as a disclosure does.
 */
import { useEffect, useRef, type RefObject } from "react";
import { useDetailsNavigation } from "../../lib/routes.js";

/** `fallback`: where focus goes when neither opener is there any more (the user was removed meanwhile). */
export function useDetailsToggle(conversationId: string, open: boolean, fallback: RefObject<HTMLElement | null>) {
  const button = useRef<HTMLButtonElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const wasOpen = useRef(open);
  const { show, hide } = useDetailsNavigation(conversationId);
  useEffect(() => {
    if (wasOpen.current && !open) {
      // Only when focus went with the panel: a click into the composer meanwhile keeps its place.
      const active = document.activeElement;
      if (!active || active === document.body) {
        const back = opener.current?.isConnected ? opener.current : (button.current ?? fallback.current);
        back?.focus({ preventScroll: true });
      }
      opener.current = null;
    }
    wasOpen.current = open;
  }, [open, fallback]);
  const toggle = (from: HTMLElement) => {
    if (open) {
      hide();
    } else {
      opener.current = from;
      show();
    }
  };
  return { button, toggle };
}
