/**
 * How the user's own conversation settings (mute, pin, archive, marked unread; chat.settings.set,
 * kept by the server and the same on all their devices) shape the list: pinned first, archived
 * apart, muted dimmed.
 */
import { isMuted, type ConversationView } from "@sealroom/sdk/browser";

/** The mute lengths offered (null: until the user unmutes). */
export const MUTE_CHOICES = [
  { label: "chat.settings.mute1h", ms: 3_600_000 },
  { label: "chat.settings.mute8h", ms: 8 * 3_600_000 },
  { label: "chat.settings.mute1w", ms: 7 * 24 * 3_600_000 },
  { label: "chat.settings.muteForever", ms: null },
] as const;

/** Muted now: no notification, no emphasis. */
export const mutedNow = (view: Pick<ConversationView, "settings">, now: number): boolean => isMuted(view.settings, now);

/**
 * The main list (pinned first, each part in the store's order: most recently active first) and
 * the archived conversations. `keep`: a filter (the name search, the mentions filter).
 */
export function listSections(
  conversations: readonly ConversationView[],
  keep: (view: ConversationView) => boolean = () => true,
): { main: ConversationView[]; archived: ConversationView[] } {
  const shown = conversations.filter(keep);
  const live = shown.filter((c) => !c.settings.archived);
  return {
    main: [...live.filter((c) => c.settings.pinned), ...live.filter((c) => !c.settings.pinned)],
    archived: shown.filter((c) => c.settings.archived),
  };
}
