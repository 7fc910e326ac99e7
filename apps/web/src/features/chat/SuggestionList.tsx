/**
 * Suggestions under a text field that keeps focus and the caret (the quick switcher's field, the
 * composer's @mentions and :shortcodes:), on React Aria: an Autocomplete joins the field to a
 * ListBox with virtual focus, so the list's keyboard model (Up/Down wrapping, Page Up/Down, the
 * active option scrolled into view), aria-activedescendant and aria-controls, the option roles and
 * ids, and presses by mouse and touch that leave focus in the field are the library's.
 *
 * What stays ours is what a text field needs on top: which keys go to the list at all (Up/Down
 * and Page Up/Down; Home and End keep moving the caret, as the APG combobox pattern has them, and
 * Shift+Enter still starts a new line in the composer), which keys choose (Enter, and Tab in the
 * composer), and Escape. The active option is the list's selection
 * ("replace" selection follows focus), so aria-selected marks it as the APG combobox pattern asks,
 * and the field reads it from state rather than from the DOM.
 */
import { useCallback, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode, type Ref } from "react";
import {
  Autocomplete,
  FieldInputContext,
  ListBox,
  ListBoxItem,
  useSlottedContext,
  type Key,
  type Selection,
} from "react-aria-components";
import { useKeyboard } from "react-aria";

/** Wraps a field and its SuggestionList, anywhere below it. */
export function SuggestionArea({ children }: { children: ReactNode }) {
  // Which option is active after typing is the caller's (SuggestionList's `active`), not a guess.
  return <Autocomplete disableAutoFocusFirst>{children}</Autocomplete>;
}

/** Keys a field hands to the list: React Aria moves the active option. */
const LIST_KEYS: ReadonlySet<string> = new Set(["ArrowDown", "ArrowUp", "PageDown", "PageUp"]);

/**
 * The field's side, inside a SuggestionArea: the props that point it at the list (empty while no
 * list is shown) and `navigate`, which hands a key to the list and says whether it was taken.
 */
export function useSuggestionField<E extends HTMLInputElement | HTMLTextAreaElement>(own: Ref<E>) {
  const ctx = useSlottedContext(FieldInputContext);
  const { keyboardProps } = useKeyboard(ctx?.onKeyDown ? { onKeyDown: ctx.onKeyDown } : {});
  const theirs = ctx?.ref;
  const ref = useCallback(
    (el: E | null) => {
      for (const r of [own, theirs]) {
        if (typeof r === "function") r(el);
        else if (r) r.current = el;
      }
    },
    [own, theirs],
  );
  const navigate = (e: KeyboardEvent<E>): boolean => {
    if (!ctx?.["aria-controls"] || !LIST_KEYS.has(e.key) || e.altKey || e.ctrlKey || e.metaKey) return false;
    keyboardProps.onKeyDown?.(e);
    return true;
  };
  return {
    ref,
    navigate,
    fieldProps: {
      "aria-controls": ctx?.["aria-controls"],
      "aria-activedescendant": ctx?.["aria-activedescendant"],
    },
  };
}

/**
 * The listbox. `active` is the option Enter chooses; it starts at `initial` (else the first) and
 * again whenever `resetKey` changes (what is typed). Presses choose; the field keeps focus.
 */
export function SuggestionList<T>({
  items,
  keyOf,
  textOf,
  initial,
  resetKey,
  onActive,
  onChoose,
  label,
  className,
  optionClassName,
  optionLabel,
  optionTestId,
  testId,
  hidden,
  children,
}: {
  items: readonly T[];
  keyOf(item: T): string;
  textOf(item: T): string;
  initial?: string | undefined;
  resetKey: string;
  onActive(item: T | undefined): void;
  onChoose(item: T): void;
  label: string;
  className: string;
  optionClassName: string;
  optionLabel?(item: T): string;
  optionTestId?(item: T): string;
  testId: string;
  hidden?: boolean;
  children(item: T): ReactNode;
}) {
  const start =
    initial !== undefined && items.some((i) => keyOf(i) === initial) ? initial : items[0] && keyOf(items[0]);
  const [active, setActive] = useState<{ reset: string; key: string | undefined }>({ reset: resetKey, key: start });
  const key = active.reset === resetKey && items.some((i) => keyOf(i) === active.key) ? active.key : start;
  const byKey = useRef(new Map<string, T>());
  byKey.current = new Map(items.map((i) => [keyOf(i), i]));
  // The field asks for the active item on Enter: told after each render, never stale.
  useLayoutEffect(() => {
    onActive(key === undefined ? undefined : byKey.current.get(key));
  });

  const onSelectionChange = (s: Selection) => {
    if (s === "all") return;
    const [next] = s;
    if (typeof next === "string") setActive({ reset: resetKey, key: next });
  };
  return (
    <ListBox
      // A new query is a new list: React Aria focuses its selected (active) option on mount.
      key={resetKey}
      autoFocus="first"
      aria-label={label}
      className={className}
      selectionMode="single"
      selectionBehavior="replace"
      disallowEmptySelection
      shouldFocusWrap
      selectedKeys={key === undefined ? [] : [key]}
      onSelectionChange={onSelectionChange}
      hidden={hidden}
      data-testid={testId}
    >
      {items.map((item) => (
        <ListBoxItem
          key={keyOf(item)}
          id={keyOf(item) satisfies Key}
          textValue={textOf(item)}
          aria-label={optionLabel?.(item)}
          className={optionClassName}
          onPress={() => onChoose(item)}
          data-testid={optionTestId?.(item)}
        >
          {children(item)}
        </ListBoxItem>
      ))}
    </ListBox>
  );
}
