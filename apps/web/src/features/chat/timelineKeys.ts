/**
 * The timeline as one Tab stop (a roving tabindex): the remembered message has tabIndex 0, every
 * other -1; Up/Down, Page Up/Down and Home/End move between messages without scrolling the
 * timeline more than it takes to show the one focused. A printable key typed while a message has
 * focus goes to the composer (after a stray Tab, typing must write, not act on a message).
 */
/*
 * Why this is not React Aria (react-aria-components 1.22, as used by SuggestionList.tsx), checked
 * against its source and in Chromium:
 * - GridList: Tab into a list the reader has not walked yet focuses its FIRST row when focus comes
 *   from before it (useSelectableCollection's onFocus), i.e. the oldest message loaded, scrolled
 *   to, which pages in older history; the reader expects the newest (keyboard.e2e: "focusing a
 *   message does not scroll to the top"). UNSTABLE_focusOnEntry="last" fixes entry but forgets the
 *   position on every Tab away and back, which is remembered here. Every row would have to be a
 *   collection item (day, unread, encryption and device-change separators and system lines are
 *   not stops), the log/article semantics that announce new messages would become a grid, Left/
 *   Right and Tab would change meaning for the links and reaction chips inside the focused
 *   message, and each message's Radix context-menu trigger (asChild) would have to wrap RAC's row.
 * - FocusScope + useFocusManager (focusNext/focusPrevious with `accept`): they move focus with a
 *   plain element.focus(), no preventScroll. Chromium then centres a message that was partly
 *   below the edge: 241 px of scroll for a 60 px row in a 400 px timeline, against 72 px with
 *   focus({ preventScroll }) + scrollIntoView({ block: "nearest" }) as here, so walking down with
 *   the arrows would jump half a screen per step. They have no page step either, and the two
 *   things this hook mostly is, the remembered stop and typing into the composer, are not theirs.
 */
import { useState, type FocusEvent, type KeyboardEvent, type RefObject } from "react";

const ITEM = "[data-roving]";
/** Messages skipped by Page Up / Page Down. */
const PAGE = 10;

export function useRovingTimeline(scroller: RefObject<HTMLDivElement | null>, keys: readonly string[]) {
  const [current, setCurrent] = useState<string>();
  // Until the reader picks one (or when it is gone: sent, loaded away), the newest is the stop.
  const stop = current !== undefined && keys.includes(current) ? current : keys.at(-1);

  const items = () => [...(scroller.current?.querySelectorAll<HTMLElement>(ITEM) ?? [])];

  const onFocus = (e: FocusEvent<HTMLElement>) => {
    if (!(e.target instanceof HTMLElement) || !e.target.matches(ITEM)) return;
    const key = keys[items().indexOf(e.target)];
    if (key !== undefined) setCurrent(key);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    if (e.defaultPrevented || !(e.target instanceof HTMLElement) || !e.target.matches(ITEM)) return;
    const list = items();
    const at = list.indexOf(e.target);
    const last = list.length - 1;
    const to: Record<string, number> = {
      ArrowUp: at - 1,
      ArrowDown: at + 1,
      PageUp: at - PAGE,
      PageDown: at + PAGE,
      Home: 0,
      End: last,
    };
    if (e.key in to && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      const next = list[Math.max(0, Math.min(last, to[e.key]!))];
      next?.focus({ preventScroll: true });
      next?.scrollIntoView({ block: "nearest" });
      return;
    }
    // Not preventing the default: the character lands in the composer that has focus now.
    if (e.key.length === 1 && !e.altKey && !e.ctrlKey && !e.metaKey)
      document.querySelector<HTMLTextAreaElement>(".composer-input")?.focus();
  };

  return { tabIndexOf: (key: string) => (key === stop ? 0 : -1), onFocus, onKeyDown, hasStop: stop !== undefined };
}
