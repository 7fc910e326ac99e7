/**
 * The emoji matching a shortcode being typed (":sm"), above the composer: React Aria's listbox
 * (SuggestionList.tsx). Focus and the caret stay in the message box (it points here with
 * aria-activedescendant): Up/Down move, Enter or Tab choose, Escape closes (Composer.tsx); a
 * click chooses too.
 */
import { useI18n } from "../../../i18n/I18nProvider.js";
import { SuggestionList } from "../SuggestionList.js";
import type { Shortcode } from "./shortcodes.js";

export function ShortcodeSuggestions({
  query,
  items,
  resetKey,
  onActive,
  onChoose,
}: {
  query: string;
  items: readonly Shortcode[];
  /** What is typed: a new query makes the first emoji the active one again. */
  resetKey: string;
  onActive(item: Shortcode | undefined): void;
  onChoose(item: Shortcode): void;
}) {
  const { t } = useI18n();
  return (
    <SuggestionList
      items={items}
      keyOf={(item) => item.name}
      textOf={(item) => `:${item.name}:`}
      resetKey={resetKey}
      onActive={onActive}
      onChoose={onChoose}
      label={t("emoji.suggestions", { query })}
      className="emoji-suggestions"
      optionClassName="emoji-suggestion"
      testId="emoji-suggestions"
    >
      {(item) => (
        <>
          <span className="emoji-suggestion-glyph" aria-hidden="true">
            {item.emoji}
          </span>
          <span translate="no">:{item.name}:</span>
        </>
      )}
    </SuggestionList>
  );
}
