/**
 * What the app's Radix menus share beyond Radix: a menu opened by a pointer lands on its first item,
 * as one opened by the keyboard does (the WAI-ARIA menu button pattern; Radix focuses the menu
 * itself then), so Enter after a click chooses the first item as it did before Radix.
 */
export function focusFirstItem(e: Event): void {
  const first = (e.target as HTMLElement | null)?.querySelector<HTMLElement>("[role=menuitem]:not([data-disabled])");
  if (!first) return;
  e.preventDefault();
  first.focus();
}

/**
 * `onOpenAutoFocus` for a Radix menu's Content. Radix's Content types leave it out, yet pass it to
 * the menu's focus scope, which calls it before its own (and skips its own when it is prevented);
 * the menu tests fail if an upgrade stops that.
 */
export const firstItemOnOpen = { onOpenAutoFocus: focusFirstItem } as object;
