/**
 * The picker itself: emoji-picker-react (maintained, accessible: a keyboard-navigable ARIA grid,
 * search, categories, recently used), with native glyphs and its data bundled in the app, so it
 * never asks a CDN for anything. Loaded only when first opened (EmojiButton lazy-loads this file).
 */
import EmojiPicker, { EmojiStyle, SuggestionMode, Theme, type PickerLabels } from "emoji-picker-react";
import { useI18n } from "../../../i18n/I18nProvider.js";

export default function EmojiPickerPanel({ onPick }: { onPick(emoji: string): void }) {
  const { t, lang } = useI18n();
  const labels: PickerLabels = {
    searchPlaceholder: t("emoji.search"),
    searchLabel: t("emoji.searchLabel"),
    searchClear: t("emoji.clear"),
    searchResultsNone: t("emoji.none"),
    searchResultsOne: t("emoji.one"),
    searchResultsMany: t("emoji.many"),
    categoryNavigation: t("emoji.categories"),
    reactions: t("emoji.picker"),
    expandReactions: t("emoji.picker"),
    loading: t("emoji.loading"),
    loadingError: t("emoji.loadingError"),
    retryLoading: t("emoji.retry"),
    skinToneNeutral: t("emoji.skin.neutral"),
    skinToneLight: t("emoji.skin.light"),
    skinToneMediumLight: t("emoji.skin.mediumLight"),
    skinToneMedium: t("emoji.skin.medium"),
    skinToneMediumDark: t("emoji.skin.mediumDark"),
    skinToneDark: t("emoji.skin.dark"),
  };
  return (
    <EmojiPicker
      // The Chinese names (categories, search words) come as a chunk of their own.
      emojiData={lang === "zh-CN" ? () => import("emoji-picker-react/data/emojis-zh") : undefined}
      labels={labels}
      emojiStyle={EmojiStyle.NATIVE}
      theme={Theme.AUTO}
      suggestedEmojisMode={SuggestionMode.RECENT}
      autoFocusSearch
      // Typing goes on while the arrows move through the results; Enter takes the highlighted one.
      keepSearchFocus
      previewConfig={{ showPreview: false }}
      width="100%"
      height={360}
      onEmojiClick={(e) => onPick(e.emoji)}
    />
  );
}
