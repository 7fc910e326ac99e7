/**
 * The open conversation: header (back to the list on phones, name, presence), the timeline, who
 * is typing, and the composer. Loads
 * the others' read pointers for "read" / "read by N".
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { NO_SETTINGS, parseConversationId, type ConversationView as View, type TextEntry } from "@sealroom/sdk/browser";
import { Avatar } from "../../components/Avatar.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { BackIcon, InfoIcon } from "../../components/Icons.js";
import { Link } from "react-router";
import { useNow } from "../../lib/hooks.js";
import { HOME, useWithSearch } from "../../lib/routes.js";
import { useConnectionState } from "../../state/context.js";
import { GROUP_DETAILS_ID, useOptionalSocial } from "../social/index.js";
import { PresenceAvatar } from "./ConversationList.js";
import { Composer, type ReplyDraft } from "./Composer.js";
import { ConversationMenu } from "./ConversationMenu.js";
import { useChatServices, useChatSnapshot, usePeople } from "./context.js";
import { EncryptionButton, EncryptionPanel, useEncryptionPanel } from "./EncryptionDetails.js";
import { HistoryBackupBanner } from "./HistoryBackupBanner.js";
import { useDetailsToggle } from "./details-toggle.js";
import { conversationTitle, groupIdOf, peerOf, typingMessage } from "./format.js";
import { isolated } from "./isolate.js";
import { useMe } from "./hooks.js";
import { useMayPost } from "./mayPost.js";
import { MessageList } from "./MessageList.js";
import { lastOwnSeq } from "./timeline.js";
import { ChangedNotice } from "./Verification.js";
import { useVerification } from "./contact-verification.js";
import { useGroupVerification } from "./group-verification.js";
import type { TimelineNotice } from "./device-changes.js";
import { Tip } from "../../components/Tip.js";

export function ConversationView({
  conversationId,
  detailsOpen = false,
}: {
  conversationId: string;
  /** Whether the group's details panel is open beside the conversation (the route says). */
  detailsOpen?: boolean;
}) {
  const { t, lang } = useI18n();
  const { chat, people } = useChatServices();
  const snapshot = useChatSnapshot();
  const { presence, names, displayNames, members: groupMembers } = usePeople();
  const social = useOptionalSocial();
  const me = useMe();
  const state = useConnectionState();
  const now = useNow(30_000);
  const withSearch = useWithSearch();
  const heading = useRef<HTMLHeadingElement>(null);
  const ref = parseConversationId(conversationId);
  const view = snapshot.byId[conversationId] ?? placeholder(conversationId, ref);
  // Up in the empty composer: edit the user's last message (MessageList opens its editor).
  const [editSeq, setEditSeq] = useState<number>();
  const editStarted = useCallback(() => setEditSeq(undefined), []);
  /** The message the next one answers (Reply on a message); the composer shows and sends it. */
  const [reply, setReply] = useState<ReplyDraft>();
  const startReply = useCallback(
    (entry: TextEntry, sender: string) => setReply({ seq: entry.seq, sender, text: entry.text }),
    [],
  );
  const editLast = () => {
    const seq = lastOwnSeq(view.entries, me);
    if (seq !== undefined) setEditSeq(seq);
    return seq !== undefined;
  };
  const mayPost = useMayPost(conversationId);
  const encryption = useEncryptionPanel(conversationId);
  const details = useDetailsToggle(conversationId, detailsOpen, heading);
  // A DM's contact, for the safety number and the verified mark (encrypted conversations only).
  const contactId =
    chat.e2e && ref?.kind === "dm" && me !== undefined ? (ref.low === me ? ref.high : ref.low) : undefined;
  const verification = useVerification(me, contactId);
  // A group's members, each verified (or not) as in their DM: one store per pair of users.
  const group = useGroupVerification(me, chat.e2e && ref?.kind === "group" ? groupMembers[ref.groupId] : undefined);
  /** The member whose safety number the group's encryption details show. */
  const [reviewing, setReviewing] = useState<number>();
  useEffect(() => setReviewing(undefined), [conversationId]);
  const nameOf = (userId: number) => displayNames[userId] ?? names[userId] ?? t("chat.someone");
  const changedNames =
    group.changed.length > 0
      ? new Intl.ListFormat(lang, { type: "conjunction" }).format(group.changed.map(nameOf))
      : undefined;
  const review = (userId?: number) => {
    if (contactId === undefined) setReviewing(userId ?? group.changed[0]);
    encryption.show();
  };
  const keysChanged =
    (verification.state.kind === "ready" && verification.state.status === "changed") || changedNames !== undefined;
  // A member's record is the pair's (their DM's too): in a group, none from before its history here.
  const groupStart = view.hasOlder ? -Infinity : (view.entries[0]?.ts ?? -Infinity);
  const deviceNotices: TimelineNotice[] =
    contactId === undefined ? group.notices.filter((n) => n.at >= groupStart) : verification.notices;

  // Focus the conversation's name when it opens, so a screen reader says where the user is.
  useEffect(() => heading.current?.focus({ preventScroll: true }), [conversationId]);
  useEffect(() => setReply(undefined), [conversationId]);
  // Opened: "marked as unread" has done its work (reading clears it, also with nothing new to read).
  // The pointer stays where it is: what is below the fold is read once seen (MessageList).
  const markedUnread = view.settings.markedUnread;
  const readSeq = useRef(view.readSeq);
  readSeq.current = view.readSeq;
  useEffect(() => {
    if (markedUnread) chat.markRead(conversationId, readSeq.current).catch(() => undefined);
  }, [chat, conversationId, markedUnread]);

  useEffect(() => {
    if (ref?.kind === "group") people.ensureGroup(ref.groupId);
    chat.loadReceipts(conversationId).catch(() => undefined); // read state is a nicety; the live events fill it in too
  }, [chat, people, conversationId, ref?.kind, ref?.kind === "group" ? ref.groupId : 0, state === "ready"]);

  if (!ref) return null;
  const peer = peerOf(view, me, names);
  const title = conversationTitle(view, t, me, names, displayNames);
  // No longer friends (unfriended or blocked, either side): no presence, and nothing to send.
  const unfriended = view.kind === "dm" && !mayPost;
  const iBlocked = unfriended && !!social?.blocked.some((b) => b.user.id === peer?.id);
  // Offline, presence is only what it was: claim nothing rather than a stale "online".
  const peerPresence = peer && state === "ready" && !unfriended ? presence[peer.id] : undefined;
  const typingNow = typingMessage(view.typing, displayNames);
  const typing = typingNow && isolated(t, typingNow.key, typingNow.vars);
  const readOnly = view.group?.disbanded === true;
  // Left or removed: the history up to then stays, read-only, saying who removed the user.
  const removed = view.group?.removed;
  // Left or removed (the store dropped it, and it is not among the user's groups): nothing to post to.
  const gone =
    ref.kind === "group" &&
    !snapshot.byId[conversationId] &&
    social?.status === "ready" &&
    !social.groups.some((g) => g.id === ref.groupId);
  const showsDetails = ref.kind === "group" && !removed && social !== undefined;
  const myGroup = ref?.kind === "group" ? social?.groups.find((g) => g.id === ref.groupId) : undefined;
  const members = myGroup?.memberCount;
  const topic = removed ? "" : (myGroup?.topic ?? "");
  const subtitle =
    view.kind === "group"
      ? removed
        ? t("chat.removedSub")
        : members === undefined
          ? t("chat.group")
          : t("group.memberCount", { count: members })
      : state !== "ready" || unfriended
        ? ""
        : peerPresence?.online
          ? t("chat.online")
          : peerPresence?.lastSeenAt
            ? t("chat.lastSeen", { when: relative(peerPresence.lastSeenAt, now, lang) })
            : t("chat.offline");

  return (
    <section className="conversation" aria-labelledby="conversation-title">
      <header className="conversation-header">
        <Tip label={t("chat.back")} side="bottom">
          <Link className="icon-btn conversation-back" to={withSearch(HOME)} aria-label={t("chat.back")}>
            <BackIcon />
          </Link>
        </Tip>
        {/* A group's name (and, by the button's stretched hit area, its avatar and subtitle) opens its details. */}
        <div className="conversation-id">
          {view.kind === "dm" && !unfriended ? (
            <PresenceAvatar name={title} userId={peer?.id} presence={peerPresence} size={36} />
          ) : (
            <Avatar
              name={title}
              userId={view.kind === "dm" ? peer?.id : undefined}
              groupId={groupIdOf(view)}
              size={36}
            />
          )}
          <div className="conversation-heading">
            <h1 id="conversation-title" className="conversation-title" tabIndex={-1} ref={heading} translate="no">
              {showsDetails ? (
                <Tip label={t("chat.showDetails")}>
                  <button
                    type="button"
                    className="conversation-title-btn"
                    aria-expanded={detailsOpen}
                    aria-controls={GROUP_DETAILS_ID}
                    data-testid="details-title"
                    onClick={(e) => details.toggle(e.currentTarget)}
                  >
                    <bdi>{title}</bdi>
                  </button>
                </Tip>
              ) : (
                <bdi>{title}</bdi>
              )}
            </h1>
            <p className="conversation-sub" data-online={peerPresence?.online || undefined}>
              {subtitle}
              {topic && (
                <span className="conversation-topic" data-testid="conversation-topic" title={topic}>
                  {" · "}
                  <bdi>{topic}</bdi>
                </span>
              )}
            </p>
          </div>
        </div>
        {snapshot.byId[conversationId] && <ConversationMenu view={view} now={now} />}
        {chat.e2e && (
          <EncryptionButton open={encryption.open} onToggle={encryption.toggle} panelId={encryption.panelId} />
        )}
        {showsDetails && (
          <Tip label={t("chat.groupDetails")}>
            <button
              type="button"
              ref={details.button}
              className="icon-btn conversation-info"
              aria-expanded={detailsOpen}
              aria-controls={GROUP_DETAILS_ID}
              aria-label={t("chat.groupDetails")}
              data-testid="details-button"
              onClick={(e) => details.toggle(e.currentTarget)}
            >
              <InfoIcon />
            </button>
          </Tip>
        )}
      </header>
      <HistoryBackupBanner />
      {keysChanged && !encryption.open && (
        <ChangedNotice
          name={title}
          text={changedNames === undefined ? undefined : t("verify.groupChanged", { names: changedNames })}
          onReview={() => review()}
        />
      )}
      {chat.e2e && encryption.open && (
        <EncryptionPanel
          id={encryption.panelId}
          chat={chat}
          onClose={encryption.close}
          verification={contactId === undefined ? undefined : { verification, name: title }}
          group={
            ref.kind === "group" && !removed
              ? { group, nameOf, selected: reviewing, onSelect: setReviewing }
              : undefined
          }
        />
      )}
      <MessageList
        key={`timeline:${conversationId}`}
        view={view}
        editSeq={editSeq}
        onEditStarted={editStarted}
        onReply={startReply}
        deviceNotices={
          deviceNotices.length > 0
            ? {
                notices: deviceNotices,
                nameOf: (n) => (n.userId === undefined ? title : nameOf(n.userId)),
                onReview: (n) => review(n.userId),
              }
            : undefined
        }
      />
      <div className="typing" aria-live="polite" data-testid="typing">
        {typing && (
          <>
            <span className="typing-dots" aria-hidden="true">
              <span />
              <span />
              <span />
            </span>
            {typing}
          </>
        )}
      </div>
      {state !== "ready" && !readOnly && !gone && !removed && !unfriended && (
        <p className="composer-offline">{t("chat.offlineQueue")}</p>
      )}
      {unfriended ? (
        <p className="composer-readonly" role="status" data-testid="dm-closed">
          {iBlocked ? t("chat.dmBlocked", { name: title }) : t("chat.dmNotFriends", { name: title })}
        </p>
      ) : removed ? (
        <p className="composer-readonly" role="status" data-testid="removed-notice">
          {removed.reason === "left"
            ? t("chat.removed.left")
            : removed.by
              ? t("chat.removed.kicked", { name: removed.by.username })
              : t("chat.removed.kickedSomeone")}
        </p>
      ) : gone ? (
        <p className="composer-readonly">{t("chat.error.notFound")}</p>
      ) : readOnly ? (
        <p className="composer-readonly">{t("chat.readOnly")}</p>
      ) : (
        <Composer
          key={`composer:${conversationId}`}
          conversationId={conversationId}
          name={title}
          onEditLast={editLast}
          reply={reply}
          onReplyDone={() => setReply(undefined)}
          keysChanged={
            keysChanged
              ? { onReview: () => review(), ...(changedNames === undefined ? {} : { names: changedNames }) }
              : undefined
          }
        />
      )}
    </section>
  );
}

/** A DM with a friend that has no entry yet (or a conversation the store has not listed yet). */
function placeholder(conversationId: string, ref: ReturnType<typeof parseConversationId>): View {
  return {
    conversationId,
    kind: ref?.kind ?? "dm",
    peer: null,
    group: null,
    entries: [],
    headSeq: 0,
    hasOlder: false,
    visibleFromSeq: 0,
    lastActivityTs: 0,
    readSeq: 0,
    unread: 0,
    receipts: {},
    typing: [],
    pending: [],
    written: {},
    people: {},
    settings: NO_SETTINGS,
  };
}

function relative(ts: number, now: number, lang: string): string {
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  const minutes = Math.round((ts - now) / 60_000);
  if (Math.abs(minutes) < 60) return rtf.format(minutes, "minute");
  const hours = Math.round(minutes / 60);
  if (Math.abs(hours) < 24) return rtf.format(hours, "hour");
  return rtf.format(Math.round(hours / 24), "day");
}
