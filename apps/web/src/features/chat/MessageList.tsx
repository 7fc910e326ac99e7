/**
 * The scrolling timeline. Opens at the newest message, or at the first unread one under a divider
 * (loading back to it first); follows new ones while the reader is at the bottom, and goes down to
 * a message the user sends; loads older pages when the reader nears the top (or asks with the
 * button) and keeps the message under the reader's eyes where it was while they are inserted above.
 * Read means seen: the read pointer moves only as far as what has been on screen.
 * By keyboard it is one Tab stop (see timelineKeys.ts).
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import type { ConversationView, TextEntry } from "@sealroom/sdk/browser";
import { LockIcon } from "../../components/Icons.js";
import { useI18n } from "../../i18n/I18nProvider.js";
import { useChatServices, usePeople } from "./context.js";
import { marksOf } from "./mentions.js";
import { dayLabel, ownStatus, statusText, systemMessage } from "./format.js";
import { isolated } from "./isolate.js";
import { useMe, useMyUsername, usePageVisible } from "./hooks.js";
import { jumpDone, useJumpTarget } from "./jump.js";
import { useNow } from "../../lib/hooks.js";
import { Message, PendingBubble } from "./Message.js";
import { useMayPost } from "./mayPost.js";
import { replyTargetOf } from "./Responses.js";
import { buildRows, lastOwnSeq } from "./timeline.js";
import { DeviceChangeRow, type DeviceNotices } from "./DeviceChangeRow.js";
import { useRovingTimeline } from "./timelineKeys.js";

/** Within this many pixels of the bottom counts as "at the bottom". */
const STICK_PX = 80;
/** Within this many pixels of the top, the previous page is fetched. */
const NEAR_TOP_PX = 160;

/** Entries fetched per page while loading back to the first unread message. */
const UNREAD_PAGE = 200;

export interface MessageListProps {
  view: ConversationView;
  /** The message Up in the empty composer asked to edit; onEditStarted clears the request. */
  editSeq?: number | undefined;
  onEditStarted?(): void;
  /** Reply was chosen on a message: the composer answers it. */
  onReply?(entry: TextEntry, sender: string): void;
  /** A DM contact's device changes, shown in the timeline where they happened. */
  deviceNotices?: DeviceNotices | undefined;
}

export function MessageList({ view, editSeq, onEditStarted, onReply, deviceNotices }: MessageListProps) {
  const { t, lang, describeError } = useI18n();
  const { chat } = useChatServices();
  const { names, displayNames } = usePeople();
  const me = useMe();
  const now = useNow(60_000);
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const dividerPlaced = useRef(false);
  /**
   * While an older page loads: the distance from the bottom and the first entry before it, so the
   * render that prepends it (and only that one) restores the reader's position.
   */
  const anchor = useRef<{ fromBottom: number; firstSeq: number | undefined } | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string>();
  const loadingRef = useRef(false);

  const mayPost = useMayPost(view.conversationId);
  const canRespond = chat.e2e !== undefined && mayPost;
  const nameOf = (userId: number): string =>
    userId === me
      ? t("chat.you")
      : (displayNames[userId] ??
        names[userId] ??
        view.people[userId] ??
        (view.kind === "dm" ? view.peer?.username : undefined) ??
        t("chat.someone"));
  /** A mentioned user's username (to find in the text) and the name shown for them. */
  const myUsername = useMyUsername();
  const mentioned = (userId: number) => {
    const username =
      (userId === me ? myUsername : undefined) ??
      names[userId] ??
      view.people[userId] ??
      (view.peer?.id === userId ? view.peer.username : undefined);
    return username === undefined ? undefined : { username, shown: displayNames[userId] ?? username };
  };
  /** Shows a message (a reply's original): centred, focused, and marked for a moment as a search result is. */
  const showMessage = useCallback((seq: number) => {
    const row = scroller.current?.querySelector<HTMLElement>(`[data-testid="message"][data-seq="${seq}"]`);
    if (!row) return;
    atBottom.current = false;
    row.scrollIntoView({ block: "center" });
    row.focus({ preventScroll: true });
    row.setAttribute("data-found", "");
    setTimeout(() => row.removeAttribute("data-found"), 2500);
  }, []);

  const firstSeq = view.entries[0]?.seq;
  // What was unread when the conversation opened keeps its divider while the reader is here.
  const [readAtOpen] = useState(() => (view.unread > 0 ? view.readSeq : undefined));
  // Older than the oldest entry held while there is more history: shown once that page is in.
  const oldestHeld = view.hasOlder ? (view.entries[0]?.ts ?? Infinity) : -Infinity;
  const notices = deviceNotices?.notices.filter((n) => n.at >= oldestHeld);
  const rows = buildRows(view.entries, view.pending, me, readAtOpen, chat.e2e !== undefined, notices);
  const ownSeq = lastOwnSeq(view.entries, me);
  const roving = useRovingTimeline(
    scroller,
    rows.flatMap((r) => (r.type === "text" || r.type === "pending" ? [r.key] : [])),
  );
  // Everything after the read pointer is held: the divider can be placed and reading marked.
  const covered = readAtOpen === undefined || !view.hasOlder || (firstSeq ?? 0) <= readAtOpen + 1;

  const loadOlder = useCallback(
    async (limit?: number) => {
      const el = scroller.current;
      if (loadingRef.current || !view.hasOlder || !el) return;
      loadingRef.current = true;
      setLoading(true);
      setError(undefined);
      anchor.current = { fromBottom: el.scrollHeight - el.scrollTop, firstSeq: view.entries[0]?.seq };
      try {
        if ((await chat.loadOlder(view.conversationId, limit)) === 0) anchor.current = undefined;
      } catch (err) {
        anchor.current = undefined;
        setError(describeError(err));
      } finally {
        loadingRef.current = false;
        setLoading(false);
      }
    },
    [chat, view.conversationId, view.hasOlder, view.entries, describeError],
  );

  // The user sent a message: go down to it, however far up they were reading.
  const lastPending = view.pending.at(-1)?.clientMsgId;
  const seenPending = useRef(lastPending);
  useLayoutEffect(() => {
    if (lastPending !== undefined && lastPending !== seenPending.current) {
      atBottom.current = true;
      setNewBelow(false);
    }
    seenPending.current = lastPending;
  }, [lastPending]);

  // After a render: restore the reading position if a page was prepended, else follow the bottom.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (anchor.current) {
      if (anchor.current.firstSeq === firstSeq) return; // not prepended yet
      el.scrollTop = el.scrollHeight - anchor.current.fromBottom;
      anchor.current = undefined;
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
    // More unread than fits: open at the first of them (its divider), not past them at the bottom.
    if (!dividerPlaced.current && covered) {
      const divider = el.querySelector<HTMLElement>("[data-testid=unread-divider]");
      dividerPlaced.current = true;
      if (!divider) return;
      const top = divider.getBoundingClientRect().top - el.getBoundingClientRect().top + el.scrollTop;
      if (el.scrollHeight - top > el.clientHeight) {
        el.scrollTop = top - 16;
        atBottom.current = false;
        setNewBelow(true); // and the way down to the newest
      }
    }
  });

  // A search result asked for a message here (jump.ts): once the history around it is in (the result
  // called ChatStore.loadAround), it is scrolled to the middle, focused and marked for a moment.
  const jump = useJumpTarget(view.conversationId);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!jump || !el) return;
    const row = el.querySelector<HTMLElement>(`[data-testid=message][data-seq="${jump.seq}"]`);
    // Not drawn yet: an encrypted message shows once the engine has read its page (after the page
    // itself is in), so this looks again at every render until the target expires (jump.ts).
    if (!row) return;
    dividerPlaced.current = true;
    atBottom.current = false;
    anchor.current = undefined;
    row.scrollIntoView({ block: "center" });
    row.focus({ preventScroll: true });
    row.setAttribute("data-found", "");
    setTimeout(() => row.removeAttribute("data-found"), 2500);
    jumpDone(jump);
  });

  // A first page that does not fill the screen cannot be scrolled up: fetch more right away. With
  // unread messages, fetch back to the first of them, so the reader starts there.
  useEffect(() => {
    const el = scroller.current;
    if (!el || !view.hasOlder || loading || error) return;
    if (!covered) void loadOlder(UNREAD_PAGE);
    else if (el.scrollHeight <= el.clientHeight + NEAR_TOP_PX) void loadOlder();
  }, [firstSeq, view.hasOlder, loading, error, loadOlder, covered]);

  // New entries while the reader is scrolled up: offer a way down instead of yanking the view.
  const lastSeq = view.entries.at(-1)?.seq;
  const seenSeq = useRef(lastSeq);
  const [newBelow, setNewBelow] = useState(false);
  useEffect(() => {
    if (lastSeq !== undefined && seenSeq.current !== undefined && lastSeq > seenSeq.current && !atBottom.current)
      setNewBelow(true);
    seenSeq.current = lastSeq;
  }, [lastSeq]);
  const toBottom = () => {
    const el = scroller.current;
    atBottom.current = true;
    setNewBelow(false);
    el?.scrollTo({ top: el.scrollHeight });
  };

  // Read means seen: while the page is visible, up to the newest entry that has been on screen
  // (opening 130 unread with 13 in view reads those 13, not the other 117).
  const visible = usePageVisible();
  const marking = useRef(0);
  const markSeen = () => {
    const el = scroller.current;
    // Not before the reader has been put at the first unread message.
    if (!el || !visible || !covered || !dividerPlaced.current) return;
    const upTo = seenUpTo(el, view.entries.at(-1)?.seq, view.headSeq);
    if (upTo <= view.readSeq || marking.current >= upTo) return;
    marking.current = upTo;
    chat.markRead(view.conversationId, upTo).catch(() => {
      marking.current = 0; // try again on the next change
    });
  };
  useEffect(markSeen);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
    if (atBottom.current) setNewBelow(false);
    if (el.scrollTop < NEAR_TOP_PX) void loadOlder();
    markSeen();
  };

  return (
    <div className="timeline-wrap">
      <div
        className="timeline"
        ref={scroller}
        onScroll={onScroll}
        role="log"
        aria-label={t("chat.messages")}
        aria-describedby="timeline-keys"
        // One Tab stop: a message (see timelineKeys.ts); the list itself only while it has none.
        tabIndex={roving.hasStop ? -1 : 0}
        onFocus={roving.onFocus}
        onKeyDown={roving.onKeyDown}
        data-testid="timeline"
      >
        <p id="timeline-keys" className="sr-only">
          {t("chat.timelineKeys")}
        </p>
        <div className="timeline-inner">
          <div className="timeline-top">
            {view.hasOlder ? (
              <button
                type="button"
                className="btn btn-ghost btn-small"
                onClick={() => void loadOlder()}
                disabled={loading}
              >
                {loading ? t("chat.loadingOlder") : t("chat.loadOlder")}
              </button>
            ) : (
              <p className="timeline-beginning">
                {view.kind === "group" && view.visibleFromSeq > 0 ? t("chat.beginningGroup") : t("chat.beginning")}
              </p>
            )}
            {error && (
              <p className="msg-error" role="alert">
                {error}
              </p>
            )}
          </div>
          {rows.map((row) => {
            switch (row.type) {
              case "day":
                return (
                  <div key={row.key} className="day-sep" role="separator">
                    <span>{dayLabel(row.ts, now, lang, t)}</span>
                  </div>
                );
              case "system": {
                const sys = systemMessage(row.entry, t, displayNames);
                return (
                  <p key={row.key} className="sys" data-testid="system-entry" data-seq={row.entry.seq}>
                    {isolated(t, sys.key, sys.vars)}
                  </p>
                );
              }
              case "text": {
                const sender = row.own ? "" : nameOf(row.entry.senderId);
                const replyTarget = replyTargetOf(row.entry, view.entries, nameOf);
                const status =
                  row.entry.seq === ownSeq
                    ? statusText(ownStatus(row.entry.seq, view.kind, view.receipts, me), t)
                    : undefined;
                return (
                  <Message
                    key={row.key}
                    entry={row.entry}
                    own={row.own}
                    kind={view.kind}
                    sender={sender}
                    first={row.first}
                    last={row.last}
                    status={status}
                    tabIndex={roving.tabIndexOf(row.key)}
                    writtenTs={row.own ? view.written[row.entry.seq] : undefined}
                    editRequested={editSeq === row.entry.seq}
                    {...(onEditStarted ? { onEditStarted } : {})}
                    replyTarget={replyTarget}
                    canRespond={canRespond}
                    me={me}
                    nameOf={nameOf}
                    mentions={marksOf(row.entry, me, mentioned)}
                    {...(onReply ? { onReply } : {})}
                    onJump={showMessage}
                  />
                );
              }
              case "e2e":
                return (
                  <div
                    key={row.key}
                    className={`e2e-sep${row.encrypted ? " e2e-sep-on" : ""}`}
                    role="separator"
                    data-testid={row.encrypted ? "e2e-divider" : "plaintext-divider"}
                  >
                    <span>
                      {row.encrypted && <LockIcon size={12} />}
                      {t(row.encrypted ? "chat.e2eDivider" : "chat.notE2eDivider")}
                    </span>
                  </div>
                );
              case "devices":
                return deviceNotices && <DeviceChangeRow key={row.key} notice={row.notice} {...deviceNotices} />;
              case "unread":
                return (
                  <div key={row.key} className="unread-sep" role="separator" data-testid="unread-divider">
                    <span>{t("chat.unreadDivider")}</span>
                  </div>
                );
              case "pending":
                return (
                  <PendingBubble
                    key={row.key}
                    message={row.message}
                    kind={view.kind}
                    tabIndex={roving.tabIndexOf(row.key)}
                    first={row.first}
                    last={row.last}
                  />
                );
            }
          })}
        </div>
      </div>
      {newBelow && (
        <button type="button" className="new-below" onClick={toBottom}>
          {t("chat.newBelow")} ↓
        </button>
      )}
    </div>
  );
}

/**
 * The newest entry at least partly on screen (entries above it were scrolled past); if that is the
 * newest held, the head (edits and deletions after it have no row of their own).
 */
function seenUpTo(el: HTMLElement, lastHeld: number | undefined, head: number): number {
  const bottom = el.getBoundingClientRect().bottom;
  const rows = el.querySelectorAll<HTMLElement>("[data-seq]");
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i]!;
    if (row.getBoundingClientRect().top <= bottom) {
      const seq = Number(row.dataset.seq);
      return seq === lastHeld ? head : seq;
    }
  }
  return 0;
}
