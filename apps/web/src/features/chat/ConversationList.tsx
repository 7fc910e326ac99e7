/**
 * The conversation list in the sidebar: DMs and groups, most recently active first, with the DM
 * partner's presence, the last message and the unread count; then friends without a conversation
 * yet. Arrow keys move between entries; each one is a link to its conversation. The search box
 * above filters both by name as the user types and lists the messages found (Search.tsx); the
 * search is kept in the address, and the list's links keep it there (the box's query, written first
 * if it is still waiting for typing to pause: search-params.ts).
 * The user's settings (conversation-settings.ts): pinned conversations first, archived ones under
 * "Archived" (shown on request), muted ones with a dimmed badge, "marked unread" as a dot. An @
 * badge marks unread messages that mention the user (as far as this device decrypted them), and
 * the "Mentions" filter lists only those conversations. Beside the search box, the button that opens
 * the quick switcher (QuickSwitcher.tsx, also Ctrl/Cmd+K).
 */
import { useEffect, useState, type KeyboardEvent } from "react";
import { dmConversationId, type ConversationView, type Presence } from "@sealroom/sdk/browser";
import { Avatar } from "../../components/Avatar.js";
import { BellOffIcon, PinIcon } from "../../components/Icons.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { Link, type To } from "react-router";
import { useFocusOnMount, useNow } from "../../lib/hooks.js";
import { chatPath } from "../../lib/routes.js";
import { useConnectionState } from "../../state/context.js";
import { useOptionalSocial } from "../social/index.js";
import { useChatServices, useChatSnapshot, usePeople } from "./context.js";
import { listSections, mutedNow } from "./conversation-settings.js";
import { unreadMentions } from "./mentions.js";
import { conversationTitle, groupIdOf, peerOf, previewText, shortWhen } from "./format.js";
import { useMe } from "./hooks.js";
import { useMarkdownReady } from "./markdown.js";
import { NotificationBanner } from "./NotificationBanner.js";
import { QuickSwitcherButton } from "./QuickSwitcher.js";
import { shownName } from "./people.js";
import { MessageResults, SearchField, useNameFilter } from "./Search.js";
import { useSearchQuery, useWithQuery, writePendingQuery } from "./search-params.js";

const NO_PRESENCE: Readonly<Record<number, Presence>> = {};

/**
 * `pageHeading`: on the home route the list is the page's subject, so its heading is the h1.
 * `offerNotifications`: the banner, except where settings offer the same.
 */
export function ConversationList({
  activeId,
  pageHeading,
  offerNotifications = true,
}: {
  activeId: string | undefined;
  pageHeading: boolean;
  offerNotifications?: boolean;
}) {
  const { t } = useI18n();
  const { conversations: all } = useChatSnapshot();
  const [query, setQuery] = useSearchQuery();
  const withQuery = useWithQuery(query);
  const [showArchived, setShowArchived] = useState(false);
  const [mentionsOnly, setMentionsOnly] = useState(false);
  const named = useNameFilter(query);
  const me = useMe();
  const { main: conversations, archived } = listSections(
    all,
    (c) => named(c) && (!mentionsOnly || unreadMentions(c, me) > 0),
  );
  useFriendsFromSocial();
  const people = usePeople();
  const { friends, names, displayNames } = people;
  // Offline, presence is only what it was: every dot goes grey rather than a stale green.
  const presence = useConnectionState() === "ready" ? people.presence : NO_PRESENCE;
  // Presence dots for friends only: an unfriended or blocked partner's DM shows none.
  const friendIds = new Set(friends.map((f) => f.user.id));
  const held = new Set(all.map((c) => c.conversationId));
  const newChats =
    me === undefined
      ? []
      : friends.filter((f) => !held.has(dmConversationId(me, f.user.id)) && named(shownName(people, f.user)));
  // No conversation yet: say so (also above "Start a chat") rather than leave the heading bare.
  const empty = conversations.length === 0 && archived.length === 0;
  const item = (c: ConversationView) => (
    <li key={c.conversationId}>
      <ConversationItem
        view={c}
        to={withQuery(chatPath(c.conversationId))}
        active={c.conversationId === activeId}
        presence={presence}
        names={names}
        displayNames={displayNames}
        me={me}
        friendIds={friendIds}
      />
    </li>
  );
  const searching = query.trim() !== "";
  const Heading = pageHeading ? "h1" : "h2";
  const heading = useFocusOnMount<HTMLHeadingElement>(pageHeading);

  return (
    <div className="convlist" onKeyDown={moveFocus}>
      {offerNotifications && <NotificationBanner />}
      <div className="convlist-tools">
        <SearchField query={query} onChange={setQuery} />
        <QuickSwitcherButton />
      </div>
      <div className="convlist-head">
        <Heading
          className="convlist-heading"
          id="convlist-heading"
          tabIndex={-1}
          ref={pageHeading ? heading : undefined}
        >
          {t("chat.listLabel")}
        </Heading>
        {all.length > 0 && (
          <button
            type="button"
            className="convlist-filter"
            aria-pressed={mentionsOnly}
            onClick={() => setMentionsOnly((m) => !m)}
            data-testid="mentions-filter"
          >
            <span aria-hidden="true">@ </span>
            {t("chat.mentionsFilter")}
          </button>
        )}
      </div>
      {empty ? (
        <div className="convlist-empty">
          <p>
            {mentionsOnly
              ? t("chat.mentionsEmpty")
              : searching && all.length > 0
                ? t("search.noNames")
                : t("chat.listEmpty")}
          </p>
        </div>
      ) : (
        <ul className="convlist-items" aria-labelledby="convlist-heading" data-testid="conversation-list">
          {conversations.map(item)}
        </ul>
      )}
      {archived.length > 0 && (
        <>
          <h2 className="convlist-heading convlist-archived-heading" id="archived-heading">
            <button
              type="button"
              className="convlist-toggle"
              aria-expanded={showArchived}
              aria-controls="archived-list"
              onClick={() => setShowArchived((s) => !s)}
              data-testid="archived-toggle"
            >
              <span aria-hidden="true">{showArchived ? "▾" : "▸"}</span>{" "}
              {t("chat.archivedToggle", { count: archived.length })}
            </button>
          </h2>
          {showArchived && (
            <ul
              className="convlist-items"
              id="archived-list"
              aria-labelledby="archived-heading"
              data-testid="archived-list"
            >
              {archived.map(item)}
            </ul>
          )}
        </>
      )}
      {newChats.length > 0 && (
        <>
          <h2 className="convlist-heading" id="newchat-heading">
            {t("chat.startWith")}
          </h2>
          <ul className="convlist-items" aria-labelledby="newchat-heading">
            {newChats.map((f) => {
              const id = dmConversationId(me!, f.user.id);
              return (
                <li key={f.user.id}>
                  <Link
                    className="conv conv-new"
                    to={withQuery(chatPath(id))}
                    onClick={writePendingQuery}
                    aria-current={id === activeId ? "page" : undefined}
                  >
                    <PresenceAvatar
                      name={shownName(people, f.user)}
                      userId={f.user.id}
                      presence={presence[f.user.id]}
                    />
                    <span className="conv-name" translate="no">
                      <bdi>{shownName(people, f.user)}</bdi>
                    </span>
                  </Link>
                </li>
              );
            })}
          </ul>
        </>
      )}
      {searching && <MessageResults query={query} />}
    </div>
  );
}

interface ItemProps {
  view: ConversationView;
  to: To;
  active: boolean;
  presence: Readonly<Record<number, Presence>>;
  names: Readonly<Record<number, string>>;
  displayNames: Readonly<Record<number, string>>;
  me: number | undefined;
  friendIds: ReadonlySet<number>;
}

function ConversationItem({ view, to, active, presence, names, displayNames, me, friendIds }: ItemProps) {
  // Previews drop Markdown markers once the parser is loaded (it loads with the first list).
  useMarkdownReady();
  const { t, lang } = useI18n();
  const now = useNow(60_000);
  const peer = peerOf(view, me, names);
  const title = conversationTitle(view, t, me, names, displayNames);
  const lastPending = view.pending.at(-1);
  const last = lastPending ?? view.entries.at(-1);
  const unread = active ? 0 : view.unread;
  const mentioned = active ? 0 : unreadMentions(view, me);
  const { pinned, markedUnread } = view.settings;
  const muted = mutedNow(view, now);
  const until = view.settings.muted?.until;
  const { chat } = useChatServices();
  // Nothing held, yet the log has entries: the newest shown one is encrypted and this device has not
  // read it (the server gives no preview of encrypted messages, and this one holds no plaintext yet).
  const encryptedUnseen = !last && chat.e2e !== undefined && view.headSeq > view.visibleFromSeq;
  return (
    <Link
      className="conv"
      to={to}
      onClick={writePendingQuery}
      aria-current={active ? "page" : undefined}
      data-unread={((unread > 0 || markedUnread) && !active) || undefined}
      data-muted={muted || undefined}
      data-testid={`conv-${view.conversationId}`}
    >
      {view.kind === "dm" && peer && friendIds.has(peer.id) ? (
        <PresenceAvatar name={title} userId={peer.id} presence={presence[peer.id]} />
      ) : (
        <Avatar name={title} userId={view.kind === "dm" ? peer?.id : undefined} groupId={groupIdOf(view)} size={40} />
      )}
      <span className="conv-body">
        <span className="conv-top">
          <span className="conv-name" translate="no">
            <bdi>{title}</bdi>
          </span>
          <span className="conv-marks">
            {muted && (
              <span
                className="conv-mark"
                data-testid="muted-mark"
                title={until ? t("chat.mutedUntil", { when: shortWhen(until, now, lang) }) : t("chat.muted")}
              >
                <BellOffIcon size={14} />
                <span className="sr-only">{t("chat.muted")}</span>
              </span>
            )}
            {pinned && (
              <span className="conv-mark" data-testid="pinned-mark" title={t("chat.pinned")}>
                <PinIcon size={14} />
                <span className="sr-only">{t("chat.pinned")}</span>
              </span>
            )}
            {view.lastActivityTs > 0 && <span className="conv-when">{shortWhen(view.lastActivityTs, now, lang)}</span>}
          </span>
        </span>
        <span className="conv-bottom">
          <span className="conv-preview">
            <bdi>{encryptedUnseen ? t("chat.unavailablePreview") : previewText(last, me, t, displayNames)}</bdi>
          </span>
          {mentioned > 0 && (
            // A mention asks for attention even in a muted conversation: never dimmed.
            <span className="badge badge-mention" data-testid="mention-badge">
              <span aria-hidden="true">@</span>
              <span className="sr-only">{t("chat.mentioned")}</span>
            </span>
          )}
          {unread > 0 ? (
            <span className="badge" data-testid="unread-badge" data-muted={muted || undefined}>
              <span aria-hidden="true">{unread > 99 ? "99+" : unread}</span>
              <span className="sr-only">{t("chat.unread", { count: unread })}</span>
            </span>
          ) : (
            markedUnread &&
            !active && (
              <span className="badge badge-dot" data-testid="marked-unread" data-muted={muted || undefined}>
                <span className="sr-only">{t("chat.markedUnread")}</span>
              </span>
            )
          )}
        </span>
      </span>
    </Link>
  );
}

export function PresenceAvatar({
  name,
  userId,
  presence,
  size = 40,
}: {
  name: string;
  userId?: number;
  presence: Presence | undefined;
  size?: number;
}) {
  const { t } = useI18n();
  const online = presence?.online ?? false;
  return (
    <span className="presence-avatar">
      <Avatar name={name} userId={userId} size={size} />
      <span className="presence-dot" data-online={online} aria-hidden="true" />
      <span className="sr-only">{online ? t("chat.online") : t("chat.offline")}</span>
    </span>
  );
}

/** The social feature's friends (with live presence) are the chat's friends too. */
function useFriendsFromSocial(): void {
  const { people } = useChatServices();
  const social = useOptionalSocial();
  const friends = social?.friends;
  const profiles = social?.profiles;
  useEffect(() => {
    if (profiles) people.setProfiles(profiles);
  }, [people, profiles]);
  useEffect(() => {
    if (friends)
      people.setFriends(
        friends.map((f) => ({
          user: { id: f.userId, username: f.username },
          since: f.since,
          presence: { online: f.online, lastSeenAt: f.lastSeenAt },
        })),
      );
  }, [people, friends]);
}

/** Up/Down (and Home/End) between the list's links: one Tab stop's worth of effort per move. */
function moveFocus(e: KeyboardEvent<HTMLElement>): void {
  if (!["ArrowDown", "ArrowUp", "Home", "End"].includes(e.key)) return;
  const links = [...e.currentTarget.querySelectorAll<HTMLAnchorElement>("a.conv")];
  const at = links.indexOf(document.activeElement as HTMLAnchorElement);
  if (at === -1) return;
  e.preventDefault();
  const next =
    e.key === "Home"
      ? 0
      : e.key === "End"
        ? links.length - 1
        : Math.min(links.length - 1, Math.max(0, at + (e.key === "ArrowDown" ? 1 : -1)));
  links[next]?.focus();
}
