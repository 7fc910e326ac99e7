/**
 * The emoji matching a shortcode being typed (":sm"), above the composer. Focus stays in the
 * message box (it points here with aria-activedescendant): Up/Down move, Enter or Tab choose,
 * Escape closes; a click chooses too.
 */
import { useI18n } from "../../../i18n/I18nProvider.js";
import type { Shortcode } from "./shortcodes.js";

export const SUGGESTIONS_ID = "emoji-suggestions";
export const suggestionId = (i: number) => `emoji-suggestion-${i}`;

export function ShortcodeSuggestions({
  query,
  items,
  active,
  onChoose,
}: {
  query: string;
  items: readonly Shortcode[];
  active: number;
  onChoose(item: Shortcode): void;
}) {
  const { t } = useI18n();
  return (
    <ul
      id={SUGGESTIONS_ID}
      className="emoji-suggestions"
      role="listbox"
      aria-label={t("emoji.suggestions", { query })}
      data-testid="emoji-suggestions"
    >
      {items.map((item, i) => (
        <li
          key={item.name}
          id={suggestionId(i)}
          role="option"
          aria-selected={i === active}
          className="emoji-suggestion"
          // Not a focus change: the message box keeps the caret.
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => onChoose(item)}
        >
          <span className="emoji-suggestion-glyph" aria-hidden="true">
            {item.emoji}
          </span>
          <span translate="no">:{item.name}:</span>
        </li>
      ))}
    </ul>
  );
}
