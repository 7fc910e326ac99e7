/**
 * The main area for the chat routes: the open conversation (with a group's details panel beside it
 * when the route asks for one), or an invitation to pick one.
 */
import type { ReactNode } from "react";
import { Link } from "react-router";
import { useI18n } from "../../i18n/I18nProvider.js";
import { FRIENDS } from "../../lib/routes.js";
import { useChatSnapshot, usePeople } from "./context.js";
import { ConversationView } from "./ConversationView.js";
import { HistoryBackupBanner } from "./HistoryBackupBanner.js";
import { useLinkUnavailable } from "./message-link.js";

export function ChatScreen({ conversationId, details }: { conversationId: string | undefined; details?: ReactNode }) {
  const { t } = useI18n();
  const { conversations } = useChatSnapshot();
  const { friends } = usePeople();
  const linkUnavailable = useLinkUnavailable();
  if (conversationId) {
    // One wrapper whether or not the panel is open: toggling it keeps the conversation mounted
    // (its draft, scroll position and focus).
    const open = Boolean(details);
    return (
      <div className="conversation-split" data-details={open ? "open" : undefined}>
        <ConversationView key={conversationId} conversationId={conversationId} detailsOpen={open} />
        {details}
      </div>
    );
  }
  // Nobody to talk to yet: "pick one from the list" would point at an empty list.
  const alone = conversations.length === 0 && friends.length === 0;
  return (
    <section className="chat-pick" aria-labelledby="pick-title">
      <HistoryBackupBanner />
      {linkUnavailable && (
        <p className="chat-link-unavailable" role="alert" data-testid="link-unavailable">
          {t("chat.link.unavailable")}
        </p>
      )}
      <svg className="empty-art" width="168" height="112" viewBox="0 0 168 112" aria-hidden="true" focusable="false">
        <rect x="14" y="14" width="96" height="52" rx="16" className="art-bubble-a" />
        <rect x="30" y="30" width="52" height="7" rx="3.5" className="art-line" />
        <rect x="30" y="44" width="34" height="7" rx="3.5" className="art-line" />
        <path d="M30 66 22 80l22-14z" className="art-bubble-a" />
        <rect x="62" y="48" width="92" height="48" rx="16" className="art-bubble-b" />
        <rect x="78" y="63" width="58" height="7" rx="3.5" className="art-line-b" />
        <rect x="78" y="76" width="30" height="7" rx="3.5" className="art-line-b" />
        <path d="M138 96 148 108l-26-12z" className="art-bubble-b" />
      </svg>
      <h2 id="pick-title" className="empty-title">
        {alone ? t("chat.listEmpty") : t("chat.selectTitle")}
      </h2>
      <p className="empty-body">{alone ? t("chat.listEmptyBody") : t("chat.selectBody")}</p>
      {alone && (
        <Link className="btn btn-primary" to={FRIENDS}>
          {t("chat.findFriends")}
        </Link>
      )}
    </section>
  );
}
