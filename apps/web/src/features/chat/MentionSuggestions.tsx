/**
 * The members matching an `@name` being typed, above the composer (as the emoji shortcodes'
 * suggestions are): the message box keeps focus and points here with aria-activedescendant
 * (`aria-autocomplete="list"` and a listbox: a textarea may not take the combobox role, ARIA in
 * HTML); Up/Down move, Enter or Tab choose, Escape closes; a click chooses.
 */
import { parseConversationId } from "@sealroom/sdk/browser";
import { Avatar } from "../../components/Avatar.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useChatSnapshot, usePeople } from "./context.js";
import type { Mentionable } from "./mentions.js";

export const MENTIONS_ID = "mention-suggestions";
export const mentionOptionId = (i: number) => `mention-suggestion-${i}`;

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
  active,
  onChoose,
}: {
  query: string;
  items: readonly Mentionable[];
  active: number;
  onChoose(item: Mentionable): void;
}) {
  const { t } = useI18n();
  return (
    <ul
      id={MENTIONS_ID}
      className="emoji-suggestions mention-suggestions"
      role="listbox"
      aria-label={t("chat.mentionSuggestions", { query })}
      data-testid="mention-suggestions"
    >
      {items.map((item, i) => (
        <li
          key={item.id}
          id={mentionOptionId(i)}
          role="option"
          aria-selected={i === active}
          className="emoji-suggestion mention-suggestion"
          // Not a focus change: the message box keeps the caret.
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => onChoose(item)}
        >
          <Avatar name={item.displayName ?? item.username} userId={item.id} size={24} />
          <span className="mention-suggestion-name" translate="no">
            <bdi>{item.displayName ?? item.username}</bdi>
          </span>
          <span className="mention-suggestion-user" translate="no">
            <bdi>@{item.username}</bdi>
          </span>
        </li>
      ))}
    </ul>
  );
}
