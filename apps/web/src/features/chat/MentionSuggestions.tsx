/**
 * The members matching an `@name` being typed, above the composer (as the emoji shortcodes'
 * suggestions are): React Aria's listbox (SuggestionList.tsx). The message box keeps focus and
 * the caret and points here with aria-activedescendant (`aria-autocomplete="list"` and a listbox:
 * a textarea may not take the combobox role, ARIA in HTML); Up/Down move, Enter or Tab choose,
 * Escape closes (Composer.tsx); a click chooses.
 */
import { parseConversationId } from "@sealroom/sdk/browser";
import { Avatar } from "../../components/Avatar.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useChatSnapshot, usePeople } from "./context.js";
import type { Mentionable } from "./mentions.js";
import { SuggestionList } from "./SuggestionList.js";

/** Who can be mentioned in a conversation: a DM's partner; a group's members (once loaded). */
export function useMentionables(conversationId: string): Mentionable[] {
  const { names, displayNames, members } = usePeople();
  const view = useChatSnapshot().byId[conversationId];
  const ref = parseConversationId(conversationId);
  const ids =
    ref?.kind === "group" ? (members[ref.groupId] ?? []) : ref ? [ref.low, ref.high] : ([] as readonly number[]);
  const out: Mentionable[] = [];
  for (const id of ids) {
    const username = names[id] ?? view?.people[id] ?? (view?.peer?.id === id ? view.peer.username : undefined);
    if (username !== undefined) out.push({ id, username, displayName: displayNames[id] });
  }
  return out;
}

export function MentionSuggestions({
  query,
  items,
  resetKey,
  onActive,
  onChoose,
}: {
  query: string;
  items: readonly Mentionable[];
  /** What is typed: a new query makes the first member the active one again. */
  resetKey: string;
  onActive(item: Mentionable | undefined): void;
  onChoose(item: Mentionable): void;
}) {
  const { t } = useI18n();
  return (
    <SuggestionList
      items={items}
      keyOf={(item) => String(item.id)}
      textOf={(item) => item.displayName ?? item.username}
      resetKey={resetKey}
      onActive={onActive}
      onChoose={onChoose}
      label={t("chat.mentionSuggestions", { query })}
      className="emoji-suggestions mention-suggestions"
      optionClassName="emoji-suggestion mention-suggestion"
      testId="mention-suggestions"
    >
      {(item) => (
        <>
          <Avatar name={item.displayName ?? item.username} userId={item.id} size={24} />
          <span className="mention-suggestion-name" translate="no">
            <bdi>{item.displayName ?? item.username}</bdi>
          </span>
          <span className="mention-suggestion-user" translate="no">
            <bdi>@{item.username}</bdi>
          </span>
        </>
      )}
    </SuggestionList>
  );
}
