/** The keyboard of the chat's small menus (a message's actions, a conversation's options). */
import type { KeyboardEvent, RefObject } from "react";

/** The menu's items, in order. */
export const menuItems = (menu: RefObject<HTMLElement | null>) => [
  ...(menu.current?.querySelectorAll<HTMLButtonElement>("[role=menuitem]") ?? []),
];

/**
 * Arrows move between the items (wrapping), Home and End go to the first and last, Escape closes
 * and gives focus back to what opened the menu (`close(true)`), Tab closes and lets focus move on.
 */
export function menuKeyHandler(menu: RefObject<HTMLElement | null>, close: (refocus: boolean) => void) {
  return (e: KeyboardEvent<HTMLElement>) => {
    const list = menuItems(menu);
    const at = list.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      list[(at + (e.key === "ArrowDown" ? 1 : list.length - 1)) % list.length]?.focus();
    } else if (e.key === "Home" || e.key === "End") {
      e.preventDefault();
      list[e.key === "Home" ? 0 : list.length - 1]?.focus();
    } else if (e.key === "Escape") {
      e.preventDefault();
      close(true);
    } else if (e.key === "Tab") {
      close(false);
    }
  };
}
