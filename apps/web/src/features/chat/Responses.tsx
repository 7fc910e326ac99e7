/**
 * What people answer a message with: the quote of the message a reply answers (a button that
 * jumps to it), and the reactions under a message (a toggle per emoji, with who reacted as its
 * name). Both exist only in end-to-end encrypted conversations: they travel inside the encryption.
 */
import type { E2eTextEntry, Reaction, TextEntry, TimelineEntry } from "@sealroom/sdk/browser";
import { useI18n } from "../../i18n/I18nProvider.js";
import { Tip } from "../../components/Tip.js";

/** The message a reply answers, as this device knows it. */
export interface ReplyTarget {
  /** The original, when this device holds it (read and loaded). */
  entry?: TextEntry | undefined;
  /** Its sender's name, when it is held. */
  sender?: string | undefined;
}

/** What a reply answers, found among the held entries (by seq, or by content id when read later). */
export function replyTargetOf(
  entry: TextEntry,
  entries: readonly TimelineEntry[],
  nameOf: (userId: number) => string,
): ReplyTarget | undefined {
  const ref = "replyTo" in entry ? (entry as E2eTextEntry).replyTo : undefined;
  if (!ref) return undefined;
  const original = entries.find(
    (e): e is TextEntry =>
      e.kind === "text" && (e.seq === ref.seq || ("contentId" in e && e.contentId === ref.contentId)),
  );
  return original ? { entry: original, sender: nameOf(original.senderId) } : {};
}

const SNIPPET = 120;

export function snippet(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > SNIPPET ? `${flat.slice(0, SNIPPET - 1)}…` : flat;
}

/** The quote above a reply: who and what it answers; a click (or Enter) shows the original. */
export function ReplyQuote({
  target,
  tabIndex,
  onJump,
}: {
  target: ReplyTarget;
  tabIndex: number;
  onJump(seq: number): void;
}) {
  const { t } = useI18n();
  const original = target.entry;
  if (!original) {
    return (
      <div className="reply-quote reply-quote-missing" data-testid="reply-quote">
        {t("chat.reply.notLoaded")}
      </div>
    );
  }
  const deleted = original.deletedTs !== null;
  return (
    <button
      type="button"
      className="reply-quote"
      tabIndex={tabIndex}
      data-testid="reply-quote"
      onClick={() => onJump(original.seq)}
      aria-label={t("chat.reply.jump", { name: target.sender ?? "" })}
    >
      <span className="reply-quote-sender" translate="no">
        <bdi>{target.sender}</bdi>
      </span>
      <span className="reply-quote-text">
        {deleted ? t("chat.reply.deleted") : <bdi>{snippet(original.text)}</bdi>}
      </span>
    </button>
  );
}

/** The reactions under a message; each is a toggle of the user's own reaction with that emoji. */
export function ReactionChips({
  reactions,
  me,
  nameOf,
  tabIndex,
  onToggle,
}: {
  reactions: readonly Reaction[];
  me: number | undefined;
  nameOf(userId: number): string;
  tabIndex: number;
  onToggle(emoji: string): void;
}) {
  const { t, lang } = useI18n();
  const list = new Intl.ListFormat(lang, { type: "conjunction" });
  return (
    <div className="reactions" role="group" aria-label={t("chat.reactions")} data-testid="reactions">
      {reactions.map((r) => {
        const mine = me !== undefined && r.userIds.includes(me);
        const who = list.format(r.userIds.map((id) => (id === me ? t("chat.reactions.you") : nameOf(id))));
        const label = t("chat.reactions.who", { emoji: r.emoji, names: who });
        return (
          <Tip key={r.emoji} label={label}>
            <button
              type="button"
              className={`reaction${mine ? " reaction-mine" : ""}`}
              aria-pressed={mine}
              aria-label={label}
              tabIndex={tabIndex}
              data-testid="reaction"
              data-emoji={r.emoji}
              onClick={() => onToggle(r.emoji)}
            >
              <span className="reaction-emoji" aria-hidden="true">
                {r.emoji}
              </span>
              <span className="reaction-count" aria-hidden="true">
                {r.userIds.length.toLocaleString(lang)}
              </span>
            </button>
          </Tip>
        );
      })}
    </div>
  );
}
